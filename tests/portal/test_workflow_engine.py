"""The workflow engine (``portal.workflow``) on a tiny table of its own, over the action-plan
model: what ``moves_for`` offers and says, what ``apply`` writes, refuses and announces.

The apps' own tables are tested in tests/<app>/test_*workflow.py; here only the engine."""

from datetime import timedelta

import pytest
from celery import shared_task
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from portal.workflow import (
    Move,
    Need,
    TransitionRefused,
    Workflow,
    choice_label,
    comment_needed,
    require,
    stamp,
)
from programs.models import ActionPlan, PlanEvent, Status
from tests.factories.programs import ActionPlanFactory

pytestmark = pytest.mark.django_db

#: The history rows the notification task was run for (in the move's transaction).
told: list[int] = []


@shared_task
def tell(event_id: int) -> None:
    told.append(event_id)


@pytest.fixture(autouse=True)
def _nobody_told_yet():
    told.clear()
    yield
    told.clear()


# --------------------------------------------------------------------------------------------
# A throwaway table: draft -> submitted (a guard on the title) -> in review (needs a note);
# draft -> withdrawn (needs a comment, refused when the title says “frozen”).
# --------------------------------------------------------------------------------------------

guard_calls: list[int] = []


def title_guard(plan, now):
    guard_calls.append(plan.pk)
    return ["The title says it is blocked."] if "blocked" in plan.title else []


def note_given(attempt):
    if not attempt.inputs.get("note"):
        return TransitionRefused("Give a note.", code="note_required")
    return None


def not_frozen(attempt):
    if "frozen" in attempt.obj.title:
        return TransitionRefused("This plan is frozen.", code="frozen")
    return None


def take(attempt):
    return {"adviser": attempt.actor}


TABLE = {
    (Status.DRAFT, Status.SUBMITTED): Move(frozenset({"partner"}), "Send",
                                           guards=(title_guard,),
                                           effects=(stamp("submitted_at"),)),
    (Status.DRAFT, Status.WITHDRAWN): Move(
        frozenset({"partner"}), "Drop",
        needs=(comment_needed("Say why."), Need("thaw", not_frozen, about_state=True))),
    (Status.SUBMITTED, Status.IN_REVIEW): Move(frozenset({"adviser"}), "Take",
                                               needs=(Need("note", note_given),),
                                               effects=(take,)),
}


def record(attempt, update):
    return PlanEvent.objects.create(plan=attempt.obj, **attempt.history())


def workflow(**changes):
    values = {"model": ActionPlan, "statuses": Status, "table": TABLE, "record": record,
              "notify": tell, "not_allowed": "No move from “%(from)s” to “%(to)s”."}
    values.update(changes)
    return Workflow(**values)


WORKFLOW = workflow()


@pytest.fixture
def plan(world):
    guard_calls.clear()
    return ActionPlanFactory(organisation=world["orgs"]["tr"], title="Plan d’accueil")


def state(plan_id):
    """What a refused move must leave as it was."""
    return (ActionPlan.objects.filter(pk=plan_id).values().get(),
            list(PlanEvent.objects.filter(plan_id=plan_id).values_list("pk", flat=True)))


# --------------------------------------------------------------------------------------------
# The table as data
# --------------------------------------------------------------------------------------------


def test_a_move_says_which_needs_it_has_by_name():
    drop = TABLE[(Status.DRAFT, Status.WITHDRAWN)]
    assert drop.needs_comment is True and drop.needs_thaw is True
    assert drop.needs_amount is False
    assert TABLE[(Status.SUBMITTED, Status.IN_REVIEW)].needs_note is True
    with pytest.raises(AttributeError):
        drop.colour  # noqa: B018


def test_require_and_labels():
    require(True)
    with pytest.raises(PermissionDenied):
        require(False)
    assert choice_label(Status, Status.DRAFT) == Status.DRAFT.label
    assert choice_label(Status, "archived") == "archived"


# --------------------------------------------------------------------------------------------
# moves_for
# --------------------------------------------------------------------------------------------


