"""The action-plan and report workflows: every (state, move, role) combination.

Each plan starts directly in the state under test (built by the factories) and every target is
tried inside a savepoint that is rolled back, so the whole matrix runs in seconds. The expected
table below is written from the issue, not read from ``programs.workflow``: if the code's table or
the service drifts from what the issue asks, these tests say so.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone, translation

from programs import services
from programs.models import (
    ActionPlan,
    BudgetLine,
    IndicatorResult,
    MeasureReport,
    PlanEvent,
    Report,
    ReportKind,
    ReportStatus,
    Status,
)
from programs.services import TransitionRefused
from programs.workflow import PLAN_WORKFLOW, REPORT_TRANSITIONS, TRANSITIONS
from tests.factories.partners import OrganisationFactory
from tests.factories.programs import (
    ActionPlanFactory,
    CallFactory,
    MeasureFactory,
    ReportFactory,
    completed_review,
    program,
)


@pytest.fixture(autouse=True)
def _messages_in_english():
    """The assertions below read the English messages; French is checked where it matters."""
    with translation.override("en"):
        yield


pytestmark = pytest.mark.django_db

# The six kinds of people who may try a move on a plan of “Accueil Trois-Rivières”.
ACTORS = {
    "partner": "partner",                        # a user of the plan's organisation
    "adviser": "adviser",                        # adviser of Trois-Rivières
    "sit_manager": "sit_manager",                # SIT manager of the same SIT
    "admin": "admin",                            # central administrator
    "partner_elsewhere": "partner_gatineau",     # a user of another organisation
    "adviser_elsewhere": "adviser_gatineau",     # adviser of another territory
}
OUT_OF_SCOPE = {"partner_elsewhere", "adviser_elsewhere"}

PARTNER = {"partner"}
ADVISERS = {"adviser", "sit_manager"}  # a SIT manager may do what their advisers do
MANAGERS = {"sit_manager"}

S = Status
#: (from, to) -> who may make the move, as the issue describes the workflow.
EXPECTED_MOVES = {
    (S.DRAFT, S.SUBMITTED): PARTNER,
    (S.SUBMITTED, S.IN_REVIEW): ADVISERS,
    (S.IN_REVIEW, S.CHANGES_REQUESTED): ADVISERS,
    (S.CHANGES_REQUESTED, S.SUBMITTED): PARTNER,
    (S.IN_REVIEW, S.RECOMMENDED): ADVISERS,
    (S.IN_REVIEW, S.NOT_RECOMMENDED): ADVISERS,
    (S.RECOMMENDED, S.APPROVED): MANAGERS,
    (S.RECOMMENDED, S.REFUSED): MANAGERS,
    (S.NOT_RECOMMENDED, S.APPROVED): MANAGERS,
    (S.NOT_RECOMMENDED, S.REFUSED): MANAGERS,
    (S.APPROVED, S.IN_PROGRESS): ADVISERS,
    (S.IN_PROGRESS, S.CLOSED): ADVISERS,
    **{(frm, S.WITHDRAWN): PARTNER for frm in (
        S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.CHANGES_REQUESTED, S.RECOMMENDED,
        S.NOT_RECOMMENDED)},
}
NEEDS_COMMENT = {(S.IN_REVIEW, S.CHANGES_REQUESTED), (S.IN_REVIEW, S.NOT_RECOMMENDED),
                 (S.RECOMMENDED, S.REFUSED), (S.NOT_RECOMMENDED, S.REFUSED)}
NEEDS_AMOUNT = {(S.IN_REVIEW, S.RECOMMENDED), (S.RECOMMENDED, S.APPROVED),
                (S.NOT_RECOMMENDED, S.APPROVED)}
PRE_DECISION = {S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.CHANGES_REQUESTED, S.RECOMMENDED,
                S.NOT_RECOMMENDED}

NONSENSE = ["archived", "DRAFT"]
TARGETS = [*Status.values, *NONSENSE]

COMMENT = "Motif détaillé, lu par l’organisme."
AMOUNT = "5000"

R = ReportStatus
EXPECTED_REPORT_MOVES = {
    (R.EXPECTED, R.SUBMITTED): PARTNER,
    (R.CHANGES_REQUESTED, R.SUBMITTED): PARTNER,
    (R.SUBMITTED, R.ACCEPTED): ADVISERS,
    (R.SUBMITTED, R.CHANGES_REQUESTED): ADVISERS,
}
REPORT_TARGETS = [*ReportStatus.values, "archived"]

ROLE_OF_KIND = {"partner": "partner", "adviser": "adviser", "sit_manager": "sit_manager",
                "admin": "admin"}


class _Rollback(Exception):
    """Raised to undo one try of the matrix."""


def _undo(check):
    try:
        with transaction.atomic():
            check()
            raise _Rollback
    except _Rollback:
        pass


#: The ministry's roles: a partner's private draft (never submitted, no help asked) is outside
#: their scope, like another territory's plan.
STAFF_KINDS = {"adviser", "sit_manager", "admin"}


def _outcome(frm, to, kind, table, *, private_draft=False):
    if kind in OUT_OF_SCOPE or (private_draft and kind in STAFF_KINDS):
        return "not_found"
    if frm == to:
        return "no_op"
    if kind in table.get((frm, to), set()):
        return "moves"
    return "refused"


# --------------------------------------------------------------------------------------------
# Building a plan directly in a state, with whatever its next moves need
# --------------------------------------------------------------------------------------------

AFTER_REVIEW = {S.IN_REVIEW, S.CHANGES_REQUESTED, S.RECOMMENDED, S.NOT_RECOMMENDED,
                S.APPROVED, S.REFUSED, S.IN_PROGRESS, S.CLOSED}


def plan_in(status, world, **kwargs):
    """A complete plan (one measure, 10,000 $ asked) of Trois-Rivières in ``status``, as it
    would be after the moves that led there."""
    values = {"organisation": world["orgs"]["tr"], "status": status, "measures": 1}
    if status != S.DRAFT:
        values["submitted_at"] = timezone.now() - timedelta(days=10)
    if status in AFTER_REVIEW:
        values["adviser"] = world["users"]["adviser"]
    if status in {S.RECOMMENDED, S.APPROVED, S.IN_PROGRESS, S.CLOSED}:
        values["recommended_amount"] = Decimal("8000.00")
    if status in {S.APPROVED, S.IN_PROGRESS, S.CLOSED}:
        values["approved_amount"] = Decimal("8000.00")
    if status in {S.APPROVED, S.REFUSED, S.IN_PROGRESS, S.CLOSED}:
        values["decided_at"] = timezone.now() - timedelta(days=5)
    values.update(kwargs)
    plan = ActionPlanFactory(**values)
    # Recommending needs the adviser's review grid completed (programs/grids.py).
    if status == S.IN_REVIEW and plan.adviser_id:
        completed_review(plan)
    # Starting the follow-up needs the final report scheduled; closing needs it accepted.
    if status == S.APPROVED:
        ReportFactory(plan=plan)
    if status in {S.IN_PROGRESS, S.CLOSED}:
        ReportFactory(plan=plan, status=R.ACCEPTED, submitted_at=timezone.now(),
                      accepted_at=timezone.now())
    return plan


PLAN_FIELDS = ["status", "requested_total", "partner_total", "other_total",
               "recommended_amount", "approved_amount", "adviser_id", "submitted_at",
               "decided_at", "updated_at"]


def snapshot(plan_id):
    """Everything a refused move must leave as it was."""
    return (ActionPlan.objects.filter(pk=plan_id).values(*PLAN_FIELDS).get(),
            list(PlanEvent.objects.filter(plan_id=plan_id).values_list("pk", flat=True)),
            list(Report.objects.filter(plan_id=plan_id).values_list("pk", "status")))


def refused(excinfo_value) -> str:
    return " ".join(excinfo_value.messages)


# --------------------------------------------------------------------------------------------
# The table itself
# --------------------------------------------------------------------------------------------


def test_the_workflow_table_is_the_one_the_issue_describes():
    assert {key: {kind for kind, role in ROLE_OF_KIND.items() if role in move.roles}
            for key, move in TRANSITIONS.items()} == EXPECTED_MOVES
    assert {key for key, move in TRANSITIONS.items() if move.needs_comment} == NEEDS_COMMENT
    assert {key for key, move in TRANSITIONS.items() if move.needs_amount} == NEEDS_AMOUNT


def test_the_report_table_is_the_one_the_issue_describes():
    assert {key: {kind for kind, role in ROLE_OF_KIND.items() if role in move.roles}
            for key, move in REPORT_TRANSITIONS.items()} == EXPECTED_REPORT_MOVES
    assert [key for key, move in REPORT_TRANSITIONS.items() if move.needs_comment] == [
        (R.SUBMITTED, R.CHANGES_REQUESTED)]


# --------------------------------------------------------------------------------------------
# Every (state, move, role) of a plan
# --------------------------------------------------------------------------------------------


def _help_asked(frm, world):
    """A draft the partner asked for help on: the ministry sees it (and may make none of its
    moves)."""
    plan = plan_in(frm, world)
    services.plan_help_request(actor=world["users"]["partner"], plan_id=plan.pk)
    return plan


@pytest.mark.parametrize("kind", list(ACTORS))
@pytest.mark.parametrize(("frm", "help_asked"), [
    *((status, False) for status in Status.values), (S.DRAFT, True)])
def test_every_plan_move_is_made_or_refused_as_the_table_says(world, frm, help_asked, kind):
    actor = world["users"][ACTORS[kind]]
    plan = _help_asked(frm, world) if help_asked else plan_in(frm, world)
    before = snapshot(plan.pk)

    for to in TARGETS:
        expected = _outcome(frm, to, kind, EXPECTED_MOVES,
                            private_draft=frm == S.DRAFT and not help_asked)

        def check(to=to, expected=expected):
            where = f"{frm} -> {to!r} by {kind}"
            if expected == "not_found":
                with pytest.raises(ActionPlan.DoesNotExist):
                    services.plan_transition(actor=actor, plan_id=plan.pk, to=to,
                                             comment=COMMENT, amount=AMOUNT)
                assert snapshot(plan.pk) == before, where
            elif expected == "no_op":
                result = services.plan_transition(actor=actor, plan_id=plan.pk, to=to,
                                                  comment=COMMENT, amount=AMOUNT)
                assert result.status == frm, where
                assert snapshot(plan.pk) == before, f"{where}: a no-op wrote something"
            elif expected == "refused":
                with pytest.raises(TransitionRefused) as exc:
                    services.plan_transition(actor=actor, plan_id=plan.pk, to=to,
                                             comment=COMMENT, amount=AMOUNT)
                message = refused(exc.value)
                assert exc.value.code == "not_allowed", where
                assert str(Status(frm).label) in message, (where, message)
                assert str(Status(to).label if to in Status.values else to) in message, where
                assert snapshot(plan.pk) == before, f"{where}: a refused move changed data"
            else:
                result = services.plan_transition(actor=actor, plan_id=plan.pk, to=to,
                                                  comment=COMMENT, amount=AMOUNT)
                stored = ActionPlan.objects.get(pk=plan.pk)
                assert result.status == stored.status == to, where
                events = list(PlanEvent.objects.filter(plan=plan).exclude(pk__in=before[1]))
                assert len(events) == 1, f"{where}: {len(events)} history rows"
                event = events[0]
                amount = Decimal(AMOUNT) if (frm, to) in NEEDS_AMOUNT else None
                assert (event.from_status, event.to_status, event.actor_id, event.comment,
                        event.amount, event.report_id) == (
                    frm, to, actor.pk, COMMENT, amount, None), where
                if to == S.SUBMITTED:
                    assert stored.submitted_at not in (None, before[0]["submitted_at"]), where
                if to == S.IN_REVIEW:
                    assert stored.adviser_id is not None, where
                if to == S.RECOMMENDED:
                    assert stored.recommended_amount == Decimal(AMOUNT), where
                if to == S.APPROVED:
                    assert stored.approved_amount == Decimal(AMOUNT), where
                    assert stored.decided_at is not None, where

        _undo(check)

    assert snapshot(plan.pk) == before


@pytest.mark.parametrize("kind", ["partner", "adviser", "sit_manager", "admin"])
@pytest.mark.parametrize("frm", Status.values)
def test_the_buttons_offered_are_exactly_the_moves_allowed(world, frm, kind):
    plan = plan_in(frm, world)
    offered = {option.to for option in PLAN_WORKFLOW.moves_for(world["users"][ACTORS[kind]], plan)}
    assert offered == {to for (f, to), kinds in EXPECTED_MOVES.items()
                       if f == frm and kind in kinds}


def test_the_adviser_who_takes_a_plan_becomes_its_adviser(world):
    plan = plan_in(S.SUBMITTED, world)
    services.plan_transition(actor=world["users"]["adviser"], plan_id=plan.pk, to=S.IN_REVIEW)
    plan.refresh_from_db()
    assert plan.adviser == world["users"]["adviser"]


# --------------------------------------------------------------------------------------------
# Comments and amounts
# --------------------------------------------------------------------------------------------

ACTOR_OF_MOVE = {key: ("sit_manager" if kinds == MANAGERS else sorted(kinds)[0])
                 for key, kinds in EXPECTED_MOVES.items()}


@pytest.mark.parametrize("comment", ["", "   \n "])
@pytest.mark.parametrize("frm,to", sorted(NEEDS_COMMENT))
def test_a_move_that_needs_a_comment_is_refused_without_one(world, frm, to, comment):
    plan = plan_in(frm, world)
    before = snapshot(plan.pk)
    actor = world["users"][ACTORS[ACTOR_OF_MOVE[(frm, to)]]]
    with pytest.raises(TransitionRefused) as exc:
        services.plan_transition(actor=actor, plan_id=plan.pk, to=to, comment=comment,
                                 amount=AMOUNT)
    assert exc.value.code == "comment_required"
    assert "comment is required" in refused(exc.value)
    assert snapshot(plan.pk) == before


def _add_measure(plan, requested):
    measure = MeasureFactory(plan=plan, lines=False)
    measure.indicators.create(name="Participants", unit="personnes", target_value=10)
    BudgetLine.objects.create(measure=measure, label="Salaires", requested_amount=requested)
    services._recompute_totals(plan)
    return measure


BAD_AMOUNTS = [
    (None, "Give the amount"),
    ("", "Give the amount"),
    ("0", "Give the amount"),
    ("0.001", "Give the amount"),
    ("-100", "Give the amount"),
    ("beaucoup", "must be a number"),
    ("160000", "maximum ($150,000.00)"),  # PAC-2's maximum, though the plan asks more
]


@pytest.mark.parametrize("amount,says", BAD_AMOUNTS)
@pytest.mark.parametrize("frm,to", sorted(NEEDS_AMOUNT))
def test_a_move_that_needs_an_amount_refuses_a_missing_or_wrong_one(world, frm, to, amount,
                                                                      says):
    plan = plan_in(frm, world, measures=0)
    _add_measure(plan, Decimal("190000.00"))  # above PAC-2's maximum, so both limits show
    before = snapshot(plan.pk)
    actor = world["users"][ACTORS[ACTOR_OF_MOVE[(frm, to)]]]
    with pytest.raises(TransitionRefused) as exc:
        services.plan_transition(actor=actor, plan_id=plan.pk, to=to, comment=COMMENT,
                                 amount=amount)
    assert says in refused(exc.value)
    assert snapshot(plan.pk) == before


@pytest.mark.parametrize("frm,to", sorted(NEEDS_AMOUNT))
def test_an_amount_above_what_the_plan_asks_is_refused(world, frm, to):
    plan = plan_in(frm, world)  # asks 10,000 $
    before = snapshot(plan.pk)
    actor = world["users"][ACTORS[ACTOR_OF_MOVE[(frm, to)]]]
    with pytest.raises(TransitionRefused) as exc:
        services.plan_transition(actor=actor, plan_id=plan.pk, to=to, amount="10000.01")
    assert "what the plan asks ($10,000.00)" in refused(exc.value)
    assert snapshot(plan.pk) == before


def test_an_amount_written_the_french_way_is_understood(world):
    plan = plan_in(S.IN_REVIEW, world)
    services.plan_transition(actor=world["users"]["adviser"], plan_id=plan.pk,
                             to=S.RECOMMENDED, amount="7\u00a0500,50")
    plan.refresh_from_db()
    assert plan.recommended_amount == Decimal("7500.50")
    assert plan.events.get().amount == Decimal("7500.50")


# --------------------------------------------------------------------------------------------
# Submitting: the call's window and the plan's completeness
# --------------------------------------------------------------------------------------------


def _local(moment):
    """As the English message writes it: “7 December 2026, 13:28”."""
    return f"{timezone.localtime(moment):%-d %B %Y, %H:%M}"


def test_partner_cannot_submit_before_the_call_opens(world):
    call = CallFactory(upcoming=True)
    plan = plan_in(S.DRAFT, world, call=call)
    before = snapshot(plan.pk)
    with pytest.raises(TransitionRefused) as exc:
        services.plan_transition(actor=world["users"]["partner"], plan_id=plan.pk,
                                 to=S.SUBMITTED)
    assert f"opens on {_local(call.opens_at)}" in refused(exc.value)
    assert snapshot(plan.pk) == before


def test_partner_cannot_submit_after_the_call_closed(world):
    call = CallFactory(closed=True)
    plan = plan_in(S.DRAFT, world, call=call)
    before = snapshot(plan.pk)
    with pytest.raises(TransitionRefused) as exc:
        services.plan_transition(actor=world["users"]["partner"], plan_id=plan.pk,
                                 to=S.SUBMITTED)
    assert f"closed on {_local(call.closes_at)}" in refused(exc.value)
    assert snapshot(plan.pk) == before


def test_the_call_closes_at_its_closing_minute(world):
    plan = plan_in(S.DRAFT, world)
    with pytest.raises(TransitionRefused):
        services.plan_transition(actor=world["users"]["partner"], plan_id=plan.pk,
                                 to=S.SUBMITTED, now=plan.call.closes_at)
    services.plan_transition(actor=world["users"]["partner"], plan_id=plan.pk, to=S.SUBMITTED,
                             now=plan.call.closes_at - timedelta(seconds=1))
    plan.refresh_from_db()
    assert plan.status == S.SUBMITTED


def test_partner_cannot_submit_to_a_program_no_longer_active(world):
    call = CallFactory(program=program("pac-2"))
    plan = plan_in(S.DRAFT, world, call=call)
    call.program.is_active = False
    call.program.save()
    with pytest.raises(TransitionRefused) as exc:
        services.plan_transition(actor=world["users"]["partner"], plan_id=plan.pk,
                                 to=S.SUBMITTED)
    assert call.program.name in refused(exc.value)


def test_partner_may_resubmit_after_changes_requested_even_once_the_call_closed(world):
    plan = plan_in(S.CHANGES_REQUESTED, world, call=CallFactory(closed=True))
    services.plan_transition(actor=world["users"]["partner"], plan_id=plan.pk, to=S.SUBMITTED)
    plan.refresh_from_db()
    assert plan.status == S.SUBMITTED
    assert plan.events.get().from_status == S.CHANGES_REQUESTED


def test_a_resubmission_still_needs_a_complete_plan(world):
    plan = plan_in(S.CHANGES_REQUESTED, world, measures=0)
    with pytest.raises(TransitionRefused) as exc:
        services.plan_transition(actor=world["users"]["partner"], plan_id=plan.pk,
                                 to=S.SUBMITTED)
    assert "The plan has no measure." in exc.value.messages


def _municipal_plan(**kwargs):
    organisation = OrganisationFactory(municipal=True)
    return ActionPlanFactory(organisation=organisation,
                             call=CallFactory(program=program("pac-1"),
                                              documents=kwargs.pop("documents", [])),
                             **kwargs)


def _no_measure(plan):
    plan.measures.all().delete()
    services._recompute_totals(plan)


def _measure_without_indicator(plan):
    plan.measures.get().indicators.all().delete()


def _measure_without_budget_line(plan):
    plan.measures.get().budget_lines.all().delete()
    _add_measure(plan, Decimal("100.00"))  # another measure still asks something


def _measure_outside_the_period(plan):
    plan.measures.update(ends_on=plan.ends_on + timedelta(days=1))


def _axis_not_funded(plan):
    plan.measures.update(axis="attraction")  # PAC-2 does not fund attraction


def _above_the_maximum(plan):
    _add_measure(plan, Decimal("145000.01"))  # 155,000.01 $ in all; PAC-2 allows 150,000 $


#: Problems about one measure name it.
NAMES_THE_MEASURE = {"measure without indicator", "measure without budget line",
                     "measure outside the period", "axis not funded"}
# name of the case -> (how to break a complete plan, what the refusal must say)
MISSING_PARTS = {
    "no measure": (_no_measure, "The plan has no measure."),
    "measure without indicator": (_measure_without_indicator, "has no indicator."),
    "measure without budget line": (_measure_without_budget_line, "has no budget line."),
    "measure outside the period": (_measure_outside_the_period, "falls outside the plan’s "
                                                                 "period."),
    "axis not funded": (_axis_not_funded, "the program does not fund the axis “Attraction”"),
    "above the maximum": (_above_the_maximum,
                          "($155,000.01) exceeds the program’s maximum ($150,000.00)"),
    "no objectives": (lambda p: ActionPlan.objects.filter(pk=p.pk).update(objectives=" "),
                      "The objectives are missing."),
    "no characteristic": (lambda p: ActionPlan.objects.filter(pk=p.pk).update(
        characteristics=[]), "welcoming-community characteristic"),
    "no period": (lambda p: ActionPlan.objects.filter(pk=p.pk).update(starts_on=None,
                                                                       ends_on=None),
                  "period (start and end) is missing"),
}


@pytest.mark.parametrize("case", list(MISSING_PARTS))
def test_submitting_with_a_missing_part_is_refused_naming_it(world, case):
    breaks, says = MISSING_PARTS[case]
    plan = plan_in(S.DRAFT, world)
    breaks(plan)
    before = snapshot(plan.pk)
    with pytest.raises(TransitionRefused) as exc:
        services.plan_transition(actor=world["users"]["partner"], plan_id=plan.pk,
                                 to=S.SUBMITTED)
    message = refused(exc.value)
    assert says in message
    if case in NAMES_THE_MEASURE:
        assert f"Measure “{plan.measures.order_by('pk').first().title}”" in message
    assert snapshot(plan.pk) == before


def test_a_municipal_body_must_give_its_needs_analysis(world):
    plan = _municipal_plan(measures=1, needs_analysis="  ")
    partner = _partner_of(plan.organisation)
    with pytest.raises(TransitionRefused) as exc:
        services.plan_transition(actor=partner, plan_id=plan.pk, to=S.SUBMITTED)
    assert "needs analysis is missing" in refused(exc.value)
    # A non-profit is not asked for one.
    plan = plan_in(S.DRAFT, world, needs_analysis="")
    services.plan_transition(actor=world["users"]["partner"], plan_id=plan.pk, to=S.SUBMITTED)


def _partner_of(organisation):
    from tests.factories.partners import PartnerUserFactory

    return PartnerUserFactory(organisation=organisation)


def test_a_required_document_is_named_until_it_is_attached(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    plan = _municipal_plan(measures=1, documents=["Résolution du conseil municipal"])
    partner = _partner_of(plan.organisation)
    with pytest.raises(TransitionRefused) as exc:
        services.plan_transition(actor=partner, plan_id=plan.pk, to=S.SUBMITTED)
    assert "Required document missing: Résolution du conseil municipal." in exc.value.messages

    services.attachment_add(actor=partner, plan=plan,
                            upload=SimpleUploadedFile("resolution.pdf", b"%PDF-1.7\n%%EOF"),
                            required_document=plan.call.required_documents.get())
    services.plan_transition(actor=partner, plan_id=plan.pk, to=S.SUBMITTED)
    plan.refresh_from_db()
    assert plan.status == S.SUBMITTED


def test_the_refusal_speaks_french_by_default(world):
    plan = _municipal_plan(measures=1, documents=["Résolution du conseil municipal"])
    partner = _partner_of(plan.organisation)
    with translation.override("fr-ca"), pytest.raises(TransitionRefused) as exc:
        services.plan_transition(actor=partner, plan_id=plan.pk, to=S.SUBMITTED)
    assert "Document exigé manquant : Résolution du conseil municipal." in exc.value.messages


def test_every_missing_part_is_named_at_once(world):
    plan = _municipal_plan(measures=0, needs_analysis="", documents=["Budget détaillé"])
    partner = _partner_of(plan.organisation)
    no_indicator = _add_measure(plan, Decimal("1000"))
    no_indicator.indicators.all().delete()
    no_line = MeasureFactory(plan=plan, lines=False, title="Mesure sans budget")
    no_line.indicators.create(name="Activités", unit="nombre", target_value=3)
    outside = _add_measure(plan, Decimal("400000"))  # above PAC-1's 300,000 $
    outside.starts_on = plan.starts_on - timedelta(days=30)
    outside.save()
    with pytest.raises(TransitionRefused) as exc:
        services.plan_transition(actor=partner, plan_id=plan.pk, to=S.SUBMITTED)
    messages = exc.value.messages
    expected = [
        "needs analysis is missing",
        f"Measure “{no_indicator.title}” has no indicator.",
        f"Measure “{no_line.title}” has no budget line.",
        f"Measure “{outside.title}” falls outside the plan’s period.",
        "exceeds the program’s maximum ($300,000.00)",
        "Required document missing: Budget détaillé.",
    ]
    for part in expected:
        assert any(part in message for message in messages), (part, messages)
    assert ActionPlan.objects.get(pk=plan.pk).status == S.DRAFT


# --------------------------------------------------------------------------------------------
# Withdrawing, following up, closing
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("frm", Status.values)
def test_partner_may_withdraw_only_before_a_decision(world, frm):
    plan = plan_in(frm, world)
    before = snapshot(plan.pk)
    move = lambda: services.plan_transition(  # noqa: E731
        actor=world["users"]["partner"], plan_id=plan.pk, to=S.WITHDRAWN)
    if frm == S.WITHDRAWN:
        move()
        assert snapshot(plan.pk) == before
    elif frm in PRE_DECISION:
        move()
        plan.refresh_from_db()
        assert plan.status == S.WITHDRAWN
        assert plan.events.get().from_status == frm
    else:
        with pytest.raises(TransitionRefused):
            move()
        assert snapshot(plan.pk) == before


def test_the_follow_up_does_not_start_before_the_final_report_is_scheduled(world):
    plan = plan_in(S.APPROVED, world)
    plan.reports.all().delete()
    with pytest.raises(TransitionRefused) as exc:
        services.plan_transition(actor=world["users"]["adviser"], plan_id=plan.pk,
                                 to=S.IN_PROGRESS)
    assert "Schedule the final report" in refused(exc.value)
    assert ActionPlan.objects.get(pk=plan.pk).status == S.APPROVED


@pytest.mark.parametrize("report_status", [R.EXPECTED, R.SUBMITTED, R.CHANGES_REQUESTED])
def test_a_plan_does_not_close_before_its_final_report_is_accepted(world, report_status):
    plan = plan_in(S.IN_PROGRESS, world)
    plan.reports.update(status=report_status, accepted_at=None)
    with pytest.raises(TransitionRefused) as exc:
        services.plan_transition(actor=world["users"]["adviser"], plan_id=plan.pk,
                                 to=S.CLOSED)
    assert "final report is accepted" in refused(exc.value)
    assert ActionPlan.objects.get(pk=plan.pk).status == S.IN_PROGRESS


def test_the_whole_journey_leaves_one_history_row_per_move(world):
    u = world["users"]
    plan = plan_in(S.DRAFT, world)
    moves = [
        (u["partner"], S.SUBMITTED, "", None),
        (u["adviser"], S.IN_REVIEW, "", None),
        (u["adviser"], S.CHANGES_REQUESTED, "Précisez les indicateurs.", None),
        (u["partner"], S.SUBMITTED, "", None),
        (u["adviser"], S.IN_REVIEW, "", None),
        (u["adviser"], S.RECOMMENDED, "", "9000"),
        (u["sit_manager"], S.APPROVED, "Conforme.", "8500"),
    ]
    for actor, to, comment, amount in moves:
        if to == S.RECOMMENDED:  # the adviser completes the review grid first
            completed_review(ActionPlan.objects.get(pk=plan.pk))
        services.plan_transition(actor=actor, plan_id=plan.pk, to=to, comment=comment,
                                 amount=amount)
    plan.refresh_from_db()
    assert (plan.status, plan.recommended_amount, plan.approved_amount) == (
        S.APPROVED, Decimal("9000.00"), Decimal("8500.00"))
    assert [(e.from_status, e.to_status, e.actor_id) for e in plan.events.all()] == [
        (frm, to, actor.pk) for (actor, to, _c, _a), frm in zip(
            moves, [S.DRAFT] + [m[1] for m in moves[:-1]], strict=True)]


# --------------------------------------------------------------------------------------------
# Every (state, move, role) of a report
# --------------------------------------------------------------------------------------------


def report_in(status, world, kind=ReportKind.PROGRESS, plan_status=S.IN_PROGRESS):
    """A report of an in-progress plan, filled in (so that it may be submitted)."""
    plan = plan_in(plan_status, world)
    plan.reports.all().delete()
    report = ReportFactory(plan=plan, kind=kind, status=status,
                           due_on=date.today() + timedelta(days=30))
    for measure in plan.measures.all():
        MeasureReport.objects.create(report=report, measure=measure,
                                     amount_spent=Decimal("1200"), narrative="Trois ateliers.")
        for indicator in measure.indicators.all():
            IndicatorResult.objects.create(report=report, indicator=indicator, value=35)
    return report


def report_snapshot(report):
    return (Report.objects.filter(pk=report.pk).values("status", "submitted_at",
                                                        "accepted_at", "narrative").get(),
            ActionPlan.objects.filter(pk=report.plan_id).values_list("status", flat=True).get(),
            list(PlanEvent.objects.filter(plan_id=report.plan_id).values_list("pk", flat=True)))


@pytest.mark.parametrize("kind", list(ACTORS))
@pytest.mark.parametrize("frm", ReportStatus.values)
def test_every_report_move_is_made_or_refused_as_the_table_says(world, frm, kind):
    actor = world["users"][ACTORS[kind]]
    report = report_in(frm, world)
    before = report_snapshot(report)

    for to in REPORT_TARGETS:
        expected = _outcome(frm, to, kind, EXPECTED_REPORT_MOVES)

        def check(to=to, expected=expected):
            where = f"report {frm} -> {to!r} by {kind}"
            call = lambda: services.report_transition(  # noqa: E731
                actor=actor, report_id=report.pk, to=to, comment=COMMENT)
            if expected == "not_found":
                with pytest.raises(Report.DoesNotExist):
                    call()
                assert report_snapshot(report) == before, where
            elif expected == "no_op":
                assert call().status == frm, where
                assert report_snapshot(report) == before, where
            elif expected == "refused":
                with pytest.raises(TransitionRefused) as exc:
                    call()
                assert str(ReportStatus(frm).label) in refused(exc.value), where
                assert report_snapshot(report) == before, where
            else:
                call()
                stored = Report.objects.get(pk=report.pk)
                assert stored.status == to, where
                events = list(PlanEvent.objects.filter(plan_id=report.plan_id)
                              .exclude(pk__in=before[2]))
                assert [(e.report_id, e.from_status, e.to_status, e.actor_id, e.comment)
                        for e in events] == [(report.pk, frm, to, actor.pk, COMMENT)], where
                if to == R.SUBMITTED:
                    assert stored.submitted_at is not None
                if to == R.ACCEPTED:
                    assert stored.accepted_at is not None
                # A progress report never closes the plan.
                assert ActionPlan.objects.get(pk=report.plan_id).status == S.IN_PROGRESS

        _undo(check)

    assert report_snapshot(report) == before


def test_accepting_the_final_report_closes_the_plan(world):
    report = report_in(R.SUBMITTED, world, kind=ReportKind.FINAL)
    adviser = world["users"]["adviser"]
    services.report_transition(actor=adviser, report_id=report.pk, to=R.ACCEPTED)
    plan = ActionPlan.objects.get(pk=report.plan_id)
    assert plan.status == S.CLOSED
    assert [(e.report_id, e.from_status, e.to_status) for e in plan.events.all()] == [
        (report.pk, R.SUBMITTED, R.ACCEPTED), (None, S.IN_PROGRESS, S.CLOSED)]


def test_asking_changes_to_a_report_needs_a_comment(world):
    report = report_in(R.SUBMITTED, world)
    before = report_snapshot(report)
    with pytest.raises(TransitionRefused) as exc:
        services.report_transition(actor=world["users"]["adviser"], report_id=report.pk,
                                   to=R.CHANGES_REQUESTED, comment="  ")
    assert exc.value.code == "comment_required"
    assert report_snapshot(report) == before


def test_an_unfinished_report_cannot_be_submitted_and_each_gap_is_named(world):
    report = report_in(R.EXPECTED, world)
    measure = report.plan.measures.get()
    report.measure_reports.update(narrative="")
    report.indicator_results.all().delete()
    before = report_snapshot(report)
    with pytest.raises(TransitionRefused) as exc:
        services.report_transition(actor=world["users"]["partner"], report_id=report.pk,
                                   to=R.SUBMITTED)
    assert exc.value.messages == [
        f"Measure “{measure.title}”: say what was done.",
        f"Measure “{measure.title}”: give the value reached for “Participants”.",
    ]
    assert report_snapshot(report) == before


@pytest.mark.parametrize("plan_status", [S.APPROVED, S.CLOSED, S.WITHDRAWN])
def test_a_report_moves_only_while_its_plan_is_in_progress(world, plan_status):
    report = report_in(R.EXPECTED, world, plan_status=plan_status)
    before = report_snapshot(report)
    with pytest.raises(TransitionRefused):
        services.report_transition(actor=world["users"]["partner"], report_id=report.pk,
                                   to=R.SUBMITTED)
    assert report_snapshot(report) == before
