"""The per-region follow-up (ministry staff): opportunities validated, open and filled,
positions, referrals and hires, activities promoting each region and the participants who
settled there, as a table, a funnel (positions → candidates → interviews → hires) for one
region or all of them, and a CSV/XLSX export of the table.

The figures and their definitions are in ``regionalisation/followup.py``. Every staff member
sees every region (as on the cohort dashboard): the figures count validated opportunities and
activities, never drafts nor anyone's identity. Each page runs a fixed number of queries,
whatever the number of opportunities, referrals and activities."""

import tablib
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from antennes.models import Sit
from portal.exports import export_response
from regions.models import Region

from ..followup import Period, current_period, period_choices, regional_followup
from ..models import MONTREAL_REGION_CODE
from ..permissions import can_view_followup


def _regional_sits():
    """The SITs with a region outside Montréal."""
    regions = Region.objects.filter(sit=OuterRef("pk")).exclude(code=MONTREAL_REGION_CODE)
    return Sit.objects.filter(Exists(regions)).order_by("name")


def _funnel_choices():
    regions = Region.objects.exclude(code=MONTREAL_REGION_CODE).order_by("code")
    return [("", _("All the regions shown"))] + [
        (region.code, str(region)) for region in regions.only("code", "name")]


class FollowupForm(forms.Form):
    period = forms.ChoiceField(
        label=gettext_lazy("Period"),
        help_text=gettext_lazy("A fiscal year runs from April 1 to March 31."))
    sit = forms.ModelChoiceField(
        label=gettext_lazy("Territorial service (SIT)"), queryset=Sit.objects.none(),
        required=False, empty_label=gettext_lazy("Every SIT"))
    region = forms.ChoiceField(label=gettext_lazy("Funnel of"), required=False)

    def __init__(self, data):
        super().__init__(data)
        self.fields["period"].choices = period_choices()
        self.fields["sit"].queryset = _regional_sits()
        self.fields["region"].choices = _funnel_choices()


def _require_followup(user):
    if not can_view_followup(user):
        raise PermissionDenied


def _form_and_followup(request):
    """The form (the query string over the defaults: the current fiscal year, every SIT, the
    funnel of every region shown) and, when it is valid, the follow-up."""
    data = {"period": current_period().key, "sit": "", "region": ""}
    data.update({key: request.GET[key] for key in data if request.GET.get(key)})
    form = FollowupForm(data)
    if not form.is_valid():
        return form, None
    chosen = form.cleaned_data
    followup = regional_followup(period=Period.from_key(chosen["period"]), sit=chosen["sit"])
    return form, followup


@login_required
def followup(request):
    _require_followup(request.user)
    form, figures = _form_and_followup(request)
    funnel = None
    if figures is not None:
        funnel = figures.row(form.cleaned_data["region"]).funnel
    return render(request, "regionalisation/followup.html", {
        "form": form,
        "followup": figures,
        "funnel": funnel,
        "query": request.GET.urlencode(),
    })


def _cell(value):
    return "" if value is None else value


class FollowupExport:
    """Turns the follow-up's table into a tablib dataset, the shape ``export_response``
    expects from an import-export resource: the same rows and figures as the page."""

    def export(self, queryset):
        followup = queryset
        headers = [
            _("Region code"), _("Region"), _("Period"),
            _("Opportunities validated"), _("Open today"), _("Opportunities filled"),
            _("Positions offered"), _("Candidates presented"), _("Interviews"), _("Hires"),
            _("Hire rate (%)"),
            _("Activities promoting the region"), _("Participants"),
            _("Settled after 6 months"), _("Settled after 12 months"),
            _("Settlement rate after 12 months (%)"),
        ]
        dataset = tablib.Dataset(headers=headers)
        period = followup.period.label
        for row in [*followup.rows, followup.total]:
            dataset.append([
                row.code, row.name, period,
                row.opportunities, row.open_now, row.filled,
                row.positions, row.candidates, row.interviews, row.hires,
                _cell(row.hire_rate),
                row.activities, row.participants, row.settled_6, row.settled_12,
                _cell(row.settlement_rate),
            ])
        return dataset


@login_required
def followup_export(request, fmt):
    _require_followup(request.user)
    form, figures = _form_and_followup(request)
    if figures is None:
        # An export holds exactly what the page shows: never a guess.
        return HttpResponseBadRequest(_("Choose a period and a SIT from the lists."))
    return export_response(FollowupExport(), figures, fmt, "suivi-regionalisation")