def test_moves_for_offers_the_role_s_moves_from_the_status_in_the_table_s_order(world, plan):
    options = WORKFLOW.moves_for(world["users"]["partner"], plan)
    assert [(o.to, o.move.label) for o in options] == [
        (Status.SUBMITTED, "Send"), (Status.WITHDRAWN, "Drop")]
    assert WORKFLOW.moves_for(world["users"]["adviser"], plan) == []
    assert WORKFLOW.moves_for(None, plan) == []


def test_moves_for_says_what_is_missing_from_guards_and_state_needs(world, plan):
    partner = world["users"]["partner"]
    fine = {o.to: o for o in WORKFLOW.moves_for(partner, plan)}
    assert (fine[Status.SUBMITTED].allowed_now, fine[Status.SUBMITTED].missing) == (True, [])
    # The comment is an input the page asks for: not “missing” before the form is sent.
    assert (fine[Status.WITHDRAWN].allowed_now, fine[Status.WITHDRAWN].missing) == (True, [])

    plan.title = "blocked and frozen"
    options = {o.to: o for o in WORKFLOW.moves_for(partner, plan)}
    assert options[Status.SUBMITTED].allowed_now is False
    assert options[Status.SUBMITTED].missing == ["The title says it is blocked."]
    assert options[Status.WITHDRAWN].allowed_now is False
    assert options[Status.WITHDRAWN].missing == ["This plan is frozen."]


def test_moves_for_ignores_needs_on_inputs(world, plan):
    plan.status = Status.SUBMITTED
    (take,) = WORKFLOW.moves_for(world["users"]["adviser"], plan)
    assert (take.to, take.allowed_now, take.missing) == (Status.IN_REVIEW, True, [])


def test_moves_for_runs_the_guards_only_when_asked_and_once(world, plan):
    (send, _drop) = WORKFLOW.moves_for(world["users"]["partner"], plan)
    assert guard_calls == []
    assert send.allowed_now and send.missing == []
    assert guard_calls == [plan.pk]


def test_a_blocked_move_says_where_to_give_what_is_missing_and_apply_refuses_it_alike(
        world, plan):
    def where(user, obj):
        return ("Change the title", f"/plans/{obj.pk}/title/?by={user.pk}")

    table = {**TABLE, (Status.DRAFT, Status.SUBMITTED): Move(
        frozenset({"partner"}), "Send", guards=(title_guard,), next_step=where)}
    flow = workflow(table=table)
    partner = world["users"]["partner"]

    (send, _drop) = flow.moves_for(partner, plan)
    assert send.allowed_now and send.next_step is None  # nothing to do first

    plan.title = "blocked"
    plan.save()
    (send, _drop) = flow.moves_for(partner, plan)
    assert not send.allowed_now
    assert send.next_step == ("Change the title", f"/plans/{plan.pk}/title/?by={partner.pk}")
    with pytest.raises(TransitionRefused) as refusal:
        flow.apply(actor=partner, obj_id=plan.pk, to=Status.SUBMITTED)
    assert refusal.value.messages == send.missing
    # A move without a place to go says only what is missing.
    (plain_send, _drop) = WORKFLOW.moves_for(partner, plan)
    assert not plain_send.allowed_now and plain_send.next_step is None


def test_moves_for_applies_the_extra_actor_check(world, plan):
    locked = workflow(may_move=lambda actor, obj: "locked" not in obj.title)
    assert len(locked.moves_for(world["users"]["partner"], plan)) == 2
    plan.title = "locked"
    assert locked.moves_for(world["users"]["partner"], plan) == []


# --------------------------------------------------------------------------------------------
# apply
# --------------------------------------------------------------------------------------------


