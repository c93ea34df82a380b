"""The report pages: the adviser schedules reports on an approved plan, the partner fills and
submits them, the adviser asks for changes or accepts; both sides see what is due and late."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from programs import services
from programs.models import (
    IndicatorResult,
    MeasureReport,
    PlanEvent,
    ReportKind,
    ReportStatus,
    Status,
)
from tests.factories.programs import ActionPlanFactory, ReportFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def client(client, settings):
    """Pages in English (the language switch's cookie), so the words asserted on do not
    depend on the French translations."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _plan(world, status=Status.IN_PROGRESS, org="tr", measures=2):
    return ActionPlanFactory(organisation=world["orgs"][org], status=status,
                             approved_amount=Decimal("18000.00"), measures=measures)


def _detail_url(report):
    return reverse("programs:report_detail", args=[report.plan_id, report.pk])


def _move_url(report, to):
    return reverse("programs:report_transition", args=[report.plan_id, report.pk, to])


def _filled(report, partner):
    """The report as the partner filled it in, through the service."""
    measures = list(report.plan.measures.prefetch_related("indicators"))
    services.report_save(
        actor=partner, report=report, narrative="Bonne année.",
        measures={m.pk: {"amount_spent": Decimal("5000"), "narrative": "Fait."}
                  for m in measures},
        indicators={i.pk: Decimal("30") for m in measures for i in m.indicators.all()})
    return report


def _submitted(report, partner):
    _filled(report, partner)
    return services.report_transition(actor=partner, report_id=report.pk,
                                       to=ReportStatus.SUBMITTED)


# --------------------------------------------------------------------------------------------
# Schedule
# --------------------------------------------------------------------------------------------


def test_adviser_schedules_reports_and_the_follow_up_starts(client, world):
    adviser = world["users"]["adviser"]
    plan = _plan(world, status=Status.APPROVED)
    url = reverse("programs:report_schedule", args=[plan.pk])
    client.force_login(adviser)

    page = client.get(url)
    assert page.status_code == 200
    # The final report is due 30 days after the plan's end unless the adviser says otherwise.
    assert page.context["form"]["final_due_on"].value() == plan.ends_on + timedelta(days=30)

    first, second = plan.starts_on + timedelta(days=120), plan.starts_on + timedelta(days=240)
    response = client.post(url, {"progress_1": first.isoformat(), "progress_2": "",
                                 "progress_3": second.isoformat(),
                                 "final_due_on": (plan.ends_on + timedelta(days=30)).isoformat()})

    assert response.status_code == 302
    assert response["Location"] == reverse("programs:plan_detail", args=[plan.pk])
    plan.refresh_from_db()
    assert plan.status == Status.IN_PROGRESS
    assert sorted((r.kind, r.due_on) for r in plan.reports.all()) == [
        (ReportKind.FINAL, plan.ends_on + timedelta(days=30)),
        (ReportKind.PROGRESS, first), (ReportKind.PROGRESS, second)]
    event = PlanEvent.objects.get(plan=plan, report=None)
    assert (event.from_status, event.to_status, event.actor) == (
        Status.APPROVED, Status.IN_PROGRESS, adviser)


def test_a_progress_report_after_the_final_one_is_refused_and_nothing_changes(client, world):
    plan = _plan(world, status=Status.APPROVED)
    client.force_login(world["users"]["adviser"])

    response = client.post(reverse("programs:report_schedule", args=[plan.pk]), {
        "progress_1": (plan.ends_on + timedelta(days=60)).isoformat(),
        "final_due_on": plan.ends_on.isoformat()})

    assert response.status_code == 200
    assert response.context["form"].errors
    plan.refresh_from_db()
    assert plan.status == Status.APPROVED
    assert not plan.reports.exists()


def test_partner_cannot_schedule_and_other_territory_gets_404(client, world):
    plan = _plan(world, status=Status.APPROVED)
    url = reverse("programs:report_schedule", args=[plan.pk])

    client.force_login(world["users"]["partner"])
    assert client.get(url).status_code == 403
    assert client.post(url, {"final_due_on": plan.ends_on.isoformat()}).status_code == 403

    client.force_login(world["users"]["adviser_gatineau"])
    assert client.get(url).status_code == 404

    assert not plan.reports.exists()


# --------------------------------------------------------------------------------------------
# The partner fills the report in
# --------------------------------------------------------------------------------------------


def _form_data(plan, *, amount="1 234,50", narrative="Ateliers tenus.", value="32",
               skip_last=False):
    measures = list(plan.measures.prefetch_related("indicators"))
    data = {"narrative": "Une année de mise en œuvre."}
    for index, measure in enumerate(measures):
        blank = skip_last and index == len(measures) - 1
        data[f"measure_{measure.pk}_amount"] = "" if blank else amount
        data[f"measure_{measure.pk}_narrative"] = "" if blank else narrative
        for indicator in measure.indicators.all():
            data[f"indicator_{indicator.pk}_value"] = "" if blank else value
    return data, measures


def test_partner_fills_and_submits_a_report(client, world):
    plan = _plan(world)
    report = ReportFactory(plan=plan, kind=ReportKind.FINAL)
    client.force_login(world["users"]["partner"])

    page = client.get(_detail_url(report))
    assert page.status_code == 200
    assert "Target: 40 personnes" in page.content.decode()

    data, measures = _form_data(plan, amount="1\u00a0234,50 $")
    response = client.post(_detail_url(report), {**data, "submit": "1"})

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert report.narrative == "Une année de mise en œuvre."
    saved = {row.measure_id: row for row in MeasureReport.objects.filter(report=report)}
    assert {pk: (row.amount_spent, row.narrative) for pk, row in saved.items()} == {
        m.pk: (Decimal("1234.50"), "Ateliers tenus.") for m in measures}
    assert {r.indicator_id: r.value for r in IndicatorResult.objects.filter(report=report)} == {
        i.pk: Decimal("32") for m in measures for i in m.indicators.all()}
    # Once submitted the partner reads it; the form is gone.
    assert client.get(_detail_url(report)).context["form"] is None


def test_saving_a_draft_keeps_the_report_owed(client, world):
    plan = _plan(world)
    report = ReportFactory(plan=plan, kind=ReportKind.PROGRESS, due_on=TODAY)
    client.force_login(world["users"]["partner"])
    data, measures = _form_data(plan, skip_last=True)

    response = client.post(_detail_url(report), {**data, "save": "1"})

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.EXPECTED
    assert MeasureReport.objects.filter(report=report).count() == 1
    # The form shows what was saved.
    form = client.get(_detail_url(report)).context["form"]
    assert form["narrative"].value() == "Une année de mise en œuvre."
    assert form[f"measure_{measures[0].pk}_amount"].value() == "1,234.50"  # English grouping


def test_an_incomplete_report_is_refused_naming_what_is_missing(client, world):
    plan = _plan(world)
    report = ReportFactory(plan=plan, kind=ReportKind.FINAL)
    client.force_login(world["users"]["partner"])
    data, measures = _form_data(plan, skip_last=True)
    missing = measures[-1]
    indicator = missing.indicators.get()

    response = client.post(_detail_url(report), {**data, "submit": "1"})

    assert response.status_code == 200
    report.refresh_from_db()
    assert report.status == ReportStatus.EXPECTED
    summary = {text: anchor for anchor, text in response.context["error_summary"]}
    said = f"Measure “{missing.title}”: say what was done."
    valued = f"Measure “{missing.title}”: give the value reached for “{indicator.name}”."
    assert summary == {said: f"id_measure_{missing.pk}_narrative",
                       valued: f"id_indicator_{indicator.pk}_value"}
    html = response.content.decode()
    assert f'href="#id_measure_{missing.pk}_narrative"' in html
    # What was typed is kept as a draft.
    assert MeasureReport.objects.filter(report=report, measure=measures[0]).exists()


def test_an_amount_that_is_not_a_number_is_named_and_nothing_is_saved(client, world):
    plan = _plan(world, measures=1)
    report = ReportFactory(plan=plan, kind=ReportKind.FINAL)
    client.force_login(world["users"]["partner"])
    data, (measure,) = _form_data(plan, amount="beaucoup")

    response = client.post(_detail_url(report), {**data, "save": "1"})

    assert response.status_code == 200
    assert response.context["form"].errors[f"measure_{measure.pk}_amount"]
    assert [anchor for anchor, _ in response.context["error_summary"]] == [
        f"id_measure_{measure.pk}_amount"]
    assert not MeasureReport.objects.filter(report=report).exists()


# --------------------------------------------------------------------------------------------
# The adviser's decision
# --------------------------------------------------------------------------------------------


def test_adviser_requests_changes_with_a_comment_then_accepts(client, world):
    partner, adviser = world["users"]["partner"], world["users"]["adviser"]
    plan = _plan(world)
    report = ReportFactory(plan=plan, kind=ReportKind.PROGRESS, due_on=TODAY)
    _submitted(report, partner)
    client.force_login(adviser)

    page = client.get(_detail_url(report))
    assert page.context["form"] is None  # the adviser reads; the partner writes
    assert [to for to, _ in page.context["moves"]] == [ReportStatus.ACCEPTED,
                                                       ReportStatus.CHANGES_REQUESTED]
    assert "75 %" in page.content.decode()  # 30 reached of a target of 40

    # A request for changes needs a comment.
    response = client.post(_move_url(report, ReportStatus.CHANGES_REQUESTED), {"comment": " "})
    assert response.status_code == 200  # the page again, the reason at the comment
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED

    client.post(_move_url(report, ReportStatus.CHANGES_REQUESTED),
                {"comment": "Précisez les dépenses de la mesure 1."})
    report.refresh_from_db()
    assert report.status == ReportStatus.CHANGES_REQUESTED

    # The partner reads the request on the report and may edit again.
    client.force_login(partner)
    page = client.get(_detail_url(report))
    assert "Précisez les dépenses de la mesure 1." in page.content.decode()
    assert page.context["form"] is not None
    data, _ = _form_data(plan)
    client.post(_detail_url(report), {**data, "submit": "1"})
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED

    client.force_login(adviser)
    response = client.post(_move_url(report, ReportStatus.ACCEPTED))
    assert response["Location"] == _detail_url(report)
    report.refresh_from_db()
    plan.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED
    assert plan.status == Status.IN_PROGRESS  # a progress report does not close the plan


def test_accepting_the_final_report_closes_the_plan(client, world):
    plan = _plan(world)
    report = ReportFactory(plan=plan, kind=ReportKind.FINAL)
    _submitted(report, world["users"]["partner"])
    client.force_login(world["users"]["adviser"])

    response = client.post(_move_url(report, ReportStatus.ACCEPTED))

    assert response["Location"] == reverse("programs:plan_detail", args=[plan.pk])
    plan.refresh_from_db()
    assert plan.status == Status.CLOSED


def test_a_partner_cannot_accept_its_own_report(client, world):
    plan = _plan(world)
    report = ReportFactory(plan=plan, kind=ReportKind.FINAL)
    _submitted(report, world["users"]["partner"])
    client.force_login(world["users"]["partner"])

    assert client.get(_move_url(report, ReportStatus.ACCEPTED)).status_code == 405
    response = client.post(_move_url(report, ReportStatus.ACCEPTED))

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_reports_outside_the_scope_answer_404(client, world):
    plan = _plan(world)
    report = ReportFactory(plan=plan, kind=ReportKind.FINAL)
    _submitted(report, world["users"]["partner"])
    other_plan = _plan(world)

    for user in ("partner_gatineau", "adviser_gatineau"):
        client.force_login(world["users"][user])
        assert client.get(_detail_url(report)).status_code == 404
        assert client.post(_move_url(report, ReportStatus.ACCEPTED)).status_code == 404
    # The report's id under another plan of the same organisation is not found either.
    client.force_login(world["users"]["adviser"])
    wrong = reverse("programs:report_detail", args=[other_plan.pk, report.pk])
    assert client.get(wrong).status_code == 404
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


# --------------------------------------------------------------------------------------------
# Due and late reports, on both sides
# --------------------------------------------------------------------------------------------


def test_due_and_late_reports_appear_on_both_sides(client, world):
    plan = _plan(world)
    late = ReportFactory(plan=plan, kind=ReportKind.PROGRESS, due_on=TODAY - timedelta(days=12))
    soon = ReportFactory(plan=plan, kind=ReportKind.FINAL, due_on=TODAY + timedelta(days=20))
    elsewhere = ReportFactory(plan=_plan(world, org="gat"), kind=ReportKind.FINAL,
                              due_on=TODAY - timedelta(days=3))
    url = reverse("programs:report_list")

    for user in ("partner", "adviser"):
        client.force_login(world["users"][user])
        response = client.get(url)
        assert [r.pk for r in response.context["page"]] == [late.pk, soon.pk]
        assert "Late — 12 days" in response.content.decode()  # said in words, not colour
        assert [r.pk for r in client.get(url, {"show": "late"}).context["page"]] == [late.pk]
        assert [r.pk for r in client.get(url, {"show": "soon"}).context["page"]] == [soon.pk]

    client.force_login(world["users"]["partner_gatineau"])
    assert [r.pk for r in client.get(url).context["page"]] == [elsewhere.pk]


def test_submitted_reports_wait_in_the_advisers_review_tab(client, world):
    plan = _plan(world)
    waiting = ReportFactory(plan=plan, kind=ReportKind.FINAL)
    _submitted(waiting, world["users"]["partner"])
    ReportFactory(plan=plan, kind=ReportKind.PROGRESS, due_on=TODAY)
    client.force_login(world["users"]["adviser"])
    url = reverse("programs:report_list")

    assert waiting not in client.get(url).context["page"]  # no longer owed
    assert [r.pk for r in client.get(url, {"show": "submitted"}).context["page"]] == [waiting.pk]
    assert client.get(url, {"show": "all"}).context["page"].paginator.count == 2


def test_report_list_runs_the_same_queries_for_3_and_30_reports(client, world):
    client.force_login(world["users"]["adviser"])
    url = reverse("programs:report_list")

    def add_reports(count):
        for _ in range(count):
            ReportFactory(plan=_plan(world, measures=0), kind=ReportKind.FINAL,
                          due_on=TODAY - timedelta(days=1))

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    add_reports(3)
    few = queries()
    add_reports(27)
    assert client.get(url).context["page"].paginator.count == 30
    assert queries() == few
