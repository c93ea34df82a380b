from .models import Notification


def unread(request):
    """The unread count shown in the header (one COUNT query, only for signed-in people)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": Notification.objects.for_user(user).unread().count()}