def test_a_move_sets_its_fields_writes_one_history_row_and_its_notices_in_one_transaction(
        world, plan, django_capture_on_commit_callbacks):
    partner = world["users"]["partner"]
    before = ActionPlan.objects.get(pk=plan.pk)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        moved = WORKFLOW.apply(actor=partner, obj_id=plan.pk, to=Status.SUBMITTED,
                               comment="  Voilà.  ")
    stored = ActionPlan.objects.get(pk=plan.pk)
    assert moved.status == stored.status == Status.SUBMITTED
    assert stored.submitted_at is not None and stored.updated_at > before.updated_at
    (event,) = PlanEvent.objects.filter(plan=plan)
    assert (event.from_status, event.to_status, event.actor, event.comment) == (
        Status.DRAFT, Status.SUBMITTED, partner, "Voilà.")
    assert event.created_at == stored.submitted_at
    assert callbacks == []  # nothing waits for the commit, nothing goes through a broker
    assert told == [event.pk]


def test_a_move_rolled_back_after_it_was_made_leaves_neither_history_nor_notice(world, plan):
    """The notices are written with the move: a request that fails after the move undoes
    both, and a committed move always has its notices."""
    partner = world["users"]["partner"]
    with pytest.raises(RuntimeError), transaction.atomic():
        WORKFLOW.apply(actor=partner, obj_id=plan.pk, to=Status.SUBMITTED, comment="Voilà.")
        raise RuntimeError("the request failed after the move")
    assert ActionPlan.objects.get(pk=plan.pk).status == Status.DRAFT
    assert not PlanEvent.objects.filter(plan=plan).exists()


def test_the_effects_see_the_actor_and_the_inputs(world, plan,
                                                  django_capture_on_commit_callbacks):
    ActionPlan.objects.filter(pk=plan.pk).update(status=Status.SUBMITTED)
    adviser = world["users"]["adviser"]
    with django_capture_on_commit_callbacks(execute=True):
        WORKFLOW.apply(actor=adviser, obj_id=plan.pk, to=Status.IN_REVIEW, note="ok")
    assert ActionPlan.objects.get(pk=plan.pk).adviser == adviser


def test_moving_to_the_current_status_does_nothing(world, plan,
                                                   django_capture_on_commit_callbacks):
    before = state(plan.pk)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        result = WORKFLOW.apply(actor=world["users"]["partner"], obj_id=plan.pk,
                                to=Status.DRAFT)
    assert result.status == Status.DRAFT
    assert state(plan.pk) == before
    assert callbacks == []


REFUSALS = [
    # (who, status, to, inputs, code, message)
    ("adviser", Status.DRAFT, Status.SUBMITTED, {}, "not_allowed",
     lambda: f"No move from “{Status.DRAFT.label}” to “{Status.SUBMITTED.label}”."),
    ("partner", Status.DRAFT, "archived", {}, "not_allowed",
     lambda: f"No move from “{Status.DRAFT.label}” to “archived”."),
    ("partner", Status.DRAFT, Status.WITHDRAWN, {"comment": "   "}, "comment_required",
     lambda: "Say why."),
    ("adviser", Status.SUBMITTED, Status.IN_REVIEW, {"note": ""}, "note_required",
     lambda: "Give a note."),
]


@pytest.mark.parametrize("who,status,to,inputs,code,message", REFUSALS)
def test_a_refused_move_says_why_and_changes_nothing(
        world, plan, django_capture_on_commit_callbacks, who, status, to, inputs, code,
        message):
    # Help asked: the draft is the ministry's to read too (a private draft is not even found,
    # below), so the table's refusal is what answers.
    ActionPlan.objects.filter(pk=plan.pk).update(status=status, help_requested_at=timezone.now())
    before = state(plan.pk)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, \
            pytest.raises(TransitionRefused) as exc:
        WORKFLOW.apply(actor=world["users"][who], obj_id=plan.pk, to=to, **inputs)
    assert exc.value.code == code
    assert exc.value.messages == [message()]  # the labels in the language of the move
    assert state(plan.pk) == before
    assert callbacks == []  # nothing left to run (nor to send) after a rolled-back move


def test_a_private_draft_is_not_found_by_staff_like_a_plan_that_does_not_exist(world, plan):
    before = state(plan.pk)
    for who in ("adviser", "sit_manager", "admin"):
        with pytest.raises(ActionPlan.DoesNotExist):
            WORKFLOW.apply(actor=world["users"][who], obj_id=plan.pk, to=Status.SUBMITTED)
    assert state(plan.pk) == before


