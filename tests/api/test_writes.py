"""Writes through the API go through the very services the pages use: the same refusals,
the same history rows; a read-only token writes nothing; every write is in the audit trail."""

from datetime import timedelta
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken
from enterprises.models import Case, CaseEvent
from programs import services as program_services
from programs.models import IndicatorResult, PlanEvent, ReportStatus, Status
from regionalisation.models import Opportunity, OpportunityReferral
from tests.api.conftest import ApiClient, make_token
from tests.factories.enterprises import EnterpriseFactory
from tests.factories.partners import PartnerUserFactory
from tests.factories.programs import ActionPlanFactory, ReportFactory
from tests.factories.regionalisation import (
    OpportunityFactory,
    municipality,
    regionalisation_organisation,
)

pytestmark = pytest.mark.django_db


def _api_write(token):
    """The audit trail's one entry of a write made with ``token``."""
    (entry,) = [e for e in LogEntry.objects.get_for_object(token) if e.additional_data]
    return entry


def _report(world):
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"], status=Status.IN_PROGRESS,
                             measures=1, approved_amount=10000)
    return ReportFactory(plan=plan)


def _indicator(report):
    return report.plan.measures.get().indicators.get()


def test_report_values_are_saved_by_the_page_s_service_and_audited(world):
    report = _report(world)
    indicator = _indicator(report)
    token, secret = make_token(world["users"]["partner"])

    response = ApiClient(secret).put(f"/api/v1/reports/{report.pk}/values",
                                     {"values": [{"indicator_id": indicator.pk, "value": 12}]})

    assert response.status_code == 200, response.content
    assert IndicatorResult.objects.get(report=report, indicator=indicator).value == 12
    row = next(i for i in response.json()["indicators"] if i["id"] == indicator.pk)
    assert Decimal(str(row["value"])) == 12
    entry = _api_write(token)
    assert entry.actor == world["users"]["partner"]
    assert entry.additional_data["path"] == f"/api/v1/reports/{report.pk}/values"


def test_a_submission_missing_parts_is_refused_with_the_page_s_messages(world):
    report, twin = _report(world), _report(world)
    twin.plan.measures.update(title=report.plan.measures.get().title)
    partner = world["users"]["partner"]
    _token, secret = make_token(partner)

    response = ApiClient(secret, language="en").put(
        f"/api/v1/reports/{report.pk}/values",
        {"values": [{"indicator_id": _indicator(report).pk, "value": 5}], "submit": True})

    # What the report's page is told when the partner submits a twin report as incomplete.
    program_services.report_save(actor=partner, report=twin, narrative="", measures={},
                                 indicators={_indicator(twin).pk: Decimal(5)})
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError) as page_refusal:
        program_services.report_transition(actor=partner, report_id=twin.pk,
                                           to=ReportStatus.SUBMITTED)
    assert response.status_code == 422
    body = response.json()
    assert body["type"] == "urn:portail:api:problem:refused"
    assert [e["message"] for e in body["errors"]] == page_refusal.value.messages
    report.refresh_from_db()
    assert report.status == ReportStatus.EXPECTED
    assert IndicatorResult.objects.filter(report=report).count() == 1  # kept as a draft


def test_a_complete_report_submitted_leaves_the_page_s_history_row(world):
    partner = world["users"]["partner"]
    report, twin = _report(world), _report(world)
    _token, secret = make_token(partner)

    def complete(r):
        measure = r.plan.measures.get()
        program_services.report_save(actor=partner, report=r, narrative="Bilan",
                                     measures={measure.pk: {"amount_spent": Decimal(100),
                                                            "narrative": "Fait"}},
                                     indicators={})

    complete(report)
    complete(twin)
    response = ApiClient(secret).put(
        f"/api/v1/reports/{report.pk}/values",
        {"values": [{"indicator_id": _indicator(report).pk, "value": 30}], "submit": True})
    program_services.report_save(actor=partner, report=twin, narrative="Bilan",
                                 measures={twin.plan.measures.get().pk: {
                                     "amount_spent": Decimal(100), "narrative": "Fait"}},
                                 indicators={_indicator(twin).pk: Decimal(30)})
    program_services.report_transition(actor=partner, report_id=twin.pk,
                                       to=ReportStatus.SUBMITTED)

    assert response.status_code == 200, response.content
    assert response.json()["status"] == ReportStatus.SUBMITTED

    def history(r):
        return list(PlanEvent.objects.filter(report=r).values_list(
            "kind", "from_status", "to_status", "actor_id", "comment"))

    assert history(report) == history(twin) != []


