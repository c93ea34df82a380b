from functools import cache

from .models import Notification


def unread(request):
    """The unread count shown in the header, for signed-in people: counted (one COUNT query)
    when a template shows it, once per request. Fragments (htmx) render without the header:
    they run no query for it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": cache(Notification.objects.for_user(user).unread().count)}
