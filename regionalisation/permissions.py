"""Who may do what with opportunities, referrals and activities. The object is already in the
user's scope (read through ``for_user`` or ``visible_to``); these rules add the role and
state conditions. Status moves are in ``regionalisation/workflow.py``."""

from accounts.models import STAFF_ROLES, Role
from partners.models import Kind, NonProfitKind

from .models import VALIDATED_STATUSES, sees_board
from .workflow import ADVISERS, EDITABLE_STATUSES, EXTENDABLE_STATUSES


def _role(user):
    return getattr(user, "role", None) if getattr(user, "is_authenticated", False) else None


def _organisation(user):
    if _role(user) != Role.PARTNER:
        return None
    membership = getattr(user, "membership", None)
    return getattr(membership, "organisation", None)


def is_employer(user, opportunity) -> bool:
    membership = getattr(user, "membership", None) if _role(user) == Role.PARTNER else None
    organisation_id = getattr(membership, "organisation_id", None)
    return organisation_id is not None and organisation_id == opportunity.enterprise_id


def is_enterprise_user(user) -> bool:
    organisation = _organisation(user)
    return organisation is not None and organisation.kind == Kind.ENTERPRISE


def is_regionalisation_user(user) -> bool:
    organisation = _organisation(user)
    return (organisation is not None and organisation.kind == Kind.NON_PROFIT
            and organisation.non_profit_kind == NonProfitKind.REGIONALISATION)


def can_view_board(user) -> bool:
    return sees_board(user)


def can_create_opportunity(user) -> bool:
    return _role(user) in ADVISERS or is_enterprise_user(user)


def can_view_opportunities(user) -> bool:
    """The management list: the ministry (its territory) and employers (their own)."""
    return _role(user) in STAFF_ROLES or is_enterprise_user(user)


def can_manage_opportunity(user, opportunity) -> bool:
    """Sees the whole opportunity (history, every organisation's counts): the employer and
    the ministry of its territory, i.e. whoever reads it through ``for_user``."""
    from .models import Opportunity

    return Opportunity.objects.for_user(user).filter(pk=opportunity.pk).exists()


def can_edit_opportunity(user, opportunity) -> bool:
    return opportunity.status in EDITABLE_STATUSES and (
        _role(user) in ADVISERS or is_employer(user, opportunity))


def can_extend_opportunity(user, opportunity) -> bool:
    return opportunity.status in EXTENDABLE_STATUSES and (
        _role(user) in ADVISERS or is_employer(user, opportunity))


def can_follow_opportunity(user, opportunity) -> bool:
    return (sees_board(user) and _role(user) == Role.PARTNER and opportunity.is_on_board())


def can_refer_to(user, opportunity) -> bool:
    """Regionalisation and settlement organisations record their referral counts on a
    validated opportunity (also once filled or expired: hires often come after)."""
    return (sees_board(user) and _role(user) == Role.PARTNER
            and opportunity.status in VALIDATED_STATUSES)


def can_view_activities(user) -> bool:
    return _role(user) in STAFF_ROLES or is_regionalisation_user(user)


def can_record_activity(user) -> bool:
    return is_regionalisation_user(user)


def can_change_activity(user, activity) -> bool:
    organisation = _organisation(user)
    return (is_regionalisation_user(user) and organisation is not None
            and organisation.pk == activity.organisation_id)


def can_view_followup(user) -> bool:
    return _role(user) in STAFF_ROLES
