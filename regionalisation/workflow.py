"""The opportunity workflow, as data: who may make each move, what it needs and what it sets.

``OPPORTUNITY_WORKFLOW`` (the engine is ``portal.workflow``) makes every status change, called
by ``regionalisation.services.opportunity_transition``; pages show the buttons
``OPPORTUNITY_WORKFLOW.moves_for(user, opportunity)`` returns. « Advisers » are the ministry's
advisers and SIT managers of the territory; the employer's users act for their enterprise;
``SYSTEM`` is the daily sweep, which expires an opportunity the day after its expiry date.
Central administrators read, as with plans and cases, and make no move. Territory is not
checked here: the engine reads the opportunity through ``for_user`` (every opportunity for the
sweep).

    draft ──submit──▶ submitted ──validate──▶ published ──mark filled──▶ filled
      ▲                   │                      │ └──(sweep, after expiry)──▶ expired
      └──send back────────┘                      │                                │
      ▲                                          └──withdraw──▶ withdrawn         │
      └─────────────────────── prepare a new posting ─────────────────────────────┘
"""

from auditlog.context import set_actor
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from portal.workflow import Move, Need, TransitionRefused, Workflow, comment_needed, stamp

from . import tasks
from .models import Opportunity, OpportunityEvent, OpportunityStatus

ENTERPRISE = frozenset({Role.PARTNER})
ADVISERS = frozenset({Role.ADVISER, Role.SIT_MANAGER})
#: The daily sweep (no user).
SYSTEM = "system"


def actor_role(actor) -> str | None:
    if actor is None:
        return SYSTEM
    return getattr(actor, "role", None)


def _employer_or_staff(actor, opportunity) -> bool:
    """An enterprise's users move only their own enterprise's opportunities."""
    from .permissions import is_employer  # permissions reads this module's roles

    return actor_role(actor) != Role.PARTNER or is_employer(actor, opportunity)


# --------------------------------------------------------------------------------------------
# What moves need, and what they set
# --------------------------------------------------------------------------------------------

COMMENT = comment_needed(_("A comment is required for this step."))


def _expiry_ahead(attempt):
    opportunity = attempt.obj
    if opportunity.expires_on < attempt.today:
        return TransitionRefused(
            gettext("The expiry date (%(date)s) has passed: change it first.")
            % {"date": opportunity.expires_on.isoformat()}, code="expired")
    return None


def _expiry_passed(attempt):
    if attempt.obj.expires_on >= attempt.today:
        return TransitionRefused(gettext("This opportunity has not reached its expiry date."),
                                 code="not_expired")
    return None


#: The opportunity must still be within its expiry date (submit, validate).
FUTURE_EXPIRY = Need("future_expiry", _expiry_ahead, about_state=True)
#: The sweep expires only an opportunity whose expiry date has passed.
PAST_EXPIRY = Need("past_expiry", _expiry_passed, about_state=True)


def _published(attempt):
    return {"published_at": attempt.now, "validated_by": attempt.actor, "closed_at": None}


def _back_to_draft(attempt):
    return {"published_at": None, "validated_by": None, "closed_at": None}


_CLOSED = stamp("closed_at")


def _change_the_draft(user, opportunity):
    """A draft whose expiry date has passed gets a new one on its edit page."""
    from django.urls import reverse

    return (_("Change the draft"),
            reverse("regionalisation:opportunity_edit", args=[opportunity.pk]))


def _send_it_back(user, opportunity):
    """A submitted opportunity whose expiry date has passed goes back to the employer, who
    sets a new one (the « Send back for changes » form of the same panel)."""
    from django.urls import reverse

    return (_("Send back for changes"),
            reverse("regionalisation:opportunity_detail", args=[opportunity.pk])
            + f"#move-{OpportunityStatus.DRAFT.value}-title")

# --------------------------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------------------------

S = OpportunityStatus

TRANSITIONS: dict[tuple[str, str], Move] = {
    (S.DRAFT, S.SUBMITTED): Move(ENTERPRISE | ADVISERS, _("Submit for validation"),
                                 needs=(FUTURE_EXPIRY,), effects=(stamp("submitted_at"),),
                                 next_step=_change_the_draft),
    (S.SUBMITTED, S.PUBLISHED): Move(ADVISERS, _("Validate and publish"),
                                     needs=(FUTURE_EXPIRY,), effects=(_published,),
                                     next_step=_send_it_back),
    (S.SUBMITTED, S.DRAFT): Move(ADVISERS, _("Send back for changes"), needs=(COMMENT,),
                                 effects=(_back_to_draft,)),
    (S.PUBLISHED, S.FILLED): Move(ENTERPRISE | ADVISERS, _("Mark as filled"),
                                  effects=(_CLOSED,)),
    (S.PUBLISHED, S.EXPIRED): Move(frozenset({SYSTEM}), _("Expire"), needs=(PAST_EXPIRY,),
                                   effects=(_CLOSED,)),
    (S.DRAFT, S.WITHDRAWN): Move(ENTERPRISE | ADVISERS, _("Withdraw"), effects=(_CLOSED,)),
    (S.SUBMITTED, S.WITHDRAWN): Move(ENTERPRISE | ADVISERS, _("Withdraw"), effects=(_CLOSED,)),
    (S.PUBLISHED, S.WITHDRAWN): Move(ENTERPRISE | ADVISERS, _("Withdraw"), needs=(COMMENT,),
                                     effects=(_CLOSED,)),
    (S.EXPIRED, S.DRAFT): Move(ENTERPRISE | ADVISERS, _("Prepare a new posting"),
                               effects=(_back_to_draft,)),
}

#: Statuses in which the opportunity's content may be edited.
EDITABLE_STATUSES = frozenset({S.DRAFT})
#: Statuses in which the expiry date may be moved (extend or shorten a posting).
EXTENDABLE_STATUSES = frozenset({S.PUBLISHED})


def _opportunity_event(attempt, update):
    return OpportunityEvent.objects.create(opportunity=attempt.obj, **attempt.history())


OPPORTUNITY_WORKFLOW = Workflow(
    model=Opportunity, statuses=OpportunityStatus, table=TRANSITIONS,
    record=_opportunity_event, notify=tasks.notify_opportunity_event, context=set_actor,
    role_of=actor_role, may_move=_employer_or_staff, select_related=("municipality__region",),
    not_allowed=_("You cannot move an opportunity from “%(from)s” to “%(to)s”."))
