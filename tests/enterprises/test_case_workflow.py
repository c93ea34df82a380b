"""The support-case workflow: every (state, move, role) combination.

Each case starts directly in the state under test (built as the moves that led there would
leave it) and every target is tried inside a savepoint that is rolled back, so the whole
matrix runs in seconds. The expected table below is written from the issue, not read from
``enterprises.workflow``: new -> assigned (to the office serving the enterprise, then to an
adviser by the office or the SIT) -> in progress -> waiting on the enterprise -> in progress
... -> closed with an outcome (resolved, referred, no response, withdrawn); reopen allowed.
"""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from accounts.models import Role
from enterprises import services
from enterprises.models import OPEN_CASE_STATUSES, Case, CaseEvent, CaseStatus, Outcome
from enterprises.services import TransitionRefused
from enterprises.workflow import CASE_WORKFLOW, TRANSITIONS
from portal.business_days import add_business_days
from tests.factories.accounts import StaffFactory
from tests.factories.enterprises import CaseFactory, EnterpriseFactory
from tests.factories.partners import PartnerUserFactory


@pytest.fixture(autouse=True)
def _messages_in_english():
    """The assertions below read the English messages; French is checked where it matters."""
    with translation.override("en"):
        yield


pytestmark = pytest.mark.django_db

S = CaseStatus

# The six kinds of people who may try a move on a case of an enterprise of Trois-Rivières.
KINDS = ["enterprise", "adviser", "sit_manager", "admin", "enterprise_elsewhere",
         "adviser_elsewhere"]
OUT_OF_SCOPE = {"enterprise_elsewhere", "adviser_elsewhere"}
IN_SCOPE = [kind for kind in KINDS if kind not in OUT_OF_SCOPE]

ENTERPRISE = {"enterprise"}
ADVISERS = {"adviser", "sit_manager"}  # a SIT manager may do what the SIT's advisers do
ROLE_OF_KIND = {"enterprise": Role.PARTNER, "adviser": Role.ADVISER,
                "sit_manager": Role.SIT_MANAGER, "admin": Role.ADMIN}

OPEN = [S.NEW, S.ASSIGNED, S.IN_PROGRESS, S.WAITING]
#: (from, to) -> who may make the move, as the issue describes the workflow. The central
#: administrator sees every case but follows none (as for action plans).
EXPECTED_MOVES = {
    (S.NEW, S.ASSIGNED): ADVISERS,
    (S.ASSIGNED, S.IN_PROGRESS): ADVISERS,
    (S.IN_PROGRESS, S.WAITING): ADVISERS,
    # The enterprise answers (a reply in the portal resumes the follow-up).
    (S.WAITING, S.IN_PROGRESS): ADVISERS | ENTERPRISE,
    # Any open case may be closed with an outcome; the enterprise may withdraw its request.
    **{(frm, S.CLOSED): ADVISERS | ENTERPRISE for frm in OPEN},
    # Reopen.
    (S.CLOSED, S.IN_PROGRESS): ADVISERS,
}
#: Waiting says what is awaited; reopening says why.
NEEDS_COMMENT = {(S.IN_PROGRESS, S.WAITING), (S.CLOSED, S.IN_PROGRESS)}
NEEDS_OUTCOME = {(frm, S.CLOSED) for frm in OPEN}
NEEDS_ADVISER = {(S.NEW, S.ASSIGNED)}
#: Every open case has a next follow-up date: the moves that start a new stretch of work set it.
NEEDS_FOLLOW_UP = {(S.ASSIGNED, S.IN_PROGRESS), (S.IN_PROGRESS, S.WAITING),
                   (S.CLOSED, S.IN_PROGRESS)}

NONSENSE = ["archived", "NEW", ""]
TARGETS = [*S.values, *NONSENSE]

COMMENT = "Nous attendons la liste des postes signée."


class _Rollback(Exception):
    """Raised to undo one try of the matrix."""


def _undo(check):
    try:
        with transaction.atomic():
            check()
            raise _Rollback
    except _Rollback:
        pass


def _outcome(frm, to, kind):
    if kind in OUT_OF_SCOPE:
        return "not_found"
    if frm == to:
        return "no_op"
    if kind in EXPECTED_MOVES.get((frm, to), set()):
        return "moves"
    return "refused"


