"""Who may hold API tokens.

Every signed-in portal user with a place in the scope may: ministry staff (central
administrators, SIT managers, advisers; the MFA they must enrol in guards the token page) and
partner users who belong to an organisation. A token acts as its person, never more: it reads
through the same ``for_user`` scope and writes through the same services as the pages."""

from accounts.models import STAFF_ROLES, Role


def can_hold_tokens(user) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.role in STAFF_ROLES:
        return True
    return user.role == Role.PARTNER and hasattr(user, "membership")


def can_revoke_token(user, token) -> bool:
    """A person revokes their own tokens; a central administrator any (a leaked key)."""
    return can_hold_tokens(user) and (token.user_id == user.pk or user.role == Role.ADMIN)
