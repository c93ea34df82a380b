"""The support-case workflow, as data: who may make each move, what it needs and what it sets.

``CASE_WORKFLOW`` (the engine is ``portal.workflow``) makes every status change, called by
``enterprises.services.case_transition``; pages show the buttons
``CASE_WORKFLOW.moves_for(user, case)`` returns. "Advisers" are the ministry's advisers and SIT
managers (who may do all their advisers do); the enterprise's users act for their enterprise.
Territory is not checked here: the engine reads the case through ``for_user``.
"""

from auditlog.context import set_actor
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from portal.business_days import add_business_days
from portal.workflow import Move, Need, TransitionRefused, Workflow, comment_needed

from . import tasks
from .models import OPEN_CASE_STATUSES, Case, CaseChecklistItem, CaseEvent, CaseStatus, Outcome

ENTERPRISE = frozenset({Role.PARTNER})
ADVISERS = frozenset({Role.ADVISER, Role.SIT_MANAGER})
#: The system actor (``None``): an email from a contact of the enterprise who has no account
#: (``enterprises.mail_cases``). It makes one move only: a reply resumes a waiting case.
#: (A named role, so a visitor with no role at all is never taken for it.)
SYSTEM = "email"
EMAIL = frozenset({SYSTEM})


def _role_of(actor):
    return SYSTEM if actor is None else getattr(actor, "role", None)

#: The only outcome an enterprise may give when it closes its own case.
ENTERPRISE_OUTCOMES = frozenset({"withdrawn"})
#: A new case is first followed up within this many business days; so is an open case whose
#: follow-up date has passed.
FIRST_FOLLOW_UP_BUSINESS_DAYS = 2


# --------------------------------------------------------------------------------------------
# What moves need
# --------------------------------------------------------------------------------------------

COMMENT = comment_needed(_("A comment is required for this step."))


def _adviser_serves(attempt):
    """The move names the adviser who takes the case: one who serves its territory."""
    from .permissions import can_be_assigned_cases  # permissions reads this module's roles

    adviser = attempt.inputs.get("adviser")
    if adviser is None:
        return TransitionRefused(gettext("Choose the adviser who takes the case."),
                                 code="adviser_required")
    if not can_be_assigned_cases(adviser) or not Case.objects.for_user(adviser).filter(
            pk=attempt.obj.pk).exists():
        return TransitionRefused(
            gettext("%(adviser)s does not serve this enterprise’s territory.")
            % {"adviser": adviser.get_full_name() or adviser.email}, code="adviser_outside")
    return None


def _outcome_given(attempt):
    outcome = attempt.inputs.get("outcome")
    if outcome not in Outcome.values:
        return TransitionRefused(gettext("Choose the outcome of the case."),
                                 code="outcome_required")
    if attempt.role == Role.PARTNER and outcome not in ENTERPRISE_OUTCOMES:
        return TransitionRefused(gettext("An enterprise may only withdraw its request."),
                                 code="outcome_not_allowed")
    if outcome == Outcome.MERGED:  # only ``enterprises.merging.case_merge`` closes so
        return TransitionRefused(gettext("A case is merged into another from the “Merge” "
                                         "page, not closed as merged."),
                                 code="outcome_merged")
    return None


def _not_merged(case, now):
    """A merged case stays closed: its content is on the case it was merged into."""
    if case.merged_into_id is not None:
        return [gettext("This case was merged into case %(number)s: work on that one.")
                % {"number": case.merged_into_id}]
    return []


def _withdrawal_reason_given(attempt):
    """The enterprise says why it withdraws its request (the comment of the history row)."""
    if attempt.role == Role.PARTNER and not attempt.comment:
        return TransitionRefused(gettext("Say why you withdraw your request."),
                                 code="reason_required")
    return None


def _follow_up_given(attempt):
    if attempt.inputs.get("next_follow_up") is None:
        return TransitionRefused(gettext("Give the date of the next follow-up."),
                                 code="follow_up_required")
    return None


def _follow_up_not_past(attempt):
    """Any move to an open status: a next follow-up date given is today or later."""
    given = attempt.inputs.get("next_follow_up")
    if attempt.to in OPEN_CASE_STATUSES and given is not None and given < attempt.today:
        return TransitionRefused(gettext("The next follow-up cannot be in the past."),
                                 code="follow_up_past")
    return None


def unticked_required_steps(case) -> int:
    """How many required steps of the case's checklist are not ticked."""
    return CaseChecklistItem.objects.filter(case_id=case.pk, required=True,
                                            done_at__isnull=True).count()


