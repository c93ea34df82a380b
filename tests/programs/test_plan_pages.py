"""The partner's side of action plans: my plans, programs and calls, a new plan, the multi-step
form that saves the draft at every step, and the measure form."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from programs import services
from programs.forms import AmountField
from programs.models import ActionPlan, BudgetLine, Call, Indicator, Measure, Status
from programs.workflow import missing_parts
from tests.factories.programs import ActionPlanFactory, CallFactory, MeasureFactory, program

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user(client):
    """Sign in as ``user`` with the interface in English (messages compared in English)."""

    def sign_in(user):
        client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return sign_in


def step_url(plan, step):
    return reverse("programs:plan_step", args=[plan.pk, step])


def measure_data(plan, **overrides):
    """The POST of a measure form with one indicator and two budget lines."""
    data = {
        "axis": plan.call.program.axes[0], "title": "Jumelage interculturel",
        "description": "Jumelages entre familles immigrantes et familles d’ici.",
        "target_groups": "Familles immigrantes", "partners_involved": "Bibliothèque",
        "starts_on": plan.starts_on.isoformat(), "ends_on": plan.ends_on.isoformat(),
        "indicators-TOTAL_FORMS": "2", "indicators-INITIAL_FORMS": "0",
        "indicators-0-name": "Jumelages", "indicators-0-unit": "jumelages",
        "indicators-0-target_value": "25",
        "lines-TOTAL_FORMS": "3", "lines-INITIAL_FORMS": "0",
        "lines-0-label": "Animation", "lines-0-requested_amount": "1 234,50",
        "lines-0-partner_amount": "500", "lines-0-other_amount": "",
        "lines-1-label": "Matériel", "lines-1-requested_amount": "100.25",
        "lines-1-partner_amount": "0", "lines-1-other_amount": "1\u00a0000,00",
        "lines-1-other_funders": "Caisse populaire",
    }
    data.update(overrides)
    return data


def test_amounts_typed_the_french_way_parse():
    field = AmountField()
    assert field.clean("1 234,50") == Decimal("1234.50")
    assert field.clean("1\u00a0234,50 $") == Decimal("1234.50")
    assert field.clean("1234.56") == Decimal("1234.56")
    assert field.clean("1,234.56") == Decimal("1234.56")
    with translation.override("en"), pytest.raises(Exception, match="cannot be negative"):
        field.clean("-5")


def test_partner_creates_a_plan_and_fills_every_step(world, as_user):
    partner = world["users"]["partner"]
    call = CallFactory(program=program("pac-2"), documents=["Résolution du conseil"])
    client = as_user(partner)

    programs_page = client.get(reverse("programs:program_list")).content.decode()
    assert f'{reverse("programs:plan_create")}?call={call.pk}' in programs_page
    assert "New action plan" in client.get(reverse("programs:plan_list")).content.decode()

    # Create the draft: the form offers the open call; the plan is saved with its period.
    response = client.get(reverse("programs:plan_create") + f"?call={call.pk}")
    assert f'<option value="{call.pk}" selected>' in response.content.decode()
    response = client.post(reverse("programs:plan_create"), {
        "call": call.pk, "title": "Plan d’accueil 2026", "starts_on": "2026-04-01",
        "ends_on": "2027-06-30"})
    plan = ActionPlan.objects.get(organisation=world["orgs"]["tr"])
    assert response.url == step_url(plan, "needs")
    assert (plan.call, plan.title, plan.starts_on, plan.ends_on, plan.status) == (
        call, "Plan d’accueil 2026", date(2026, 4, 1), date(2027, 6, 30), Status.DRAFT)

    # Needs: “Save and continue” saves and goes to the measures.
    response = client.post(step_url(plan, "needs"), {
        "needs_analysis": "Portrait réalisé avec la table de concertation.",
        "objectives": "Mieux accueillir.", "characteristics": ["fair_access", "french"],
        "action": "continue"})
    assert response.url == step_url(plan, "measures")
    plan.refresh_from_db()
    assert plan.objectives == "Mieux accueillir."
    assert plan.characteristics == ["fair_access", "french"]

    # General: “Save draft” saves and stays on the step.
    response = client.post(step_url(plan, "general"), {
        "title": "Plan d’accueil 2026-2027", "starts_on": "2026-04-01",
        "ends_on": "2027-03-31", "action": "save"})
    assert response.url == step_url(plan, "general")
    plan.refresh_from_db()
    assert (plan.title, plan.ends_on) == ("Plan d’accueil 2026-2027", date(2027, 3, 31))

    # A measure with its indicator and budget lines; the totals are the sums of the lines.
    response = client.post(reverse("programs:measure_create", args=[plan.pk]),
                           measure_data(plan))
    assert response.url == step_url(plan, "measures")
    measure = plan.measures.get()
    assert list(measure.indicators.values_list("name", "target_value")) == [
        ("Jumelages", Decimal("25.00"))]
    assert sorted(measure.budget_lines.values_list("label", "requested_amount")) == [
        ("Animation", Decimal("1234.50")), ("Matériel", Decimal("100.25"))]
    plan.refresh_from_db()
    assert (plan.requested_total, plan.partner_total, plan.other_total) == (
        Decimal("1334.75"), Decimal("500.00"), Decimal("1000.00"))

    # Editing the measure shows its rows; saving it again changes a line and keeps the rest.
    edit_url = reverse("programs:measure_update", args=[plan.pk, measure.pk])
    assert "Caisse populaire" in client.get(edit_url).content.decode()
    response = client.post(edit_url, measure_data(plan, **{
        "indicators-INITIAL_FORMS": "1", "lines-INITIAL_FORMS": "2",
        "lines-1-DELETE": "on"}))
    assert response.url == step_url(plan, "measures")
    plan.refresh_from_db()
    assert plan.requested_total == Decimal("1234.50")
    assert list(plan.measures.get().budget_lines.values_list("label", flat=True)) == [
        "Animation"]

    # Documents: the call's required document with an upload form back to this step.
    page = client.get(step_url(plan, "documents")).content.decode()
    assert "Résolution du conseil" in page
    assert f'action="{reverse("programs:attachment_upload", args=[plan.pk])}"' in page
    assert f'name="next" value="{step_url(plan, "documents")}"' in page
    assert 'enctype="multipart/form-data"' in page

    # Review: the missing document is named and there is no submit button yet.
    page = client.get(step_url(plan, "review")).content.decode()
    assert escape("Required document missing: Résolution du conseil.") in page
    submit_url = reverse("programs:plan_transition", args=[plan.pk, "submitted"])
    assert submit_url not in page

    document = call.required_documents.get()
    services.attachment_add(actor=partner, plan=plan, required_document=document,
                            upload=SimpleUploadedFile("resolution.pdf", b"%PDF-1.4 ok"))
    page = client.get(step_url(plan, "review")).content.decode()
    assert "Required document missing" not in page
    assert f'action="{submit_url}"' in page
    # Every step is marked complete in the step list but the review, the current one.
    assert page.count("plan-steps__step--done") == 4
    assert 'aria-current="step">Review and submit' in page


def test_totals_shown_are_the_sums_of_the_lines(world, as_user):
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"], measures=2)
    MeasureFactory(plan=plan, lines=False)  # a measure without lines adds nothing
    line = BudgetLine.objects.filter(measure__plan=plan).first()
    services.measure_save(actor=world["users"]["partner"], plan=plan, measure=line.measure,
                          fields={}, indicators=[{"name": "N", "unit": "u", "target_value": 1}],
                          budget_lines=[{"label": "A", "requested_amount": Decimal("1234.50"),
                                         "partner_amount": Decimal("10"),
                                         "other_amount": Decimal("5")}])
    page = as_user(world["users"]["partner"]).get(step_url(plan, "measures")).content.decode()
    plan.refresh_from_db()
    assert plan.requested_total == Decimal("11234.50")  # 10,000 + 1,234.50
    assert '<td class="num" id="total-requested">$11,234.50</td>' in page
    assert '<td class="num" id="total-partner">$2,510.00</td>' in page
    assert '<td class="num" id="total-other">$5.00</td>' in page


def test_review_names_every_missing_part(world, as_user):
    org = world["orgs"]["tr"]
    plan = ActionPlanFactory(organisation=org, objectives="", characteristics=[],
                             call=CallFactory(program=program("pac-2"),
                                              documents=["Lettre d’appui"]))
    page = as_user(world["users"]["partner"]).get(step_url(plan, "review")).content.decode()
    with translation.override("en"):
        expected = [str(p) for p in missing_parts(plan)]
    assert len(expected) >= 4
    for part in expected:
        assert escape(part) in page
    assert "The objectives are missing." in expected
    assert "The plan has no measure." in expected
    assert "Required document missing: Lettre d’appui." in expected
    assert reverse("programs:plan_transition", args=[plan.pk, "submitted"]) not in page


def test_review_warns_when_the_call_has_closed(world, as_user):
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"], measures=1)
    Call.objects.filter(pk=plan.call_id).update(closes_at=timezone.now() - timedelta(hours=1))
    page = as_user(world["users"]["partner"]).get(step_url(plan, "review")).content.decode()
    assert "The call for projects closed on" in page
    assert reverse("programs:plan_transition", args=[plan.pk, "submitted"]) not in page


def test_a_partner_cannot_open_another_organisations_plan(world, as_user):
    other = ActionPlanFactory(organisation=world["orgs"]["gat"], measures=1)
    measure = other.measures.get()
    client = as_user(world["users"]["partner"])
    for step in ("general", "needs", "measures", "documents", "review"):
        assert client.get(step_url(other, step)).status_code == 404
        assert client.post(step_url(other, step), {"title": "Piraté"}).status_code == 404
    assert client.get(reverse("programs:measure_create", args=[other.pk])).status_code == 404
    assert client.post(reverse("programs:measure_update", args=[other.pk, measure.pk]),
                       measure_data(other)).status_code == 404
    assert client.post(reverse("programs:measure_delete",
                               args=[other.pk, measure.pk])).status_code == 404
    assert client.post(reverse("programs:plan_delete", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert other.title != "Piraté" and other.measures.exists()
    assert other.title not in client.get(reverse("programs:plan_list")).content.decode()


def test_a_measure_must_belong_to_the_plan_in_the_url(world, as_user):
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"])
    elsewhere = ActionPlanFactory(organisation=world["orgs"]["tr"], measures=1).measures.get()
    client = as_user(world["users"]["partner"])
    url = reverse("programs:measure_update", args=[plan.pk, elsewhere.pk])
    assert client.get(url).status_code == 404


def test_unknown_step_is_404(world, as_user):
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"])
    assert as_user(world["users"]["partner"]).get(step_url(plan, "budget")).status_code == 404


def test_no_plan_for_a_closed_call_nor_a_program_the_org_is_not_eligible_to(world, as_user):
    closed = CallFactory(program=program("pac-2"), closed=True)
    municipal_only = CallFactory(program=program("pac-1"))
    client = as_user(world["users"]["partner"])
    page = client.get(reverse("programs:program_list")).content.decode()
    assert f"?call={closed.pk}" not in page
    assert f"?call={municipal_only.pk}" not in page
    for call in (closed, municipal_only):
        response = client.post(reverse("programs:plan_create"), {
            "call": call.pk, "title": "Plan", "starts_on": "2026-04-01",
            "ends_on": "2027-03-31"})
        assert response.status_code == 200
        assert "This call for projects is not open, or your organisation is not eligible" \
            in response.content.decode()
    assert not ActionPlan.objects.exists()
    # With no open call the org is eligible to, the list offers no “New action plan”.
    assert "New action plan" not in client.get(reverse("programs:plan_list")).content.decode()


def test_plan_create_refuses_an_end_before_the_start(world, as_user):
    call = CallFactory(program=program("pac-2"))
    response = as_user(world["users"]["partner"]).post(reverse("programs:plan_create"), {
        "call": call.pk, "title": "Plan", "starts_on": "2026-04-01", "ends_on": "2026-03-01"})
    assert "The end must not be before the start." in response.content.decode()
    assert not ActionPlan.objects.exists()


def test_staff_are_sent_to_their_queue_and_cannot_edit(world, as_user):
    adviser = world["users"]["adviser"]
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"], measures=1)
    client = as_user(adviser)
    assert client.get(reverse("programs:plan_list")).url == reverse("programs:queue")
    assert client.get(reverse("programs:plan_create")).status_code == 403
    assert client.post(reverse("programs:plan_create"), {"title": "x"}).status_code == 403
    # The plan is in the adviser's territory, but a draft nobody asked them to read: 404, like
    # a plan elsewhere...
    assert client.get(step_url(plan, "general")).status_code == 404
    assert client.get(reverse("programs:plan_detail", args=[plan.pk])).status_code == 404
    # ...until its partner asks for help: reading its steps then leads to the plan's page...
    services.plan_help_request(actor=world["users"]["partner"], plan_id=plan.pk)
    response = client.get(step_url(plan, "general"))
    assert response.url == reverse("programs:plan_detail", args=[plan.pk])
    # ...and writing is forbidden.
    assert client.post(step_url(plan, "general"), {"title": "Changé"}).status_code == 403
    assert client.post(reverse("programs:measure_create", args=[plan.pk]),
                       measure_data(plan)).status_code == 403
    assert client.post(reverse("programs:plan_delete", args=[plan.pk])).status_code == 403
    plan.refresh_from_db()
    assert plan.title != "Changé" and plan.measures.count() == 1
    # Any signed-in user sees the programs.
    assert client.get(reverse("programs:program_list")).status_code == 200


def test_a_submitted_plan_is_no_longer_edited(world, as_user):
    partner = world["users"]["partner"]
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"], measures=1)
    services.plan_transition(actor=partner, plan_id=plan.pk, to=Status.SUBMITTED)
    client = as_user(partner)
    response = client.get(step_url(plan, "needs"))
    assert response.url == reverse("programs:plan_detail", args=[plan.pk])
    response = client.post(step_url(plan, "general"), {"title": "Changé", "action": "save"})
    assert response.url == reverse("programs:plan_detail", args=[plan.pk])
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages[-1] == "This plan is “Submitted”: it can no longer be changed."
    plan.refresh_from_db()
    assert plan.title != "Changé"
    assert client.post(reverse("programs:plan_delete", args=[plan.pk])).url == reverse(
        "programs:plan_detail", args=[plan.pk])
    assert ActionPlan.objects.filter(pk=plan.pk).exists()


@pytest.mark.parametrize(("overrides", "message"), [
    ({"starts_on": "2020-01-01"}, "This date is outside the plan’s period"),
    ({"ends_on": "2099-12-31"}, "This date is outside the plan’s period"),
    ({"lines-0-partner_amount": "-10"}, "An amount cannot be negative."),
    ({"indicators-0-target_value": "-1"}, "A target cannot be negative."),
    ({"lines-0-requested_amount": "beaucoup"}, "Enter an amount, for example 1,234.56."),
])
def test_the_measure_form_refuses_bad_input_and_writes_nothing(world, as_user, overrides,
                                                               message):
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"])
    response = as_user(world["users"]["partner"]).post(
        reverse("programs:measure_create", args=[plan.pk]), measure_data(plan, **overrides))
    assert response.status_code == 200
    page = response.content.decode()
    assert escape(message) in page
    assert "The measure was not saved" in page
    assert not Measure.objects.exists()
    assert not Indicator.objects.exists() and not BudgetLine.objects.exists()
    plan.refresh_from_db()
    assert plan.requested_total == 0


def test_measure_delete_recomputes_the_totals(world, as_user):
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"], measures=2)
    measure = plan.measures.first()
    client = as_user(world["users"]["partner"])
    url = reverse("programs:measure_delete", args=[plan.pk, measure.pk])
    assert client.get(url).status_code == 405
    assert client.post(url).url == step_url(plan, "measures")
    plan.refresh_from_db()
    assert plan.measures.count() == 1 and plan.requested_total == Decimal("10000.00")


def test_partner_deletes_a_draft(world, as_user):
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"], measures=1)
    response = as_user(world["users"]["partner"]).post(
        reverse("programs:plan_delete", args=[plan.pk]))
    assert response.url == reverse("programs:plan_list")
    assert not ActionPlan.objects.filter(pk=plan.pk).exists()


def test_plan_list_shows_status_amount_and_where_to_continue(world, as_user):
    partner = world["users"]["partner"]
    call = CallFactory(program=program("pac-2"))
    fresh = ActionPlanFactory(organisation=world["orgs"]["tr"], call=call, objectives="")
    ready = ActionPlanFactory(organisation=world["orgs"]["tr"], call=call, measures=1)
    submitted = ActionPlanFactory(organisation=world["orgs"]["tr"], call=call, measures=1)
    services.plan_transition(actor=partner, plan_id=submitted.pk, to=Status.SUBMITTED)
    page = as_user(partner).get(reverse("programs:plan_list")).content.decode()
    assert step_url(fresh, "needs") in page  # the first incomplete step
    assert step_url(ready, "review") in page
    assert "/etapes/" not in page.split(submitted.title)[1].split("</tr>")[0]
    assert "Submitted" in page and "$10,000.00" in page


def test_plan_list_runs_the_same_queries_for_3_and_30_plans(world, as_user,
                                                            django_assert_num_queries):
    client = as_user(world["users"]["partner"])
    call = CallFactory(program=program("pac-2"), documents=["Résolution"])
    ActionPlanFactory.create_batch(3, organisation=world["orgs"]["tr"], call=call, measures=1)
    with CaptureQueriesContext(connection) as three:
        assert client.get(reverse("programs:plan_list")).status_code == 200
    ActionPlanFactory.create_batch(27, organisation=world["orgs"]["tr"], call=call, measures=1)
    with django_assert_num_queries(len(three)):
        response = client.get(reverse("programs:plan_list"))
    assert response.content.decode().count("Continue editing") == 25  # one page


def test_needs_step_says_the_analysis_is_required_for_a_municipal_body(world, as_user):
    from tests.factories.partners import OrganisationFactory, PartnerUserFactory

    town = OrganisationFactory(municipal=True)
    plan = ActionPlanFactory(organisation=town, needs_analysis="")
    page = as_user(PartnerUserFactory(organisation=town)).get(
        step_url(plan, "needs")).content.decode()
    assert "the summary of the needs analysis is required before you submit" in page
    non_profit_plan = ActionPlanFactory(organisation=world["orgs"]["tr"])
    page = as_user(world["users"]["partner"]).get(
        step_url(non_profit_plan, "needs")).content.decode()
    assert "required before you submit" not in page


def test_program_list_shows_call_windows_in_quebec_time(world, as_user):
    call = CallFactory(program=program("pac-2"), documents=["Budget détaillé"],
                       opens_at=datetime(2026, 4, 1, 4, 0, tzinfo=UTC),  # midnight in Québec
                       closes_at=datetime(2099, 6, 1, 3, 59, tzinfo=UTC))
    page = as_user(world["users"]["adviser"]).get(
        reverse("programs:program_list")).content.decode()
    assert "1 April 2026, 00:00" in page and "31 May 2099, 23:59" in page
    assert "Budget détaillé" in page and "2026-2027" in page
    assert f"?call={call.pk}" not in page  # staff do not apply
