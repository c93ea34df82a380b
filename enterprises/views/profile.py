"""Enterprise self-registration, enterprise profiles, and requests to join an enterprise
already in the portal. Writes go through ``enterprises.services``; every profile and request
is read through its ``for_user`` scope (outside it: 404)."""

from allauth.account.adapter import get_adapter
from allauth.account.models import EmailAddress
from allauth.core.ratelimit import consume_or_429
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.forms import add_service_errors
from regions.models import Municipality

from .. import permissions, services
from ..case_forms import municipality_label
from ..forms import EnterpriseForm, RegistrationForm
from ..models import Enterprise, JoinRequest
from ..neq import parse_neq
from ..register import last_load, register_lookup
from .register_lookup import enable_lookup, page_context

#: Session key of the registration just made, for the page that follows it.
REGISTERED = "enterprises.registered"


def _municipality_choices():
    """Every municipality of the register, as the suggestions of the municipality input."""
    return [municipality_label(m) for m in
            Municipality.objects.representable().only("name", "code").order_by("name", "code")]


def register(request):
    """A person registers their enterprise (or asks to join it, when its NEQ is already in
    the portal), then confirms their email address before signing in."""
    if request.user.is_authenticated:
        return redirect("home")
    if request.method == "GET" and request.GET.get("sent"):
        registered = request.session.get(REGISTERED)
        if registered:
            return render(request, "enterprises/register_done.html", registered)
        return redirect("enterprises:register")
    if request.method == "POST":
        # The sign-up limit of ACCOUNT_RATE_LIMITS: each registration sends an email.
        refused = consume_or_429(request, action="signup")
        if refused:
            return refused
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        arguments = form.service_arguments()
        try:
            user, _result = services.enterprise_register(**arguments)
        except ValidationError as exc:
            codes = add_service_errors(form, exc, renames={"password": "password1"})
            if "email_taken" in codes:
                # Say nothing of who has an account: the address's owner is told by email.
                return _already_registered(request, arguments["email"])
            form.neq_warning = "neq_checksum" in codes
        else:
            EmailAddress.objects.get_primary(user).send_confirmation(request, signup=True)
            # The same page for a new enterprise and a known NEQ: it never names (nor hints
            # at) an enterprise already in the portal.
            request.session[REGISTERED] = {"email": user.email}
            return redirect(reverse("enterprises:register") + "?sent=1")
    loaded = enable_lookup(form)
    return render(request, "enterprises/register.html", {
        "form": form, "municipalities": _municipality_choices(), "register_loaded": loaded,
        "register_lookup": page_context(form, loaded) if form.is_bound else None})


def _already_registered(request, email):
    get_adapter(request).send_account_already_exists_mail(email)
    request.session[REGISTERED] = {"email": email}
    return redirect(reverse("enterprises:register") + "?sent=1")


def _scoped_enterprise(request, pk):
    return get_object_or_404(
        Enterprise.objects.for_user(request.user).select_related(
            "organisation__region", "organisation__mrc", "organisation__municipality",
            "organisation__office", "verified_by"),
        pk=pk)


@login_required
def enterprise_detail(request, pk):
    enterprise = _scoped_enterprise(request, pk)
    user = request.user
    return render(request, "enterprises/enterprise_detail.html", {
        "enterprise": enterprise,
        "organisation": enterprise.organisation,
        "neq_legal_form": parse_neq(enterprise.neq).legal_form,
        "register_record": register_lookup(enterprise.neq),
        "register_loaded": last_load(),
        "can_change": permissions.can_change_enterprise(user, enterprise),
        "sees_verification": permissions.sees_verification(user),
        "can_verify": permissions.can_verify_enterprise(user, enterprise),
        "can_view_cases": permissions.can_view_cases(user)
        or permissions.enterprise_id(user) == enterprise.organisation_id,
        "pending_requests": (JoinRequest.objects.for_user(user).pending()
                             .filter(organisation_id=enterprise.organisation_id)
                             .select_related("user")
                             if permissions.can_decide_join_request(user) else []),
    })


@login_required
def enterprise_update(request, pk):
    enterprise = _scoped_enterprise(request, pk)
    if not permissions.can_change_enterprise(request.user, enterprise):
        raise PermissionDenied
    form = EnterpriseForm(request.POST or None, enterprise=enterprise)
    if request.method == "POST" and form.is_valid():
        try:
            services.enterprise_update(actor=request.user, enterprise=enterprise,
                                       **form.changes())
        except ValidationError as exc:
            form.neq_warning = "neq_checksum" in add_service_errors(form, exc)
        else:
            messages.success(request, _("The enterprise’s profile was saved."))
            return redirect("enterprises:enterprise_detail", pk=enterprise.pk)
    loaded = enable_lookup(form, profile=True)
    return render(request, "enterprises/enterprise_form.html", {
        "form": form, "enterprise": enterprise, "municipalities": _municipality_choices(),
        "register_loaded": loaded, "register_lookup": page_context(form, loaded, profile=True)})


@login_required
@require_POST
def enterprise_verify(request, pk):
    """An adviser or SIT manager of its territory confirms a self-registered enterprise."""
    enterprise = _scoped_enterprise(request, pk)
    if not permissions.can_verify_enterprises(request.user):
        raise PermissionDenied
    services.enterprise_verify(actor=request.user, enterprise=enterprise)
    messages.success(request, _("%(enterprise)s is confirmed.")
                     % {"enterprise": enterprise.organisation.name})
    return redirect("enterprises:enterprise_detail", pk=enterprise.pk)


def _require_decider(user):
    if not permissions.can_decide_join_request(user):
        raise PermissionDenied


@login_required
def join_requests(request):
    """The pending requests to join an enterprise of the staff member's territory, and its
    self-registered enterprises not confirmed yet."""
    _require_decider(request.user)
    pending = (JoinRequest.objects.for_user(request.user).pending()
               .select_related("user", "organisation__enterprise", "organisation__office")
               .order_by("created_at", "pk"))
    unverified = (Enterprise.objects.for_user(request.user).unverified()
                  .select_related("organisation__office").order_by("created_at", "pk"))
    return render(request, "enterprises/join_requests.html",
                  {"join_requests": pending, "unverified": unverified})


@login_required
@require_POST
def join_request_decide(request, pk):
    _require_decider(request.user)
    join_request = get_object_or_404(
        JoinRequest.objects.for_user(request.user).select_related("user", "organisation"),
        pk=pk)
    accept = request.POST.get("accept") == "1"
    decided = services.join_request_decide(actor=request.user, join_request=join_request,
                                           accept=accept)
    person = decided.user.get_full_name() or decided.user.email
    values = {"person": person, "enterprise": decided.organisation.name}
    if decided.accepted:
        messages.success(request, _("%(person)s now belongs to %(enterprise)s.") % values)
    else:
        messages.info(request, _("The request of %(person)s to join %(enterprise)s was "
                                 "declined.") % values)
    return redirect("enterprises:join_requests")
