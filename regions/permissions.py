"""Who may import cohort files and see the cohort dashboard."""

from accounts.models import STAFF_ROLES, Role


def _role(user):
    return getattr(user, "role", None) if getattr(user, "is_authenticated", False) else None


def can_import_cohorts(user) -> bool:
    """Only central administrators import the ministry's cohort tables."""
    return _role(user) == Role.ADMIN and user.is_active


def can_view_cohort_dashboard(user) -> bool:
    """Ministry staff (every staff role); partners do not see the staff dashboard."""
    return _role(user) in STAFF_ROLES