def refused(exc) -> str:
    return " ".join(exc.messages)


# --------------------------------------------------------------------------------------------
# The people and a case in each state
# --------------------------------------------------------------------------------------------


@pytest.fixture
def people(world):
    """Who acts on the cases of an enterprise served by Trois-Rivières."""
    u = world["users"]
    tr = world["offices"]["tr"]
    mine = EnterpriseFactory(organisation__office=tr, organisation__name="Usinage Mauricie")
    other = EnterpriseFactory(organisation__office=tr, organisation__name="Meubles Laviolette")
    return {
        "org": mine.organisation,
        "enterprise": PartnerUserFactory(organisation=mine.organisation),
        "adviser": u["adviser"],
        "sit_manager": u["sit_manager"],
        "admin": u["admin"],
        "enterprise_elsewhere": PartnerUserFactory(organisation=other.organisation),
        "adviser_elsewhere": u["adviser_gatineau"],
        # The adviser who takes the cases assigned in these tests.
        "colleague": StaffFactory(role="adviser", offices=[tr], first_name="Julie",
                                  last_name="Gagnon"),
    }


def case_in(status, people, **kwargs):
    """A case of the enterprise in ``status``, as the moves that led there leave it."""
    today = timezone.localdate()
    opened = timezone.now() - timedelta(days=20)
    values = {"organisation": people["org"], "status": status, "opened_at": opened,
              "next_follow_up": today + timedelta(days=3)}
    if status != S.NEW:
        values["adviser"] = people["adviser"]
    if status in (S.IN_PROGRESS, S.WAITING, S.CLOSED):
        values["first_contact_at"] = opened + timedelta(days=1)
    if status == S.WAITING:
        values["waiting_since"] = today - timedelta(days=4)
    if status == S.CLOSED:
        values.update(outcome=Outcome.RESOLVED, closed_at=opened + timedelta(days=9),
                      next_follow_up=None)
    values.update(kwargs)
    return CaseFactory(**values)


CASE_FIELDS = ["status", "outcome", "adviser_id", "next_follow_up", "waiting_since",
               "opened_at", "first_contact_at", "closed_at", "updated_at"]


def snapshot(case_id):
    """Everything a refused move must leave as it was."""
    return (Case.objects.filter(pk=case_id).values(*CASE_FIELDS).get(),
            list(CaseEvent.objects.filter(case_id=case_id).values_list("pk", flat=True)))


# --------------------------------------------------------------------------------------------
# The table itself
# --------------------------------------------------------------------------------------------


def test_the_workflow_table_is_the_one_the_issue_describes():
    assert {key: {kind for kind, role in ROLE_OF_KIND.items() if role in move.roles}
            for key, move in TRANSITIONS.items()} == EXPECTED_MOVES
    assert {key for key, move in TRANSITIONS.items() if move.needs_comment} == NEEDS_COMMENT
    assert {key for key, move in TRANSITIONS.items() if move.needs_outcome} == NEEDS_OUTCOME
    assert {key for key, move in TRANSITIONS.items() if move.needs_adviser} == NEEDS_ADVISER
    assert {key for key, move in TRANSITIONS.items()
            if move.needs_follow_up} == NEEDS_FOLLOW_UP


def test_every_status_is_reachable_and_every_open_status_can_be_closed():
    reached = {S.NEW} | {to for (_frm, to) in EXPECTED_MOVES}
    assert reached == set(S.values)
    assert {frm for (frm, to) in EXPECTED_MOVES if to == S.CLOSED} == set(OPEN_CASE_STATUSES)


