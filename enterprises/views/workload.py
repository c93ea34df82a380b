"""« Charge de travail »: the time spent on interventions and their number, by office, adviser,
kind of help, month and kind of intervention, over a period of months, with a CSV/XLSX export
of the detailed lines (month × office × adviser × kind of help).

SIT managers see their SIT's offices, administrators every office (filter by SIT or office),
advisers their own interventions only; enterprises get 403. The figures are added up in SQL
(``enterprises/workload.py``): a fixed number of queries whatever the number of
interventions."""

import tablib
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts.models import Role
from portal.exports import export_response

from .. import permissions, workload
from ..models import HelpKind


def _form(request):
    if not permissions.can_view_workload(request.user):
        raise PermissionDenied
    return workload.WorkloadFilterForm(request.GET, user=request.user)


@login_required
def case_workload(request):
    form = _form(request)
    figures = workload.workload(request.user, form.cleaned_data) if form.is_valid() else None
    query = {name: form.data.get(name) for name in form.fields if form.data.get(name)}
    return render(request, "enterprises/workload.html", {
        "form": form,
        "figures": figures,
        "query": urlencode(query),
        "own_only": request.user.role == Role.ADVISER,
    })


class WorkloadExport:
    """The detailed lines as a dataset (``portal.exports.export_response`` neutralises
    formulas): one line per month, office, adviser and kind of help."""

    def export(self, queryset):  # the lines of ``workload.detailed_rows``
        helps = dict(HelpKind.choices)
        dataset = tablib.Dataset(headers=[
            _("Month"), _("Office"), _("Adviser"), _("Help given"), _("Interventions"),
            _("Minutes"), _("Hours")])
        for row in queryset:
            dataset.append([
                row["month"].strftime("%Y-%m"), row["office"], row["adviser"],
                str(helps.get(row["help_kind"], row["help_kind"])), row["count"],
                row["minutes"], float(workload.hours(row["minutes"]))])
        return dataset


@login_required
def case_workload_export(request, fmt):
    form = _form(request)
    if not form.is_valid():
        return HttpResponseBadRequest(_("The filters are not valid: correct them on the "
                                        "report’s page."))
    rows = workload.detailed_rows(request.user, form.cleaned_data)
    return export_response(WorkloadExport(), rows, fmt, "charge-de-travail")