def _checklist_done_or_reason(attempt):
    """Closing as « resolved » with required steps of the checklist unticked: say why in the
    comment (``enterprises.checklists``)."""
    if attempt.inputs.get("outcome") != Outcome.RESOLVED or attempt.comment:
        return None
    count = unticked_required_steps(attempt.obj)
    if not count:
        return None
    return TransitionRefused(
        ngettext("%(count)d required step of the checklist is not ticked: say in the comment "
                 "why the case is resolved anyway.",
                 "%(count)d required steps of the checklist are not ticked: say in the comment "
                 "why the case is resolved anyway.", count) % {"count": count},
        code="checklist_reason_required")


ADVISER = Need("adviser", _adviser_serves)
OUTCOME = Need("outcome", _outcome_given)
#: The enterprise withdrawing its request gives its reason (staff closing: optional comment).
REASON = Need("reason", _withdrawal_reason_given)
#: Resolved with required checklist steps unticked: the comment says why.
CHECKLIST = Need("checklist", _checklist_done_or_reason)
#: The move sets the next follow-up date (required: every open case has one).
FOLLOW_UP = Need("follow_up", _follow_up_given)


# --------------------------------------------------------------------------------------------
# What moves set
# --------------------------------------------------------------------------------------------


def _assigned(attempt):
    return {"adviser": attempt.inputs.get("adviser")}


def _closed(attempt):
    return {"outcome": attempt.inputs.get("outcome"), "closed_at": attempt.now,
            "next_follow_up": None, "waiting_since": None}


def _reopened(attempt):
    return {"outcome": "", "closed_at": None}


def _kept_open(attempt):
    """An open case always has a next follow-up date: the one given, else the case's while
    it is not past, else two business days from today."""
    today = attempt.today
    follow_up = attempt.inputs.get("next_follow_up") or attempt.obj.next_follow_up
    if follow_up is None or follow_up < today:
        follow_up = add_business_days(today, FIRST_FOLLOW_UP_BUSINESS_DAYS)
    return {"next_follow_up": follow_up,
            "waiting_since": today if attempt.to == CaseStatus.WAITING else None}


def _worked_on(attempt):
    """The first contact is recorded once; staff who work on a case nobody has take it."""
    case, update = attempt.obj, {}
    if case.first_contact_at is None:
        update["first_contact_at"] = attempt.now
    if attempt.role in ADVISERS and case.adviser_id is None:
        update["adviser"] = attempt.actor
    return update


# --------------------------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------------------------

S = CaseStatus

# Closing: the adviser with an outcome; the enterprise may withdraw its request, saying why.
_CLOSE = Move(ADVISERS | ENTERPRISE, _("Close the case"), needs=(OUTCOME, REASON, CHECKLIST),
              effects=(_closed,))

TRANSITIONS: dict[tuple[str, str], Move] = {
    (S.NEW, S.ASSIGNED): Move(ADVISERS, _("Assign to an adviser"), needs=(ADVISER,),
                              effects=(_assigned, _kept_open)),
    (S.ASSIGNED, S.IN_PROGRESS): Move(ADVISERS, _("Record the first contact"),
                                      needs=(FOLLOW_UP,), effects=(_kept_open, _worked_on)),
    (S.IN_PROGRESS, S.WAITING): Move(ADVISERS, _("Wait for the enterprise"),
                                     needs=(COMMENT, FOLLOW_UP), effects=(_kept_open,)),
    (S.WAITING, S.IN_PROGRESS): Move(ADVISERS | ENTERPRISE | EMAIL, _("Resume the follow-up"),
                                     effects=(_kept_open, _worked_on)),
    (S.NEW, S.CLOSED): _CLOSE,
    (S.ASSIGNED, S.CLOSED): _CLOSE,
    (S.IN_PROGRESS, S.CLOSED): _CLOSE,
    (S.WAITING, S.CLOSED): _CLOSE,
    (S.CLOSED, S.IN_PROGRESS): Move(ADVISERS, _("Reopen the case"), needs=(COMMENT, FOLLOW_UP),
                                    guards=(_not_merged,),
                                    effects=(_reopened, _kept_open, _worked_on)),
}


def _case_event(attempt, update):
    return CaseEvent.objects.create(case=attempt.obj, adviser=update.get("adviser"),
                                    **attempt.history())


CASE_WORKFLOW = Workflow(
    model=Case, statuses=CaseStatus, table=TRANSITIONS, record=_case_event,
    notify=tasks.notify_case_event, context=set_actor, role_of=_role_of,
    checks=(Need("follow_up_date", _follow_up_not_past),),
    not_allowed=_("You cannot move a case from “%(from)s” to “%(to)s”."))
