"""The cohort part of the regional dashboard (staff): the form choosing two admission cohorts
and a category, the figures it selects, and their CSV/XLSX export. The page itself, which adds
the regionalisation follow-up next to the cohorts, composes two domains and lives at the top
(``hub.views.cohort_dashboard``).

Each page runs a fixed number of queries (the cohorts available, the regions, the statistics of
the chosen cohorts), whatever the number of regions with data."""

import tablib
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.exports import export_response

from ..dashboard import Cohort, cohort_coverage, default_pair, montreal_area
from ..dashboard import cohort_dashboard as compute
from ..models import ImmigrationCategory, Region
from ..permissions import can_view_cohort_dashboard


class DashboardForm(forms.Form):
    cohort_a = forms.ChoiceField(label=gettext_lazy("First cohort (A)"))
    cohort_b = forms.ChoiceField(label=gettext_lazy("Second cohort (B)"))
    category = forms.ChoiceField(label=gettext_lazy("Immigration category"),
                                 choices=ImmigrationCategory.choices)

    def __init__(self, data, cohorts, coverage=None, regions_count=0):
        super().__init__(data)
        coverage = coverage or {}
        choices = []
        for cohort in cohorts:
            label = cohort.label
            covered = coverage.get(cohort)
            if covered is not None and covered < regions_count:
                label = _("%(cohort)s — incomplete: %(count)s of %(total)s regions") % {
                    "cohort": label, "count": covered, "total": regions_count}
            choices.append((cohort.key, label))
        self.fields["cohort_a"].choices = choices
        self.fields["cohort_b"].choices = choices

    def chosen(self):
        data = self.cleaned_data
        return (Cohort.from_key(data["cohort_a"]), Cohort.from_key(data["cohort_b"]),
                data["category"])


def require_dashboard(user):
    if not can_view_cohort_dashboard(user):
        raise PermissionDenied


def form_and_dashboard(request):
    """The form (the query string over the defaults: the two most recent cohorts covering
    every region in the chosen category, all categories) and, when it is valid, the
    dashboard. A cohort lacking some regions is labelled « incomplete » in the choices and
    never chosen by default while a complete one exists."""
    category = request.GET.get("category") or ImmigrationCategory.ALL
    if category not in ImmigrationCategory.values:
        category = ImmigrationCategory.ALL
    coverage = dict(cohort_coverage(category))
    cohorts = list(coverage)
    regions = list(Region.objects.order_by("code").values("code", "name"))
    complete = {cohort for cohort, count in coverage.items() if count >= len(regions)}
    pair = default_pair(cohorts, complete)
    if pair is None:
        return None, None
    data = {"cohort_a": pair[0].key, "cohort_b": pair[1].key,
            "category": ImmigrationCategory.ALL}
    data.update({key: request.GET[key] for key in data if request.GET.get(key)})
    form = DashboardForm(data, cohorts, coverage, len(regions))
    if not form.is_valid():
        return form, None
    return form, compute(*form.chosen(), montreal=montreal_area(), regions=regions)


def _cell(value):
    return "" if value is None else value


class DashboardExport:
    """Turns the dashboard's table into a tablib dataset, the shape ``export_response``
    expects from an import-export resource: same rows, same figures, same rounding."""

    def export(self, queryset):
        dashboard = queryset
        a, b = dashboard.cohort_a, dashboard.cohort_b
        headers = [
            _("Region code"), _("Region"), _("Category"),
            _("Admitted %(cohort)s") % {"cohort": a.label},
            _("Present %(cohort)s") % {"cohort": a.label},
            _("Presence rate %(cohort)s (%%)") % {"cohort": a.label},
            _("Admitted %(cohort)s") % {"cohort": b.label},
            _("Present %(cohort)s") % {"cohort": b.label},
            _("Presence rate %(cohort)s (%%)") % {"cohort": b.label},
            _("Variation of present (B - A)"), _("Variation of present (%)"),
            _("Share of Quebec's present %(cohort)s (%%)") % {"cohort": a.label},
            _("Share of Quebec's present %(cohort)s (%%)") % {"cohort": b.label},
        ]
        if dashboard.has_demo:
            headers.append(_("Fictitious demo data"))
        dataset = tablib.Dataset(headers=headers)
        category = dashboard.category_label
        for row in [*dashboard.rows, dashboard.total]:
            line = [row.code, row.name, category,
                    _cell(row.a.admitted), _cell(row.a.present), _cell(row.a.rate),
                    _cell(row.b.admitted), _cell(row.b.present), _cell(row.b.rate),
                    _cell(row.variation), _cell(row.variation_percent),
                    _cell(row.a.share), _cell(row.b.share)]
            if dashboard.has_demo:
                line.append(_("yes") if row.is_demo else _("no"))
            dataset.append(line)
        return dataset


@login_required
def cohort_export(request, fmt):
    require_dashboard(request.user)
    form, dashboard = form_and_dashboard(request)
    if dashboard is None:
        # An export holds exactly what the page shows: never a guess.
        return HttpResponseBadRequest(_("Choose two cohorts present in the data."))
    return export_response(DashboardExport(), dashboard, fmt, "cohortes")
