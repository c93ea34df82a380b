from accounts.models import Role


def can_view_audit_trail(user) -> bool:
    """The audit trail holds every change and every consultation: central administrators only."""
    return getattr(user, "is_authenticated", False) and user.role == Role.ADMIN