def test_a_report_the_partner_may_not_edit_is_refused(world):
    report = _report(world)
    _token, secret = make_token(world["users"]["adviser"])  # staff do not fill reports in
    response = ApiClient(secret).put(f"/api/v1/reports/{report.pk}/values",
                                     {"values": [{"indicator_id": _indicator(report).pk,
                                                  "value": 1}]})
    assert response.status_code == 403
    assert not IndicatorResult.objects.exists()


def test_an_indicator_of_another_plan_is_refused_at_its_field(world):
    report, other = _report(world), _report(world)
    _token, secret = make_token(world["users"]["partner"])
    response = ApiClient(secret).put(f"/api/v1/reports/{report.pk}/values",
                                     {"values": [{"indicator_id": _indicator(other).pk,
                                                  "value": 1}]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "values.0.indicator_id"
    assert not IndicatorResult.objects.exists()


def _board(world):
    organisation = regionalisation_organisation(name="Passerelle API")
    user = PartnerUserFactory(organisation=organisation)
    enterprise = EnterpriseFactory(organisation__office=world["offices"]["tr"],
                                   organisation__region=world["offices"]["tr"].region)
    opportunity = OpportunityFactory(enterprise=enterprise.organisation,
                                     office=world["offices"]["tr"],
                                     municipality=municipality("37067"), published=True)
    return user, opportunity


def test_referral_counts_are_refused_with_the_page_s_message(client, world):
    user, opportunity = _board(world)
    _token, secret = make_token(user)
    counts = {"candidates": 1, "interviews": 2, "hires": 0}

    response = ApiClient(secret).put(f"/api/v1/opportunities/{opportunity.pk}/referral", counts)
    client.force_login(user)
    page = client.post(reverse("regionalisation:referral_record", args=[opportunity.pk]),
                       counts, HTTP_HX_REQUEST="true")

    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "interviews"
    assert error["message"] in page.content.decode().replace("&#x27;", "'")
    assert not OpportunityReferral.objects.exists()


def test_referral_counts_are_recorded_and_audited(world):
    user, opportunity = _board(world)
    token, secret = make_token(user)
    response = ApiClient(secret).put(f"/api/v1/opportunities/{opportunity.pk}/referral",
                                     {"candidates": 3, "interviews": 2, "hires": 1})
    assert response.status_code == 200, response.content
    referral = OpportunityReferral.objects.get(opportunity=opportunity)
    assert (referral.candidates, referral.interviews, referral.hires) == (3, 2, 1)
    assert referral.updated_by == user
    assert LogEntry.objects.get_for_model(OpportunityReferral).filter(actor=user).exists()
    assert _api_write(token).additional_data["status"] == 200


def _enterprise_user(world):
    enterprise = EnterpriseFactory(organisation__office=world["offices"]["tr"],
                                   organisation__region=world["offices"]["tr"].region)
    return PartnerUserFactory(organisation=enterprise.organisation), enterprise.organisation


OPPORTUNITY = {"title": "Soudeur-monteur", "noc_code": "72106", "french_level": "basic",
               "municipality": "37067", "start_date": "2030-01-01", "positions": 2,
               "expires_on": (timezone.localdate() + timedelta(days=60)).isoformat()}


def test_an_opportunity_draft_is_created_by_the_page_s_service(world):
    user, organisation = _enterprise_user(world)
    _token, secret = make_token(user)
    response = ApiClient(secret).post("/api/v1/opportunities", OPPORTUNITY)
    assert response.status_code == 201, response.content
    opportunity = Opportunity.objects.get(pk=response.json()["id"])
    assert opportunity.status == "draft" and opportunity.enterprise == organisation
    assert opportunity.office == world["offices"]["tr"]  # placed by the service
    assert opportunity.created_by == user


def test_an_opportunity_in_montreal_is_refused_at_its_field_as_on_the_page(world):
    user, _organisation = _enterprise_user(world)
    _token, secret = make_token(user)
    response = ApiClient(secret, language="en").post(
        "/api/v1/opportunities", {**OPPORTUNITY, "municipality": "66023"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{
        "field": "municipality",
        "message": "A regional opportunity is in a municipality outside the Montréal region."}]
    assert not Opportunity.objects.exists()


REQUEST = {"subject": "Recruter deux soudeurs", "help_kinds": ["information"],
           "topics": ["attraction"], "description": "Nous cherchons de l'aide."}


def test_a_support_request_opens_a_case_with_the_page_s_history_row(world):
    user, organisation = _enterprise_user(world)
    _token, secret = make_token(user)
    response = ApiClient(secret).post("/api/v1/cases", REQUEST)
    assert response.status_code == 201, response.content
    case = Case.objects.get(pk=response.json()["id"])
    assert case.organisation == organisation and case.office == world["offices"]["tr"]
    event = CaseEvent.objects.get(case=case)
    assert (event.from_status, event.to_status, event.actor) == ("", "new", user)


def test_a_similar_open_request_is_refused_as_on_the_page(world):
    user, _organisation = _enterprise_user(world)
    _token, secret = make_token(user)
    api = ApiClient(secret, language="en")
    assert api.post("/api/v1/cases", REQUEST).status_code == 201
    again = api.post("/api/v1/cases", REQUEST)
    assert again.status_code == 422
    assert again.json()["errors"][0]["field"] == "other_request"
    assert Case.objects.count() == 1
    assert api.post("/api/v1/cases", {**REQUEST, "other_request": True}).status_code == 201


@pytest.mark.parametrize("operation", ["report", "referral", "opportunity", "case"])
def test_a_read_only_token_cannot_write(world, operation):
    report = _report(world)
    board_user, opportunity = _board(world)
    enterprise_user, _organisation = _enterprise_user(world)
    user, method, path, body = {
        "report": (world["users"]["partner"], "put", f"/api/v1/reports/{report.pk}/values",
                   {"values": [{"indicator_id": _indicator(report).pk, "value": 1}]}),
        "referral": (board_user, "put", f"/api/v1/opportunities/{opportunity.pk}/referral",
                     {"candidates": 1, "interviews": 0, "hires": 0}),
        "opportunity": (enterprise_user, "post", "/api/v1/opportunities", OPPORTUNITY),
        "case": (enterprise_user, "post", "/api/v1/cases", REQUEST),
    }[operation]
    token, secret = make_token(user, read_only=True)
    opportunities = Opportunity.objects.count()

    response = ApiClient(secret).call(method, path, body)

    assert response.status_code == 403
    assert response.json()["type"] == "urn:portail:api:problem:read-only-token"
    assert not IndicatorResult.objects.exists()
    assert not OpportunityReferral.objects.exists()
    assert Opportunity.objects.count() == opportunities
    assert not Case.objects.exists()
    # The attempt is in the audit trail, with its answer.
    entry = _api_write(token)
    assert entry.additional_data["status"] == 403
    # The same person's read-write token may.
    assert ApiToken.objects.filter(user=user).count() == 1
    _rw, rw_secret = make_token(user)
    assert ApiClient(rw_secret).call(method, path, body).status_code in (200, 201)


def test_a_body_of_the_wrong_form_is_a_problem_with_field_errors(world):
    user, _organisation = _enterprise_user(world)
    _token, secret = make_token(user)
    response = ApiClient(secret).post("/api/v1/cases", {"subject": 3})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"help_kinds", "topics", "description"} <= fields