# --------------------------------------------------------------------------------------------
# Every (state, move, role)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("frm", S.values)
def test_every_case_move_is_made_or_refused_as_the_table_says(people, frm, kind):
    actor = people[kind]
    case = case_in(frm, people)
    before = snapshot(case.pk)
    now = timezone.now()
    today = timezone.localdate(now)
    follow_up = today + timedelta(days=14)
    outcome = Outcome.WITHDRAWN if kind == "enterprise" else Outcome.REFERRED

    for to in TARGETS:
        expected = _outcome(frm, to, kind)

        def check(to=to, expected=expected):
            where = f"{frm} -> {to!r} by {kind}"
            call = lambda: services.case_transition(  # noqa: E731
                actor=actor, case_id=case.pk, to=to, comment=COMMENT, outcome=outcome,
                adviser=people["colleague"], next_follow_up=follow_up, now=now)
            if expected == "not_found":
                with pytest.raises(Case.DoesNotExist):
                    call()
                assert snapshot(case.pk) == before, where
            elif expected == "no_op":
                assert call().status == frm, where
                assert snapshot(case.pk) == before, f"{where}: a no-op wrote something"
            elif expected == "refused":
                with pytest.raises(TransitionRefused) as exc:
                    call()
                message = refused(exc.value)
                assert exc.value.code == "not_allowed", where
                assert str(S(frm).label) in message, (where, message)
                assert str(S(to).label if to in S.values else to) in message, (where, message)
                assert snapshot(case.pk) == before, f"{where}: a refused move changed data"
            else:
                result = call()
                stored = Case.objects.get(pk=case.pk)
                old = before[0]
                assert result.status == stored.status == to, where
                events = list(CaseEvent.objects.filter(case=case).exclude(pk__in=before[1]))
                assert len(events) == 1, f"{where}: {len(events)} history rows"
                event = events[0]
                assigned = people["colleague"].pk if (frm, to) in NEEDS_ADVISER else None
                assert (event.from_status, event.to_status, event.actor_id, event.comment,
                        event.adviser_id, event.created_at) == (
                    frm, to, actor.pk, COMMENT, assigned, now), where
                assert stored.adviser_id == (assigned or old["adviser_id"]), where
                if to == S.CLOSED:
                    assert (stored.outcome, stored.closed_at, stored.next_follow_up,
                            stored.waiting_since) == (outcome, now, None, None), where
                else:
                    assert (stored.outcome, stored.closed_at) == ("", None), where
                    assert stored.next_follow_up == follow_up, where
                    assert stored.waiting_since == (today if to == S.WAITING else None), where
                # The first contact is recorded once, and kept.
                contact = old["first_contact_at"] or (now if to == S.IN_PROGRESS else None)
                assert stored.first_contact_at == contact, where
                assert stored.opened_at == old["opened_at"], where

        _undo(check)

    assert snapshot(case.pk) == before


@pytest.mark.parametrize("kind", IN_SCOPE)
@pytest.mark.parametrize("frm", S.values)
def test_the_buttons_offered_are_exactly_the_moves_allowed(people, frm, kind):
    case = case_in(frm, people)
    offered = {option.to for option in CASE_WORKFLOW.moves_for(people[kind], case)}
    assert offered == {to for (f, to), kinds in EXPECTED_MOVES.items()
                       if f == frm and kind in kinds}


def test_an_anonymous_visitor_is_offered_no_move(people):
    from django.contrib.auth.models import AnonymousUser

    assert CASE_WORKFLOW.moves_for(AnonymousUser(), case_in(S.WAITING, people)) == []


# --------------------------------------------------------------------------------------------
# What each move needs
# --------------------------------------------------------------------------------------------


def _valid(frm, to, people, **changes):
    """The arguments that make the move (frm, to) by the office's adviser succeed."""
    values = {"actor": people["adviser"], "to": to, "comment": COMMENT,
              "outcome": Outcome.RESOLVED, "adviser": people["colleague"],
              "next_follow_up": timezone.localdate() + timedelta(days=7)}
    values.update(changes)
    return values


@pytest.mark.parametrize("comment", ["", "   \n "])
@pytest.mark.parametrize("frm,to", sorted(NEEDS_COMMENT))
def test_a_move_that_needs_a_comment_is_refused_without_one(people, frm, to, comment):
    case = case_in(frm, people)
    before = snapshot(case.pk)
    with pytest.raises(TransitionRefused) as exc:
        services.case_transition(case_id=case.pk, **_valid(frm, to, people, comment=comment))
    assert exc.value.code == "comment_required"
    assert "comment is required" in refused(exc.value)
    assert snapshot(case.pk) == before