def test_guards_name_every_problem_at_once(world, plan):
    ActionPlan.objects.filter(pk=plan.pk).update(title="blocked")
    before = state(plan.pk)
    two_guards = workflow(table={(Status.DRAFT, Status.SUBMITTED): Move(
        frozenset({"partner"}), "Send",
        guards=(title_guard, lambda plan, now: ["Another problem."]))})
    with pytest.raises(TransitionRefused) as exc:
        two_guards.apply(actor=world["users"]["partner"], obj_id=plan.pk, to=Status.SUBMITTED)
    assert [error.code for error in exc.value.error_list] == ["incomplete", "incomplete"]
    assert exc.value.messages == ["The title says it is blocked.", "Another problem."]
    assert state(plan.pk) == before


def test_the_extra_actor_check_refuses_as_not_allowed(world, plan):
    ActionPlan.objects.filter(pk=plan.pk).update(title="locked")
    locked = workflow(may_move=lambda actor, obj: "locked" not in obj.title)
    with pytest.raises(TransitionRefused) as exc:
        locked.apply(actor=world["users"]["partner"], obj_id=plan.pk, to=Status.SUBMITTED)
    assert exc.value.code == "not_allowed"


def test_a_plan_outside_the_actor_s_scope_does_not_exist(world, plan):
    before = state(plan.pk)
    for who in ("partner_gatineau", "adviser_gatineau"):
        with pytest.raises(ActionPlan.DoesNotExist):
            WORKFLOW.apply(actor=world["users"][who], obj_id=plan.pk, to=Status.SUBMITTED)
    assert state(plan.pk) == before


def test_the_system_actor_reads_every_row(world, plan, django_capture_on_commit_callbacks):
    swept = workflow(
        role_of=lambda actor: "system" if actor is None else actor.role,
        table={(Status.DRAFT, Status.WITHDRAWN): Move(frozenset({"system"}), "Sweep")},
        record=lambda attempt, update: PlanEvent.objects.create(
            plan=attempt.obj, **{**attempt.history(), "actor": attempt.obj.created_by}))
    with django_capture_on_commit_callbacks(execute=True):
        swept.apply(actor=None, obj_id=plan.pk, to=Status.WITHDRAWN)
    assert ActionPlan.objects.get(pk=plan.pk).status == Status.WITHDRAWN


def test_what_follows_a_move_is_in_the_same_transaction(world, plan,
                                                        django_capture_on_commit_callbacks):
    def then_fail(attempt):
        assert PlanEvent.objects.filter(plan_id=attempt.obj.pk).count() == 1
        raise TransitionRefused("The follow-up failed.", code="then_failed")

    chained = workflow(table={(Status.DRAFT, Status.SUBMITTED): Move(
        frozenset({"partner"}), "Send", then=then_fail)})
    before = state(plan.pk)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, \
            pytest.raises(TransitionRefused):
        chained.apply(actor=world["users"]["partner"], obj_id=plan.pk, to=Status.SUBMITTED)
    assert state(plan.pk) == before
    assert callbacks == []  # nothing left to run (nor to send) after a rolled-back move


def test_the_time_and_the_day_given_are_the_ones_used(world, plan,
                                                      django_capture_on_commit_callbacks):
    seen = []
    when = ActionPlan.objects.get(pk=plan.pk).created_at + timedelta(hours=1)
    dated = workflow(table={(Status.DRAFT, Status.SUBMITTED): Move(
        frozenset({"partner"}), "Send",
        needs=(Need("day", lambda attempt: seen.append((attempt.now, attempt.today))),),
        effects=(stamp("submitted_at"),))})
    day = when.date() + timedelta(days=3)
    with django_capture_on_commit_callbacks(execute=True):
        dated.apply(actor=world["users"]["partner"], obj_id=plan.pk, to=Status.SUBMITTED,
                    now=when, today=day)
    assert seen == [(when, day)]
    assert ActionPlan.objects.get(pk=plan.pk).submitted_at == when
