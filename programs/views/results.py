"""The ministry's results page: the targets and results of the funded plans of the user's
territory added by catalogue indicator, filtered by program, fiscal year, region and axis, the
« other » indicators counted apart, and a CSV/XLSX export of exactly what the page shows.

What counts is written once in ``programs/indicators.py``. Staff only (a partner gets 403, as
on the other ministry lists); every figure starts from ``ActionPlan.objects.for_user(user)``, so
an adviser's totals hold only the plans of their offices. A fixed number of queries, whatever
the number of plans."""

import tablib
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _

from portal.exports import export_response

from .. import permissions
from ..indicators import ResultsFilter, counted_indicators, indicator_results


def _require_results(user):
    if not permissions.can_view_queue(user):
        raise PermissionDenied


def _filtered_results(request):
    filterset = ResultsFilter(request.GET or None, queryset=counted_indicators(request.user),
                              request=request)
    return filterset, indicator_results(filterset.qs)


@login_required
def results(request):
    _require_results(request.user)
    filterset, figures = _filtered_results(request)
    return render(request, "programs/results/results.html", {
        "filter": filterset,
        "results": figures,
        "query": request.GET.urlencode(),
    })


def _cell(value):
    return "" if value is None else value


class ResultsExport:
    """Turns the page's figures into a tablib dataset, the shape ``export_response`` expects
    from an import-export resource: one line per catalogue indicator, then one line counting
    the « other » indicators (their values are not added: each has its own unit)."""

    def export(self, queryset):
        figures = queryset
        dataset = tablib.Dataset(headers=[
            _("Code"), _("Indicator"), _("Unit"), _("Plans"), _("Indicators"),
            _("Indicators with a result"), _("Target"), _("Result"), _("Result / target (%)"),
        ])
        for row in figures.rows:
            definition = row.definition
            dataset.append([
                definition.code, definition.name, definition.unit, row.plans, row.indicators,
                row.reported, row.target, row.result, _cell(row.percent),
            ])
        others = figures.others
        dataset.append([
            "", _("Other indicators (named by the partners, not added up)"), "", others.plans,
            others.indicators, others.reported, "", "", "",
        ])
        return dataset


@login_required
def results_export(request, fmt):
    _require_results(request.user)
    _filterset, figures = _filtered_results(request)
    return export_response(ResultsExport(), figures, fmt, "resultats-indicateurs")