@pytest.mark.parametrize("outcome", ["", "great", "WITHDRAWN"])
@pytest.mark.parametrize("frm", OPEN)
def test_closing_needs_a_known_outcome(people, frm, outcome):
    case = case_in(frm, people)
    before = snapshot(case.pk)
    with pytest.raises(TransitionRefused) as exc:
        services.case_transition(case_id=case.pk,
                                 **_valid(frm, S.CLOSED, people, outcome=outcome))
    assert exc.value.code == "outcome_required"
    assert "Choose the outcome" in refused(exc.value)
    assert snapshot(case.pk) == before


@pytest.mark.parametrize("outcome", Outcome.values)
@pytest.mark.parametrize("frm", OPEN)
def test_the_enterprise_may_close_its_case_only_by_withdrawing_it(people, frm, outcome):
    case = case_in(frm, people)
    before = snapshot(case.pk)
    call = lambda: services.case_transition(  # noqa: E731
        actor=people["enterprise"], case_id=case.pk, to=S.CLOSED, outcome=outcome,
        comment="Nous avons trouvé une autre solution.")
    if outcome == Outcome.WITHDRAWN:
        call()
        stored = Case.objects.get(pk=case.pk)
        assert (stored.status, stored.outcome) == (S.CLOSED, Outcome.WITHDRAWN)
        assert stored.closed_at is not None and stored.next_follow_up is None
    else:
        with pytest.raises(TransitionRefused) as exc:
            call()
        assert exc.value.code == "outcome_not_allowed"
        assert "may only withdraw" in refused(exc.value)
        assert snapshot(case.pk) == before


@pytest.mark.parametrize("outcome", Outcome.values)
def test_an_adviser_may_close_with_any_outcome_but_merged(people, outcome):
    """“Merged” is the merge's own outcome (enterprises.merging): closing refuses it."""
    case = case_in(S.IN_PROGRESS, people)
    call = lambda: services.case_transition(  # noqa: E731
        case_id=case.pk, **_valid(S.IN_PROGRESS, S.CLOSED, people, outcome=outcome))
    if outcome == Outcome.MERGED:
        before = snapshot(case.pk)
        with pytest.raises(TransitionRefused) as exc:
            call()
        assert exc.value.code == "outcome_merged"
        assert snapshot(case.pk) == before
        return
    call()
    assert Case.objects.get(pk=case.pk).outcome == outcome


def test_assigning_needs_an_adviser(people):
    case = case_in(S.NEW, people)
    before = snapshot(case.pk)
    with pytest.raises(TransitionRefused) as exc:
        services.case_transition(case_id=case.pk,
                                 **_valid(S.NEW, S.ASSIGNED, people, adviser=None))
    assert exc.value.code == "adviser_required"
    assert "Choose the adviser" in refused(exc.value)
    assert snapshot(case.pk) == before


def test_a_case_is_not_assigned_to_an_adviser_of_another_territory(people):
    case = case_in(S.NEW, people)
    before = snapshot(case.pk)
    elsewhere = people["adviser_elsewhere"]
    for actor in (people["adviser"], people["sit_manager"]):
        with pytest.raises(TransitionRefused) as exc:
            services.case_transition(case_id=case.pk, **_valid(
                S.NEW, S.ASSIGNED, people, actor=actor, adviser=elsewhere))
        assert exc.value.code == "adviser_outside"
        assert f"{elsewhere.get_full_name()} does not serve" in refused(exc.value)
    assert snapshot(case.pk) == before


@pytest.mark.parametrize("who", ["enterprise", "admin", "inactive"])
def test_a_case_is_assigned_only_to_an_active_adviser_or_sit_manager(people, world, who):
    if who == "inactive":
        assignee = StaffFactory(role="adviser", offices=[world["offices"]["tr"]],
                                is_active=False)
    else:
        assignee = people[who]
    case = case_in(S.NEW, people)
    before = snapshot(case.pk)
    with pytest.raises(TransitionRefused) as exc:
        services.case_transition(case_id=case.pk,
                                 **_valid(S.NEW, S.ASSIGNED, people, adviser=assignee))
    assert exc.value.code == "adviser_outside"
    assert snapshot(case.pk) == before


def test_the_sit_manager_may_take_a_case_of_the_sit(people):
    case = case_in(S.NEW, people)
    services.case_transition(case_id=case.pk, **_valid(
        S.NEW, S.ASSIGNED, people, actor=people["sit_manager"], adviser=people["sit_manager"]))
    assert Case.objects.get(pk=case.pk).adviser == people["sit_manager"]


