"""The programs services: derived totals, edits only while allowed, assignment, the report
schedule, and who hears of what (exactly once, and only after commit)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation

from notifications.models import Notification
from programs import services, tasks
from programs.models import (
    ActionPlan,
    Indicator,
    Measure,
    PlanEvent,
    Report,
    ReportKind,
    ReportStatus,
    Status,
)
from tests.factories.accounts import StaffFactory
from tests.factories.antennes import office
from tests.factories.programs import (
    ActionPlanFactory,
    CallFactory,
    ReportFactory,
    completed_review,
)


@pytest.fixture(autouse=True)
def _messages_in_english():
    """The assertions below read the English messages; French is checked where it matters."""
    with translation.override("en"):
        yield


pytestmark = pytest.mark.django_db


def _measure_fields(plan, **overrides):
    return {"axis": plan.call.program.axes[0], "title": "Jumelage interculturel",
            "description": "Rencontres entre familles d’ici et d’ailleurs.",
            "starts_on": plan.starts_on, "ends_on": plan.ends_on, **overrides}


def _line(requested, partner="0", other="0"):
    return {"label": "Animation", "requested_amount": Decimal(requested),
            "partner_amount": Decimal(partner), "other_amount": Decimal(other)}


INDICATOR = {"name": "Participants", "unit": "personnes", "target_value": Decimal("30")}


def _totals(plan):
    plan.refresh_from_db()
    return plan.requested_total, plan.partner_total, plan.other_total


# --------------------------------------------------------------------------------------------
# Totals are derived from the budget lines
# --------------------------------------------------------------------------------------------


def test_totals_follow_the_budget_lines_when_measures_are_added_edited_and_deleted(world):
    partner = world["users"]["partner"]
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"])
    assert _totals(plan) == (0, 0, 0)

    first = services.measure_save(actor=partner, plan=plan, fields=_measure_fields(plan),
                                  indicators=[INDICATOR],
                                  budget_lines=[_line("1000", "200", "50"),
                                                _line("500.50", "0", "25")])
    assert _totals(plan) == (Decimal("1500.50"), Decimal("200.00"), Decimal("75.00"))

    second = services.measure_save(actor=partner, plan=plan,
                                   fields=_measure_fields(plan, title="Forum"),
                                   indicators=[INDICATOR], budget_lines=[_line("3000", "1000")])
    assert _totals(plan) == (Decimal("4500.50"), Decimal("1200.00"), Decimal("75.00"))

    # Editing replaces the measure's lines (and indicators): no stale line is counted.
    services.measure_save(actor=partner, plan=plan, measure=first, fields={"title": "Jumelage"},
                          indicators=[INDICATOR], budget_lines=[_line("100")])
    assert _totals(plan) == (Decimal("3100.00"), Decimal("1000.00"), Decimal("0.00"))
    assert first.budget_lines.count() == 1 and first.indicators.count() == 1

    services.measure_delete(actor=partner, measure=second)
    assert _totals(plan) == (Decimal("100.00"), Decimal("0.00"), Decimal("0.00"))
    services.measure_delete(actor=partner, measure=first)
    assert _totals(plan) == (0, 0, 0)


def test_a_measure_with_a_negative_amount_is_refused_and_totals_do_not_move(world):
    partner = world["users"]["partner"]
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"], measures=1)
    with pytest.raises(ValidationError):
        services.measure_save(actor=partner, plan=plan, fields=_measure_fields(plan),
                              indicators=[INDICATOR], budget_lines=[_line("-5")])
    assert _totals(plan) == (Decimal("10000.00"), Decimal("2500.00"), Decimal("0.00"))
    assert plan.measures.count() == 1


def test_a_measure_of_another_plan_cannot_be_edited_through_this_one(world):
    partner = world["users"]["partner"]
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"], measures=1)
    other = ActionPlanFactory(organisation=world["orgs"]["tr"], measures=1)
    with pytest.raises(PermissionDenied):
        services.measure_save(actor=partner, plan=plan, measure=other.measures.get(),
                              fields={"title": "Piraté"}, indicators=[], budget_lines=[])
    assert other.measures.get().title != "Piraté"


# --------------------------------------------------------------------------------------------
# Editing and deleting plans
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [s for s in Status.values
                                    if s not in (Status.DRAFT, Status.CHANGES_REQUESTED)])
def test_a_plan_cannot_be_changed_once_submitted(world, status):
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"], status=status, measures=1)
    before = ActionPlan.objects.filter(pk=plan.pk).values().get()
    with pytest.raises(ValidationError) as exc:
        services.plan_update(actor=world["users"]["partner"], plan=plan, title="Autre titre",
                             objectives="Autre chose")
    assert "can no longer be changed" in exc.value.messages[0]
    assert ActionPlan.objects.filter(pk=plan.pk).values().get() == before
    with pytest.raises(ValidationError):
        services.measure_delete(actor=world["users"]["partner"], measure=plan.measures.get())
    assert plan.measures.count() == 1


def test_a_plan_submitted_meanwhile_cannot_be_changed_from_a_stale_page(world):
    """The partner opened the edit page, then submitted the plan in another tab."""
    partner = world["users"]["partner"]
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"], measures=1)
    stale = ActionPlan.objects.get(pk=plan.pk)
    services.plan_transition(actor=partner, plan_id=plan.pk, to=Status.SUBMITTED)
    with pytest.raises(ValidationError):
        services.plan_update(actor=partner, plan=stale, title="Changé après la soumission")
    assert ActionPlan.objects.get(pk=plan.pk).title == plan.title


def test_the_partner_edits_a_draft_and_a_plan_sent_back_for_changes(world):
    partner = world["users"]["partner"]
    for status in (Status.DRAFT, Status.CHANGES_REQUESTED):
        plan = ActionPlanFactory(organisation=world["orgs"]["tr"], status=status)
        services.plan_update(actor=partner, plan=plan, title="  Nouveau titre ")
        assert ActionPlan.objects.get(pk=plan.pk).title == "Nouveau titre"


@pytest.mark.parametrize("who", ["partner_gatineau", "adviser", "sit_manager", "admin"])
def test_only_the_plans_organisation_may_edit_it(world, who):
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"])
    with pytest.raises(PermissionDenied):
        services.plan_update(actor=world["users"][who], plan=plan, title="Autre")
    assert ActionPlan.objects.get(pk=plan.pk).title == plan.title


def test_a_draft_never_submitted_may_be_deleted_by_its_organisation(world):
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"], measures=2)
    services.plan_delete(actor=world["users"]["partner"], plan=plan)
    assert not ActionPlan.objects.filter(pk=plan.pk).exists()
    assert not Measure.objects.filter(plan_id=plan.pk).exists()


@pytest.mark.parametrize("status", [s for s in Status.values if s != Status.DRAFT])
def test_a_plan_that_was_submitted_cannot_be_deleted(world, status):
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"], status=status, measures=1)
    with pytest.raises(ValidationError) as exc:
        services.plan_delete(actor=world["users"]["partner"], plan=plan)
    assert "withdraw the plan instead" in exc.value.messages[0]
    assert ActionPlan.objects.filter(pk=plan.pk).exists()


@pytest.mark.parametrize("who", ["partner_gatineau", "adviser", "sit_manager", "admin"])
def test_only_the_organisation_deletes_its_draft(world, who):
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"])
    with pytest.raises(PermissionDenied):
        services.plan_delete(actor=world["users"][who], plan=plan)
    assert ActionPlan.objects.filter(pk=plan.pk).exists()


def test_a_partner_cannot_start_a_plan_for_another_organisation_or_a_closed_call(world):
    partner = world["users"]["partner"]
    with pytest.raises(PermissionDenied):
        services.plan_create(actor=partner, organisation=world["orgs"]["gat"],
                             call=CallFactory(), title="Plan")
    with pytest.raises(ValidationError) as exc:
        services.plan_create(actor=partner, organisation=world["orgs"]["tr"],
                             call=CallFactory(closed=True), title="Plan")
    assert "not open" in exc.value.message_dict["call"][0]
    assert not ActionPlan.objects.filter(organisation__in=world["orgs"].values()).exists()


# --------------------------------------------------------------------------------------------
# Assigning plans
# --------------------------------------------------------------------------------------------


def test_an_adviser_assigns_only_plans_of_their_territory(world):
    u = world["users"]
    mine = ActionPlanFactory(organisation=world["orgs"]["tr"], status=Status.SUBMITTED)
    elsewhere = ActionPlanFactory(organisation=world["orgs"]["gat"], status=Status.SUBMITTED)
    assert services.plans_assign(actor=u["adviser"], plan_ids=[mine.pk, elsewhere.pk],
                                 adviser=u["adviser"]) == 1
    mine.refresh_from_db()
    elsewhere.refresh_from_db()
    assert mine.adviser == u["adviser"]
    assert elsewhere.adviser is None


def test_plans_are_assigned_only_to_staff_who_serve_them(world):
    u = world["users"]
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"], status=Status.SUBMITTED)
    # The Gatineau adviser does not serve Trois-Rivières: refused, naming the plan.
    with pytest.raises(ValidationError) as exc:
        services.plans_assign(actor=u["sit_manager"], plan_ids=[plan.pk],
                              adviser=u["adviser_gatineau"])
    assert plan.title in exc.value.messages[0]
    # A partner user is not staff.
    with pytest.raises(ValidationError):
        services.plans_assign(actor=u["sit_manager"], plan_ids=[plan.pk], adviser=u["partner"])
    plan.refresh_from_db()
    assert plan.adviser is None
    # The SIT manager hands it to the Trois-Rivières adviser.
    assert services.plans_assign(actor=u["sit_manager"], plan_ids=[plan.pk],
                                 adviser=u["adviser"]) == 1
    plan.refresh_from_db()
    assert plan.adviser == u["adviser"]


def test_assignment_is_all_or_nothing(world):
    u = world["users"]
    tr = ActionPlanFactory(organisation=world["orgs"]["tr"], status=Status.SUBMITTED)
    sh = ActionPlanFactory(organisation=world["orgs"]["sh"], status=Status.SUBMITTED)
    # The SIT manager sees both; the Trois-Rivières adviser serves only one.
    with pytest.raises(ValidationError) as exc:
        services.plans_assign(actor=u["sit_manager"], plan_ids=[tr.pk, sh.pk],
                              adviser=u["adviser"])
    assert sh.title in exc.value.messages[0] and tr.title not in exc.value.messages[0]
    assert not ActionPlan.objects.filter(adviser__isnull=False).exists()


def test_drafts_are_not_assigned(world):
    u = world["users"]
    draft = ActionPlanFactory(organisation=world["orgs"]["tr"])
    assert services.plans_assign(actor=u["adviser"], plan_ids=[draft.pk],
                                 adviser=u["adviser"]) == 0
    draft.refresh_from_db()
    assert draft.adviser is None


def test_a_partner_cannot_assign_plans(world):
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"], status=Status.SUBMITTED)
    with pytest.raises(PermissionDenied):
        services.plans_assign(actor=world["users"]["partner"], plan_ids=[plan.pk],
                              adviser=world["users"]["adviser"])
    plan.refresh_from_db()
    assert plan.adviser is None


def test_an_inactive_adviser_is_not_assigned_plans(world):
    u = world["users"]
    u["adviser"].is_active = False
    u["adviser"].save()
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"], status=Status.SUBMITTED)
    with pytest.raises(ValidationError):
        services.plans_assign(actor=u["sit_manager"], plan_ids=[plan.pk], adviser=u["adviser"])


def test_the_assigned_adviser_is_told_unless_they_assigned_themselves(
        world, django_capture_on_commit_callbacks):
    u = world["users"]
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"], status=Status.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        services.plans_assign(actor=u["sit_manager"], plan_ids=[plan.pk], adviser=u["adviser"])
    assert list(Notification.objects.values_list("recipient", "kind")) == [
        (u["adviser"].pk, "plan_assigned")]
    other = ActionPlanFactory(organisation=world["orgs"]["tr"], status=Status.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        services.plans_assign(actor=u["adviser"], plan_ids=[other.pk], adviser=u["adviser"])
    assert Notification.objects.count() == 1


# --------------------------------------------------------------------------------------------
# The report schedule and reports
# --------------------------------------------------------------------------------------------


def _approved_plan(world):
    return ActionPlanFactory(organisation=world["orgs"]["tr"], status=Status.APPROVED,
                             adviser=world["users"]["adviser"], measures=2,
                             approved_amount=Decimal("15000"))


def _schedule(plan):
    return sorted((r.kind, r.due_on, r.status) for r in Report.objects.filter(plan=plan))


def test_scheduling_the_reports_starts_the_follow_up(world):
    plan = _approved_plan(world)
    year = plan.starts_on.year
    services.report_schedule(actor=world["users"]["adviser"], plan=plan,
                             progress_dates=[date(year, 10, 1), date(year + 1, 1, 15)],
                             final_due_on=date(year + 1, 5, 31))
    assert _schedule(plan) == [
        ("final", date(year + 1, 5, 31), "expected"),
        ("progress", date(year, 10, 1), "expected"),
        ("progress", date(year + 1, 1, 15), "expected"),
    ]
    plan.refresh_from_db()
    assert plan.status == Status.IN_PROGRESS
    assert plan.events.get().to_status == Status.IN_PROGRESS


def test_rescheduling_keeps_submitted_reports_and_moves_the_final_date(world):
    adviser = world["users"]["adviser"]
    plan = _approved_plan(world)
    year = plan.starts_on.year
    services.report_schedule(actor=adviser, plan=plan,
                             progress_dates=[date(year, 10, 1), date(year + 1, 1, 15)],
                             final_due_on=date(year + 1, 5, 31))
    plan.refresh_from_db()
    Report.objects.filter(plan=plan, due_on=date(year, 10, 1)).update(
        status=ReportStatus.SUBMITTED)
    services.report_schedule(actor=adviser, plan=plan, progress_dates=[date(year + 1, 2, 1)],
                             final_due_on=date(year + 1, 6, 30))
    assert _schedule(plan) == [
        ("final", date(year + 1, 6, 30), "expected"),
        ("progress", date(year, 10, 1), "submitted"),   # kept, though not in the new dates
        ("progress", date(year + 1, 2, 1), "expected"),
    ]
    plan.refresh_from_db()
    assert plan.status == Status.IN_PROGRESS
    assert plan.events.count() == 1  # the follow-up started once


def test_a_report_the_partner_has_started_is_kept_when_rescheduling(world):
    adviser = world["users"]["adviser"]
    plan = _approved_plan(world)
    year = plan.starts_on.year
    services.report_schedule(actor=adviser, plan=plan, progress_dates=[date(year, 10, 1)],
                             final_due_on=date(year + 1, 5, 31))
    report = Report.objects.get(plan=plan, kind=ReportKind.PROGRESS)
    services.report_save(actor=world["users"]["partner"], report=report,
                         narrative="Déjà commencé", measures={}, indicators={})
    report.measure_reports.create(measure=plan.measures.first(), narrative="En cours")
    plan.refresh_from_db()
    services.report_schedule(actor=adviser, plan=plan, progress_dates=[],
                             final_due_on=date(year + 1, 5, 31))
    assert Report.objects.filter(pk=report.pk).exists()


def test_the_schedule_is_refused_when_it_makes_no_sense(world):
    adviser = world["users"]["adviser"]
    plan = _approved_plan(world)
    with pytest.raises(ValidationError) as exc:
        services.report_schedule(actor=adviser, plan=plan, progress_dates=[plan.ends_on],
                                 final_due_on=plan.ends_on)
    assert "progress_dates" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.report_schedule(actor=adviser, plan=plan, progress_dates=[],
                                 final_due_on=plan.starts_on - timedelta(days=1))
    assert "final_due_on" in exc.value.message_dict
    assert not plan.reports.exists()
    assert ActionPlan.objects.get(pk=plan.pk).status == Status.APPROVED


@pytest.mark.parametrize("who", ["partner", "admin"])
def test_only_advisers_schedule_reports(world, who):
    plan = _approved_plan(world)
    with pytest.raises(PermissionDenied):
        services.report_schedule(actor=world["users"][who], plan=plan, progress_dates=[],
                                 final_due_on=plan.ends_on)
    assert not plan.reports.exists()


def test_an_adviser_of_another_territory_cannot_schedule_reports(world):
    plan = _approved_plan(world)
    with pytest.raises((PermissionDenied, ActionPlan.DoesNotExist)):
        services.report_schedule(actor=world["users"]["adviser_gatineau"], plan=plan,
                                 progress_dates=[], final_due_on=plan.ends_on)
    assert not plan.reports.exists()
    assert ActionPlan.objects.get(pk=plan.pk).status == Status.APPROVED


def _report(world):
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"], status=Status.IN_PROGRESS,
                             adviser=world["users"]["adviser"], measures=1,
                             approved_amount=Decimal("9000"))
    return ReportFactory(plan=plan, kind=ReportKind.PROGRESS)


def test_a_report_says_per_measure_what_was_spent_and_reached(world):
    report = _report(world)
    measure = report.plan.measures.get()
    indicator = measure.indicators.get()
    services.report_save(actor=world["users"]["partner"], report=report, narrative=" Bilan ",
                         measures={measure.pk: {"amount_spent": Decimal("4200"),
                                                "narrative": "Six ateliers"}},
                         indicators={indicator.pk: Decimal("38")})
    report.refresh_from_db()
    assert report.narrative == "Bilan"
    assert list(report.measure_reports.values_list("measure", "amount_spent", "narrative")) == [
        (measure.pk, Decimal("4200.00"), "Six ateliers")]
    assert list(report.indicator_results.values_list("indicator", "value")) == [
        (indicator.pk, Decimal("38.00"))]


def test_a_report_refuses_a_measure_or_indicator_of_another_plan(world):
    report = _report(world)
    other = ActionPlanFactory(organisation=world["orgs"]["tr"], measures=1)
    foreign_measure = other.measures.get()
    foreign_indicator = Indicator.objects.get(measure=foreign_measure)
    partner = world["users"]["partner"]
    with pytest.raises(PermissionDenied):
        services.report_save(actor=partner, report=report, narrative="x",
                             measures={foreign_measure.pk: {"narrative": "volé"}},
                             indicators={})
    with pytest.raises(PermissionDenied):
        services.report_save(actor=partner, report=report, narrative="x", measures={},
                             indicators={foreign_indicator.pk: Decimal("1")})
    report.refresh_from_db()
    assert report.narrative == ""
    assert not report.measure_reports.exists() and not report.indicator_results.exists()


def test_a_negative_amount_spent_or_value_reached_is_refused(world):
    report = _report(world)
    measure = report.plan.measures.get()
    indicator = measure.indicators.get()
    partner = world["users"]["partner"]
    with pytest.raises(ValidationError):
        services.report_save(actor=partner, report=report, narrative="x",
                             measures={measure.pk: {"amount_spent": Decimal("-1")}},
                             indicators={})
    with pytest.raises(ValidationError):
        services.report_save(actor=partner, report=report, narrative="x", measures={},
                             indicators={indicator.pk: Decimal("-3")})
    report.refresh_from_db()
    assert report.narrative == ""
    assert not report.measure_reports.exists() and not report.indicator_results.exists()


@pytest.mark.parametrize("who", ["partner_gatineau", "adviser"])
def test_only_the_partner_fills_in_a_report(world, who):
    report = _report(world)
    with pytest.raises(PermissionDenied):
        services.report_save(actor=world["users"][who], report=report, narrative="x",
                             measures={}, indicators={})


def test_a_submitted_report_can_no_longer_be_edited(world):
    report = _report(world)
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.SUBMITTED)
    report.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.report_save(actor=world["users"]["partner"], report=report, narrative="x",
                             measures={}, indicators={})


def test_due_and_late_reports_are_queryable(world):
    report = _report(world)
    today = date(2026, 6, 1)
    Report.objects.filter(pk=report.pk).update(due_on=today - timedelta(days=1))
    assert list(Report.objects.late(today)) == [report]
    assert list(Report.objects.due_between(today - timedelta(days=7), today)) == [report]
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.SUBMITTED)
    assert not Report.objects.late(today).exists()


# --------------------------------------------------------------------------------------------
# Who hears of what
# --------------------------------------------------------------------------------------------


def _recipients(kind=None):
    rows = Notification.objects.all()
    if kind:
        rows = rows.filter(kind=kind)
    return sorted(rows.values_list("recipient_id", flat=True))


def _ids(*users):
    return sorted(u.pk for u in users)


def test_a_submission_notifies_the_offices_advisers_not_the_partner(
        world, django_capture_on_commit_callbacks, mailoutbox):
    u = world["users"]
    colleague = StaffFactory(role="adviser", offices=[office("trois-rivieres")])
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"], measures=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_transition(actor=u["partner"], plan_id=plan.pk, to=Status.SUBMITTED)
    assert _recipients() == _ids(u["adviser"], colleague)
    assert sorted(m.to[0] for m in mailoutbox) == sorted([u["adviser"].email, colleague.email])


def test_a_submission_notifies_only_the_assigned_adviser(
        world, django_capture_on_commit_callbacks):
    u = world["users"]
    StaffFactory(role="adviser", offices=[office("trois-rivieres")])
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"], status=Status.CHANGES_REQUESTED,
                             adviser=u["adviser"], measures=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_transition(actor=u["partner"], plan_id=plan.pk, to=Status.SUBMITTED)
    assert _recipients() == _ids(u["adviser"])


def test_a_recommendation_notifies_the_sit_managers_and_the_partner(
        world, django_capture_on_commit_callbacks):
    u = world["users"]
    other_sit_manager = StaffFactory(role="sit_manager", offices=[office("gatineau")])
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"], status=Status.IN_REVIEW,
                             adviser=u["adviser"], measures=1)
    completed_review(plan)  # recommending needs the adviser's completed grid
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_transition(actor=u["adviser"], plan_id=plan.pk, to=Status.RECOMMENDED,
                                 amount="9000")
    assert _recipients() == _ids(u["partner"], u["sit_manager"])
    assert other_sit_manager.pk not in _recipients()


def test_a_decision_notifies_the_partner_and_the_adviser(
        world, django_capture_on_commit_callbacks, mailoutbox):
    u = world["users"]
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"], status=Status.RECOMMENDED,
                             adviser=u["adviser"], measures=1, recommended_amount=9000)
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_transition(actor=u["sit_manager"], plan_id=plan.pk, to=Status.APPROVED,
                                 amount="9000")
    assert _recipients("plan_status") == _ids(u["partner"], u["adviser"])
    assert len(mailoutbox) == 2


def test_a_comment_notifies_the_other_side(world, django_capture_on_commit_callbacks):
    u = world["users"]
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"], status=Status.IN_REVIEW,
                             adviser=u["adviser"], measures=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_add(actor=u["partner"], plan=plan, body="Voici nos précisions.")
    assert _recipients("plan_comment") == _ids(u["adviser"])
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_add(actor=u["adviser"], plan=plan, body="Merci, c’est noté.")
    assert _recipients("plan_comment") == _ids(u["partner"])


@pytest.mark.parametrize("who", ["partner_gatineau", "adviser_gatineau"])
def test_only_people_who_serve_or_own_the_plan_comment_on_it(world, who):
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"], status=Status.SUBMITTED)
    with pytest.raises(PermissionDenied):
        services.comment_add(actor=world["users"][who], plan=plan, body="Allo")
    assert not plan.comments.exists()


def test_a_report_submission_notifies_the_adviser(world, django_capture_on_commit_callbacks):
    u = world["users"]
    report = _report(world)
    measure = report.plan.measures.get()
    services.report_save(actor=u["partner"], report=report, narrative="Bilan",
                         measures={measure.pk: {"narrative": "Fait"}},
                         indicators={measure.indicators.get().pk: Decimal("12")})
    with django_capture_on_commit_callbacks(execute=True):
        services.report_transition(actor=u["partner"], report_id=report.pk,
                                   to=ReportStatus.SUBMITTED)
    assert list(Notification.objects.values_list("recipient", "kind")) == [
        (u["adviser"].pk, "report_status")]


def test_running_the_notify_task_twice_notifies_and_emails_once(
        world, django_capture_on_commit_callbacks, mailoutbox):
    u = world["users"]
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"], status=Status.RECOMMENDED,
                             adviser=u["adviser"], measures=1, recommended_amount=9000)
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_transition(actor=u["sit_manager"], plan_id=plan.pk, to=Status.REFUSED,
                                 comment="Enveloppe épuisée.")
    event = PlanEvent.objects.get(plan=plan)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.notify_plan_event.delay(event.pk)
        tasks.notify_plan_event.delay(event.pk)  # a redelivered task
    with django_capture_on_commit_callbacks(execute=True):
        tasks.notify_plan_event.delay(event.pk)  # and once more, later
    assert _recipients() == _ids(u["partner"], u["adviser"])
    assert sorted(m.to[0] for m in mailoutbox) == sorted([u["partner"].email, u["adviser"].email])


class _Boom(Exception):
    pass


def test_a_rolled_back_transition_sends_nothing(
        world, django_capture_on_commit_callbacks, mailoutbox):
    u = world["users"]
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"], measures=1)
    with (django_capture_on_commit_callbacks(execute=True) as callbacks,
          pytest.raises(_Boom), transaction.atomic()):
        services.plan_transition(actor=u["partner"], plan_id=plan.pk, to=Status.SUBMITTED)
        raise _Boom
    assert callbacks == []
    assert not Notification.objects.exists()
    assert mailoutbox == []
    plan.refresh_from_db()
    assert plan.status == Status.DRAFT
    assert not plan.events.exists()


def test_a_refused_transition_sends_nothing(world, django_capture_on_commit_callbacks):
    plan = ActionPlanFactory(organisation=world["orgs"]["tr"], measures=0)
    with (django_capture_on_commit_callbacks(execute=True) as callbacks,
          pytest.raises(services.TransitionRefused)):
        services.plan_transition(actor=world["users"]["partner"], plan_id=plan.pk,
                                 to=Status.SUBMITTED)
    assert callbacks == []
    assert not Notification.objects.exists()
