from . import permissions


def navigation(request):
    """Which regionalisation pages the main menu offers the signed-in person. No query for
    staff; for a partner user, the organisation base.html reads anyway (cached on the user)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"regionalisation_nav": {
        "opportunities": permissions.can_view_opportunities(user),
        "board": permissions.can_view_board(user),
        "activities": permissions.can_view_activities(user),
        "followup": permissions.can_view_followup(user),
    }}