@pytest.mark.parametrize("frm,to", sorted(NEEDS_FOLLOW_UP))
def test_a_move_that_needs_a_follow_up_date_is_refused_without_one(people, frm, to):
    case = case_in(frm, people)
    before = snapshot(case.pk)
    with pytest.raises(TransitionRefused) as exc:
        services.case_transition(case_id=case.pk,
                                 **_valid(frm, to, people, next_follow_up=None))
    assert exc.value.code == "follow_up_required"
    assert "date of the next follow-up" in refused(exc.value)
    assert snapshot(case.pk) == before


@pytest.mark.parametrize("frm,to", sorted(NEEDS_FOLLOW_UP))
def test_a_follow_up_date_in_the_past_is_refused(people, frm, to):
    case = case_in(frm, people)
    before = snapshot(case.pk)
    yesterday = timezone.localdate() - timedelta(days=1)
    with pytest.raises(TransitionRefused) as exc:
        services.case_transition(case_id=case.pk,
                                 **_valid(frm, to, people, next_follow_up=yesterday))
    assert exc.value.code == "follow_up_past"
    assert "cannot be in the past" in refused(exc.value)
    assert snapshot(case.pk) == before


def test_resuming_keeps_the_follow_up_date_when_none_is_given(people):
    due = timezone.localdate() + timedelta(days=5)
    case = case_in(S.WAITING, people, next_follow_up=due)
    services.case_transition(actor=people["enterprise"], case_id=case.pk, to=S.IN_PROGRESS)
    stored = Case.objects.get(pk=case.pk)
    assert (stored.status, stored.next_follow_up, stored.waiting_since) == (
        S.IN_PROGRESS, due, None)


def test_resuming_an_overdue_case_gives_it_a_new_follow_up_date(people):
    case = case_in(S.WAITING, people, next_follow_up=timezone.localdate() - timedelta(days=3))
    services.case_transition(actor=people["enterprise"], case_id=case.pk, to=S.IN_PROGRESS)
    assert Case.objects.get(pk=case.pk).next_follow_up == add_business_days(
        timezone.localdate(), 2)


def test_the_enterprise_resuming_its_case_does_not_become_its_adviser(people):
    case = case_in(S.WAITING, people)
    services.case_transition(actor=people["enterprise"], case_id=case.pk, to=S.IN_PROGRESS)
    assert Case.objects.get(pk=case.pk).adviser == people["adviser"]


# --------------------------------------------------------------------------------------------
# Reopening, first contact, the follow-up date always set
# --------------------------------------------------------------------------------------------


def test_reopening_clears_the_outcome_and_closing_date_and_keeps_the_first_contact(people):
    case = case_in(S.CLOSED, people)
    first_contact = case.first_contact_at
    due = timezone.localdate() + timedelta(days=10)
    services.case_transition(actor=people["adviser"], case_id=case.pk, to=S.IN_PROGRESS,
                             comment="L’entreprise a rappelé.", next_follow_up=due)
    stored = Case.objects.get(pk=case.pk)
    assert (stored.status, stored.outcome, stored.closed_at, stored.next_follow_up) == (
        S.IN_PROGRESS, "", None, due)
    assert stored.first_contact_at == first_contact
    assert stored.time_to_close is None
    event = stored.events.get()
    assert (event.from_status, event.to_status, event.comment) == (
        S.CLOSED, S.IN_PROGRESS, "L’entreprise a rappelé.")


def test_the_enterprise_cannot_reopen_its_case(people):
    case = case_in(S.CLOSED, people, outcome=Outcome.WITHDRAWN)
    before = snapshot(case.pk)
    with pytest.raises(TransitionRefused):
        services.case_transition(actor=people["enterprise"], case_id=case.pk,
                                 to=S.IN_PROGRESS, comment="Finalement, oui.",
                                 next_follow_up=timezone.localdate() + timedelta(days=3))
    assert snapshot(case.pk) == before


