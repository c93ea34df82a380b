"""The opportunity workflow, as data: who may make each move, and what it needs.

``regionalisation.services.opportunity_transition`` is the only function that changes an
opportunity's status; pages show the buttons ``available_opportunity_moves(user, opp)``
returns. « Advisers » are the ministry's advisers and SIT managers of the territory; the
employer's users act for their enterprise; ``SYSTEM`` is the daily sweep, which expires an
opportunity the day after its expiry date. Central administrators read, as with plans and
cases, and make no move. Territory is not checked here: the opportunity was read through
``for_user``.

    draft ──submit──▶ submitted ──validate──▶ published ──mark filled──▶ filled
      ▲                   │                      │ └──(sweep, after expiry)──▶ expired
      └──send back────────┘                      │                                │
      ▲                                          └──withdraw──▶ withdrawn         │
      └─────────────────────── prepare a new posting ─────────────────────────────┘
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from accounts.models import Role

from .models import OpportunityStatus

ENTERPRISE = frozenset({Role.PARTNER})
ADVISERS = frozenset({Role.ADVISER, Role.SIT_MANAGER})
#: The daily sweep (no user).
SYSTEM = "system"


@dataclass(frozen=True)
class Move:
    roles: frozenset
    label: str
    needs_comment: bool = False
    #: The opportunity must still be within its expiry date (submit, validate).
    needs_future_expiry: bool = False


S = OpportunityStatus

TRANSITIONS: dict[tuple[str, str], Move] = {
    (S.DRAFT, S.SUBMITTED): Move(ENTERPRISE | ADVISERS, _("Submit for validation"),
                                 needs_future_expiry=True),
    (S.SUBMITTED, S.PUBLISHED): Move(ADVISERS, _("Validate and publish"),
                                     needs_future_expiry=True),
    (S.SUBMITTED, S.DRAFT): Move(ADVISERS, _("Send back for changes"), needs_comment=True),
    (S.PUBLISHED, S.FILLED): Move(ENTERPRISE | ADVISERS, _("Mark as filled")),
    (S.PUBLISHED, S.EXPIRED): Move(frozenset({SYSTEM}), _("Expire")),
    (S.DRAFT, S.WITHDRAWN): Move(ENTERPRISE | ADVISERS, _("Withdraw")),
    (S.SUBMITTED, S.WITHDRAWN): Move(ENTERPRISE | ADVISERS, _("Withdraw")),
    (S.PUBLISHED, S.WITHDRAWN): Move(ENTERPRISE | ADVISERS, _("Withdraw"), needs_comment=True),
    (S.EXPIRED, S.DRAFT): Move(ENTERPRISE | ADVISERS, _("Prepare a new posting")),
}

#: Statuses in which the opportunity's content may be edited.
EDITABLE_STATUSES = frozenset({S.DRAFT})
#: Statuses in which the expiry date may be moved (extend or shorten a posting).
EXTENDABLE_STATUSES = frozenset({S.PUBLISHED})


def actor_role(actor) -> str | None:
    if actor is None:
        return SYSTEM
    return getattr(actor, "role", None)


def available_opportunity_moves(user, opportunity) -> list[tuple[str, Move]]:
    role = actor_role(user)
    if role == SYSTEM:
        return []
    if role == Role.PARTNER and user.membership.organisation_id != opportunity.enterprise_id:
        return []
    return [(to, move) for (frm, to), move in TRANSITIONS.items()
            if frm == opportunity.status and role in move.roles]
