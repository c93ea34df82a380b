"""The « API tokens » page: a person creates and revokes their personal tokens. The secret
is shown once, on the page that answers the creation, and never again."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.forms import add_service_errors

from . import permissions, services
from .forms import TokenForm
from .models import ApiToken


@login_required
def token_list(request):
    if not permissions.can_hold_tokens(request.user):
        raise PermissionDenied
    form = TokenForm(request.POST or None)
    created = secret = None
    if request.method == "POST" and form.is_valid():
        try:
            created, secret = services.token_create(
                actor=request.user, name=form.cleaned_data["name"],
                expires_at=form.expires_at(), read_only=form.cleaned_data["read_only"])
        except ValidationError as exc:
            add_service_errors(form, exc, renames={"expires_at": "expires_on"})
        else:
            form = TokenForm()
    tokens = ApiToken.objects.filter(user=request.user).order_by("-created_at", "-pk")
    return render(request, "api/token_list.html", {
        "form": form, "tokens": tokens, "created": created, "secret": secret,
    })


@login_required
@require_POST
def token_revoke(request, pk):
    if not permissions.can_hold_tokens(request.user):
        raise PermissionDenied
    # Only one's own tokens on this page: another person's is « not found ».
    if not ApiToken.objects.filter(pk=pk, user=request.user).exists():
        raise Http404
    token = services.token_revoke(actor=request.user, token_id=pk)
    messages.success(request, _("The token “%(name)s” is revoked: it no longer opens "
                                "anything.") % {"name": token.name})
    return redirect("api:tokens")
