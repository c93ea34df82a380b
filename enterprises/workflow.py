"""The support-case workflow, as data: who may make each move, and what it needs.

``enterprises.services.case_transition`` is the only function that changes a case's status;
pages show the buttons ``available_case_moves(user, case)`` returns. "Advisers" are the
ministry's advisers and SIT managers (who may do all their advisers do); the enterprise's users
act for their enterprise. Territory is not checked here: the case was read through
``for_user``.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from accounts.models import Role

from .models import CaseStatus

ENTERPRISE = frozenset({Role.PARTNER})
ADVISERS = frozenset({Role.ADVISER, Role.SIT_MANAGER})


@dataclass(frozen=True)
class Move:
    roles: frozenset
    label: str
    needs_comment: bool = False
    needs_outcome: bool = False
    #: The move names the adviser who takes the case.
    needs_adviser: bool = False
    #: The move sets the next follow-up date (required: every open case has one).
    needs_follow_up: bool = False


S = CaseStatus

TRANSITIONS: dict[tuple[str, str], Move] = {
    (S.NEW, S.ASSIGNED): Move(ADVISERS, _("Assign to an adviser"), needs_adviser=True),
    (S.ASSIGNED, S.IN_PROGRESS): Move(ADVISERS, _("Record the first contact"),
                                      needs_follow_up=True),
    (S.IN_PROGRESS, S.WAITING): Move(ADVISERS, _("Wait for the enterprise"),
                                     needs_comment=True, needs_follow_up=True),
    (S.WAITING, S.IN_PROGRESS): Move(ADVISERS | ENTERPRISE, _("Resume the follow-up"),
                                     needs_follow_up=False),
    # Closing: the adviser with an outcome; the enterprise may withdraw its request.
    (S.NEW, S.CLOSED): Move(ADVISERS | ENTERPRISE, _("Close the case"), needs_outcome=True),
    (S.ASSIGNED, S.CLOSED): Move(ADVISERS | ENTERPRISE, _("Close the case"),
                                 needs_outcome=True),
    (S.IN_PROGRESS, S.CLOSED): Move(ADVISERS | ENTERPRISE, _("Close the case"),
                                    needs_outcome=True),
    (S.WAITING, S.CLOSED): Move(ADVISERS | ENTERPRISE, _("Close the case"),
                                needs_outcome=True),
    (S.CLOSED, S.IN_PROGRESS): Move(ADVISERS, _("Reopen the case"), needs_comment=True,
                                    needs_follow_up=True),
}

#: The only outcome an enterprise may give when it closes its own case.
ENTERPRISE_OUTCOMES = frozenset({"withdrawn"})


def available_case_moves(user, case) -> list[tuple[str, Move]]:
    role = getattr(user, "role", None)
    return [(to, move) for (frm, to), move in TRANSITIONS.items()
            if frm == case.status and role in move.roles]
