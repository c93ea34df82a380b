"""``seed_demo`` (run by ``bin/run`` on every fresh machine) builds the whole demo through the
services: it must keep working as the rules tighten, and a second run must create nothing."""

import pytest
from django.core.management import call_command

from enterprises.models import Case, CaseStatus, Enterprise
from partners.models import Organisation
from programs.models import ActionPlan, Status

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

    counts = (Organisation.objects.count(), ActionPlan.objects.count(), Case.objects.count())
    call_command("seed_demo", verbosity=0)
    assert (Organisation.objects.count(), ActionPlan.objects.count(),
            Case.objects.count()) == counts
