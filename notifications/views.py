from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import services
from .models import Notification


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