def test_the_first_contact_is_recorded_once_and_the_times_are_measured(people):
    adviser, enterprise = people["adviser"], people["enterprise"]
    opened = timezone.now() - timedelta(days=6)
    case = case_in(S.NEW, people, opened_at=opened)
    day = timedelta(days=1)
    later = timezone.localdate() + timedelta(days=30)
    steps = [
        (adviser, S.ASSIGNED, {"adviser": adviser}, opened + day),
        (adviser, S.IN_PROGRESS, {"next_follow_up": later}, opened + 2 * day),
        (adviser, S.WAITING, {"comment": COMMENT, "next_follow_up": later}, opened + 3 * day),
        (enterprise, S.IN_PROGRESS, {}, opened + 4 * day),
        (adviser, S.CLOSED, {"outcome": Outcome.RESOLVED}, opened + 5 * day),
    ]
    for actor, to, extra, when in steps:
        services.case_transition(actor=actor, case_id=case.pk, to=to, now=when, **extra)
    case.refresh_from_db()
    assert case.first_contact_at == opened + 2 * day
    assert case.time_to_first_contact == 2 * day
    assert case.time_to_close == 5 * day
    services.case_transition(actor=adviser, case_id=case.pk, to=S.IN_PROGRESS,
                             comment="Nouveau besoin.", next_follow_up=later)
    case.refresh_from_db()
    assert case.first_contact_at == opened + 2 * day
    assert case.time_to_first_contact == 2 * day


def test_the_whole_journey_keeps_a_follow_up_date_while_open_and_one_row_per_move(people):
    u = people
    case = case_in(S.NEW, people)
    later = timezone.localdate() + timedelta(days=10)
    moves = [
        (u["sit_manager"], S.ASSIGNED, {"adviser": u["adviser"]}),
        (u["adviser"], S.IN_PROGRESS, {"next_follow_up": later}),
        (u["adviser"], S.WAITING, {"comment": COMMENT, "next_follow_up": later}),
        (u["enterprise"], S.IN_PROGRESS, {}),
        (u["adviser"], S.WAITING, {"comment": "Encore un document.", "next_follow_up": later}),
        (u["adviser"], S.IN_PROGRESS, {}),
        (u["adviser"], S.CLOSED, {"outcome": Outcome.REFERRED}),
        (u["adviser"], S.IN_PROGRESS, {"comment": "Rouvert.", "next_follow_up": later}),
        (u["enterprise"], S.CLOSED, {"outcome": Outcome.WITHDRAWN,
                                     "comment": "Nous n’en avons plus besoin."}),
    ]
    previous = S.NEW
    for actor, to, extra in moves:
        services.case_transition(actor=actor, case_id=case.pk, to=to, **extra)
        case.refresh_from_db()
        assert case.status == to
        if case.is_open:
            assert case.next_follow_up is not None and case.outcome == ""
        else:
            assert case.next_follow_up is None and case.outcome
        previous = to
    assert previous == S.CLOSED
    assert [(e.from_status, e.to_status, e.actor_id) for e in case.events.all()] == [
        (frm, to, actor.pk) for (actor, to, _extra), frm in zip(
            moves, [S.NEW] + [m[1] for m in moves[:-1]], strict=True)]
    assert case.events.first().adviser == u["adviser"]


@pytest.mark.parametrize("frm", OPEN)
def test_the_database_refuses_an_open_case_without_a_follow_up_date(people, frm):
    case = case_in(frm, people)
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(next_follow_up=None)
    assert Case.objects.get(pk=case.pk).next_follow_up is not None


@pytest.mark.parametrize("change", [
    {"outcome": ""},                       # closed without an outcome
    {"closed_at": None},                   # closed without a date
    {"status": S.IN_PROGRESS},             # open with an outcome
    {"status": "archived"},                # unknown status
    {"outcome": "great"},                  # unknown outcome
])
def test_the_database_keeps_status_outcome_and_dates_consistent(people, change):
    case = case_in(S.CLOSED, people)
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(**change)


# --------------------------------------------------------------------------------------------
# Messages
# --------------------------------------------------------------------------------------------


def test_the_refusal_speaks_french_by_default(people):
    case = case_in(S.NEW, people)
    with translation.override("fr-ca"), pytest.raises(TransitionRefused) as exc:
        services.case_transition(actor=people["enterprise"], case_id=case.pk, to=S.WAITING)
    assert exc.value.messages == [
        "Vous ne pouvez pas faire passer un dossier de « Nouveau » à « En attente de "
        "l’entreprise »."]
