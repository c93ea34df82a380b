"""The regional dashboard: the cohort figures of ``regions`` and, next to them, the follow-up of
regional opportunities and activities of ``regionalisation``."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from regionalisation import permissions as regionalisation_permissions
from regionalisation.followup import current_period, regional_followup
from regions.permissions import can_import_cohorts
from regions.views.dashboard import form_and_dashboard, require_dashboard


@login_required
def cohort_dashboard(request):
    """Two admission cohorts side by side, region by region (``regions.dashboard``), and next
    to them the follow-up of regional opportunities and activities of the current fiscal year
    (``regionalisation.followup``), region by region in the same order."""
    require_dashboard(request.user)
    form, dashboard = form_and_dashboard(request)
    followup = None
    if regionalisation_permissions.can_view_followup(request.user):
        followup = regional_followup(period=current_period())
    return render(request, "regions/dashboard.html", {
        "form": form,
        "dashboard": dashboard,
        "can_import": can_import_cohorts(request.user),
        "query": request.GET.urlencode(),
        # The regionalisation follow-up (current fiscal year, every region outside Montréal).
        "followup": followup,
        "funnel": followup.total.funnel if followup else None,
    })
