"""``seed_demo`` (run by ``bin/run`` on every fresh machine) builds the whole demo through the
services: it must keep working as the rules tighten, and a second run must create nothing."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from enterprises.models import Case, CaseStatus, Enterprise
from partners.models import Organisation
from programs.models import ActionPlan, Status
from regionalisation.models import (
    MONTREAL_REGION_CODE,
    OUTCOME_MONTHS,
    Activity,
    ActivityKind,
    Opportunity,
    OpportunityFollow,
    OpportunityReferral,
    OpportunityStatus,
)

pytestmark = pytest.mark.django_db


def test_the_demo_has_plans_and_cases_in_every_state_and_a_second_run_adds_nothing(
        settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES,
                         "private": {**settings.STORAGES["private"],
                                     "OPTIONS": {"location": str(tmp_path), "base_url": None}}}
    call_command("seed_demo", verbosity=0)

    assert set(ActionPlan.objects.values_list("status", flat=True)) == set(Status.values)
    regions = ActionPlan.objects.values_list("organisation__region", flat=True).distinct()
    assert len(set(regions)) == 17
    assert set(Case.objects.values_list("status", flat=True)) == set(CaseStatus.values)
    assert {"resolved", "referred", "no_response", "withdrawn"} <= set(
        Case.objects.values_list("outcome", flat=True))
    assert Enterprise.objects.count() == Organisation.objects.filter(
        is_demo=True, kind="enterprise").count()

    counts = (Organisation.objects.count(), ActionPlan.objects.count(), Case.objects.count(),
              Opportunity.objects.count(), OpportunityReferral.objects.count(),
              OpportunityFollow.objects.count(), Activity.objects.count())
    call_command("seed_demo", verbosity=0)
    assert (Organisation.objects.count(), ActionPlan.objects.count(), Case.objects.count(),
            Opportunity.objects.count(), OpportunityReferral.objects.count(),
            OpportunityFollow.objects.count(), Activity.objects.count()) == counts


def test_the_demo_has_regional_opportunities_and_activities_for_every_demo_account(
        settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES,
                         "private": {**settings.STORAGES["private"],
                                     "OPTIONS": {"location": str(tmp_path), "base_url": None}}}
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    today = timezone.localdate()

    assert "regionalisation@demo.portail.example" in out.getvalue()
    opportunities = Opportunity.objects.all()
    assert 25 <= opportunities.count() <= 40
    assert set(opportunities.values_list("status", flat=True)) == set(OpportunityStatus.values)
    assert not opportunities.filter(region__code=MONTREAL_REGION_CODE).exists()
    assert opportunities.values("region").distinct().count() >= 5
    assert not opportunities.filter(enterprise__is_demo=False).exists()
    assert Opportunity.objects.on_board(today).count() >= 5
    assert OpportunityReferral.objects.exists() and OpportunityFollow.objects.exists()

    # The demo enterprise sees its own opportunities in several statuses, one of them on the
    # board with referral counts.
    employer = User.objects.get(email="entreprise@demo.portail.example")
    own = Opportunity.objects.for_user(employer)
    assert len(set(own.values_list("status", flat=True))) >= 5
    assert own.on_board(today).with_referral_totals().filter(total_candidates__gt=0).exists()
    # The demo adviser (Trois-Rivières and Shawinigan) has opportunities to validate.
    adviser = User.objects.get(email="conseillere@demo.portail.example")
    waiting = Opportunity.objects.for_user(adviser).filter(status=OpportunityStatus.SUBMITTED)
    assert waiting.values("office").distinct().count() == 2
    # The demo regionalisation organisation: Montréal, on the board, with its own activities.
    montreal = User.objects.get(email="regionalisation@demo.portail.example")
    organisation = montreal.membership.organisation
    assert organisation.is_demo and organisation.region.code == MONTREAL_REGION_CODE
    assert organisation.non_profit_kind == "regionalisation"
    assert OpportunityReferral.objects.filter(organisation=organisation).exists()
    assert Opportunity.objects.visible_to(montreal).count() >= Opportunity.objects.on_board(
        today).count()
    assert Organisation.objects.filter(is_demo=True, region__code=MONTREAL_REGION_CODE,
                                       non_profit_kind="regionalisation").count() >= 2
    assert Organisation.objects.filter(is_demo=True, region__code=MONTREAL_REGION_CODE,
                                       non_profit_kind="settlement").exists()

    activities = Activity.objects.all()
    assert 10 <= activities.count() <= 15
    assert set(activities.values_list("kind", flat=True)) == set(ActivityKind.values)
    # Over the last 18 months.
    assert activities.filter(starts_on__lt=today - timedelta(days=365)).exists()
    assert not activities.filter(starts_on__lt=today - timedelta(days=550)).exists()
    assert activities.filter(promoted__settled_6_months__isnull=False).exists()
    assert activities.filter(promoted__settled_12_months__isnull=False).exists()
    own_activities = Activity.objects.for_user(montreal)
    assert own_activities.exists()
    assert any(own_activities.outcomes_missing(months, today).exists()
               for months in OUTCOME_MONTHS)
    assert Activity.objects.for_user(adviser).exists()
