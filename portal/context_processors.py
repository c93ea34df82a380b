from accounts.models import Role


def portal(request):
    """The signed-in person's role and territory, shown in the page header."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"current_role": Role(user.role).label, "roles": Role}
