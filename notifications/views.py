from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .forms import PreferenceForm
from .models import Notification, NotificationPreference


@login_required
def notification_list(request):
    page = Paginator(Notification.objects.for_user(request.user), 25).get_page(
        request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_POST
def mark_read(request):
    given = request.POST.getlist("id")
    # No id: mark all read. Ids given but none valid (a tampered form): mark nothing.
    ids = [int(i) for i in given if i.isdigit()] if given else None
    services.notifications_mark_read(user=request.user, ids=ids)
    return redirect("notifications:list")


@login_required
def preferences(request):
    """Each person chooses an email per notification, a daily digest or no email, and which
    groups of notifications they receive by email."""
    preference = NotificationPreference.for_user(request.user)
    form = PreferenceForm(request.POST or None, initial=PreferenceForm.initial_for(preference))
    if request.method == "POST" and form.is_valid():
        services.notification_preference_set(user=request.user,
                                             email_mode=form.cleaned_data["email_mode"],
                                             muted_kinds=form.muted_kinds())
        messages.success(request, _("Your notification preferences are saved."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})
