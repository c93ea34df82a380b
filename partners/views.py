from auditlog.signals import accessed
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.links import absolute_url
from portal.exports import export_response
from portal.pages import page_or_fragment
from regions.models import Mrc, Municipality

from . import permissions, services
from .filters import OrganisationFilter
from .forms import (
    ContactForm,
    InvitationAcceptForm,
    InvitationForm,
    OrganisationForm,
    RegisterSearchForm,
)
from .models import Contact, Invitation, Kind, Organisation
from .resources import ContactResource, OrganisationResource


def _scoped(request):
    return Organisation.objects.for_user(request.user)


def _scoped_contact(request, pk, contact_pk):
    return get_object_or_404(
        Contact.objects.for_user(request.user).select_related("organisation"),
        pk=contact_pk, organisation_id=pk,
    )


def _scoped_invitation(request, pk, invitation_pk):
    return get_object_or_404(
        Invitation.objects.for_user(request.user).select_related("organisation"),
        pk=invitation_pk, organisation_id=pk,
    )


def _filtered(request):
    return OrganisationFilter(request.GET or None, queryset=_scoped(request).for_list(),
                              request=request)


#: The directory's columns: (ordering key or "" when the column does not sort, header).
SORT_COLUMNS = [
    ("name", gettext_lazy("Name")),
    ("kind", gettext_lazy("Kind")),
    ("", gettext_lazy("Code")),
    ("region", gettext_lazy("Region")),
    ("", gettext_lazy("MRC")),
    ("office", gettext_lazy("Serving office")),
    ("", gettext_lazy("Contacts")),
]


@login_required
def directory(request):
    filterset = _filtered(request)
    page = Paginator(filterset.qs, settings.DIRECTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    without_ordering = query.copy()
    without_ordering.pop("ordering", None)
    context = {
        "filter": filterset,
        "page": page,
        "query": query.urlencode(),
        "query_without_ordering": without_ordering.urlencode(),
        "sort_columns": SORT_COLUMNS,
        "can_create": permissions.can_create_organisation(request.user),
        "current_ordering": request.GET.get("ordering") or "name",
    }
    return page_or_fragment(request, "partners/directory.html", "results", context)


@login_required
def export(request, fmt):
    filterset = _filtered(request)
    return export_response(OrganisationResource(), filterset.qs, fmt, "organisations")


@login_required
def contacts_export(request, pk, fmt):
    """The organisation's contacts as a spreadsheet: partners export their own data (Law 25),
    staff the files of their territory. Personal information: the download is logged."""
    organisation = get_object_or_404(_scoped(request), pk=pk)
    accessed.send(sender=Organisation, instance=organisation)
    contacts = Contact.objects.for_user(request.user).filter(organisation=organisation) \
        .select_related("organisation")
    return export_response(ContactResource(), contacts, fmt, f"contacts-{organisation.pk}")


@login_required
def detail(request, pk):
    organisation = get_object_or_404(
        _scoped(request).select_related("region", "mrc", "municipality", "office__sit")
        .prefetch_related(Prefetch("contacts", queryset=Contact.objects.order_by(
            "-is_primary", "last_name", "first_name"))),
        pk=pk,
    )
    # The page shows people's contact details: record who consulted it (Law 25).
    accessed.send(sender=Organisation, instance=organisation)
    can_invite = permissions.can_invite_to_organisation(request.user, organisation)
    return render(request, "partners/detail.html", {
        "organisation": organisation,
        "can_change": permissions.can_change_organisation(request.user, organisation),
        "can_manage_contacts": permissions.can_manage_contacts(request.user, organisation),
        "can_invite": can_invite,
        "invitations": organisation.invitations.select_related("invited_by") if can_invite
        else [],
        "members": organisation.memberships.select_related("user"),
    })


def _apply(form, call):
    """Run a service call; put its validation errors on the form. Returns the result or None."""
    try:
        return call()
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc)
    return None


@login_required
def create(request):
    if not permissions.can_create_organisation(request.user):
        raise PermissionDenied
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        organisation = _apply(form, lambda: services.organisation_create(
            actor=request.user, **form.cleaned_data))
        if organisation:
            messages.success(request, _("The organisation was created."))
            return redirect("partners:detail", pk=organisation.pk)
    return render(request, "partners/form.html", {"form": form, "title": _("New organisation")})


@login_required
def update(request, pk):
    organisation = get_object_or_404(_scoped(request), pk=pk)
    if not permissions.can_change_organisation(request.user, organisation):
        raise PermissionDenied
    form = OrganisationForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        saved = _apply(form, lambda: services.organisation_update(
            actor=request.user, organisation=organisation, **data))
        if saved:
            messages.success(request, _("The organisation was saved."))
            return redirect("partners:detail", pk=organisation.pk)
    return render(request, "partners/form.html", {
        "form": form, "organisation": organisation,
        "title": _("Edit %(name)s") % {"name": organisation.name},
    })


@login_required
def register(request):
    """Pick a municipality or an MRC from the register and create its organisation in one
    more click. The search answers as an htmx fragment while the person types."""
    if not permissions.can_create_organisation(request.user):
        raise PermissionDenied
    form = RegisterSearchForm(request.GET or None)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    municipalities, mrcs = [], []
    if q:
        municipalities = list(
            Municipality.objects.representable().search(q).select_related("region", "mrc")
            .order_by("-population", "name")[:20]
        )
        mrcs = list(Mrc.objects.search(q).select_related("region").order_by("name")[:10])
    existing = dict(
        Organisation.objects.filter(kind=Kind.LOCAL_MUNICIPALITY,
                                    municipality__in=municipalities)
        .values_list("municipality_id", "pk")
    )
    existing_mrcs = dict(
        Organisation.objects.filter(kind=Kind.MRC, mrc__in=mrcs).values_list("mrc_id", "pk")
    )
    context = {
        "form": form, "q": q,
        "municipalities": [(m, existing.get(m.pk)) for m in municipalities],
        "mrcs": [(m, existing_mrcs.get(m.pk)) for m in mrcs],
    }
    return page_or_fragment(request, "partners/register.html", "matches", context)


@login_required
@require_POST
def register_create(request):
    if not permissions.can_create_organisation(request.user):
        raise PermissionDenied
    municipality = mrc = None
    if request.POST.get("municipality"):
        municipality = get_object_or_404(Municipality, code=request.POST["municipality"])
    elif request.POST.get("mrc"):
        mrc = get_object_or_404(Mrc, code=request.POST["mrc"])
    else:
        raise Http404
    try:
        organisation = services.organisation_create_from_register(
            actor=request.user, municipality=municipality, mrc=mrc)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(reverse("partners:register") + f"?q={(municipality or mrc).name}")
    messages.success(request, _("The organisation was created from the register."))
    return redirect("partners:detail", pk=organisation.pk)


def _contact_form_view(request, organisation, contact=None):
    if not permissions.can_manage_contacts(request.user, organisation):
        raise PermissionDenied
    form = ContactForm(request.POST or None, instance=contact)
    if request.method == "POST" and form.is_valid():
        saved = _apply(form, lambda: services.contact_save(
            actor=request.user, organisation=organisation, contact=contact,
            **form.cleaned_data))
        if saved:
            messages.success(request, _("The contact was saved."))
            return redirect("partners:detail", pk=organisation.pk)
    title = _("Edit contact") if contact else _("New contact")
    return render(request, "partners/contact_form.html",
                  {"form": form, "organisation": organisation, "contact": contact,
                   "title": title})


@login_required
def contact_create(request, pk):
    organisation = get_object_or_404(_scoped(request), pk=pk)
    return _contact_form_view(request, organisation)


@login_required
def contact_update(request, pk, contact_pk):
    contact = _scoped_contact(request, pk, contact_pk)
    if request.method == "GET":  # the form shows a person's contact details
        accessed.send(sender=Contact, instance=contact)
    return _contact_form_view(request, contact.organisation, contact)


@login_required
@require_POST
def contact_delete(request, pk, contact_pk):
    contact = _scoped_contact(request, pk, contact_pk)
    services.contact_delete(actor=request.user, contact=contact)
    messages.success(request, _("The contact was deleted."))
    return redirect("partners:detail", pk=pk)


def _accept_url_template():
    """The invitation link, on the portal's public address (never the request's Host)."""
    return absolute_url(
        reverse("partners:invitation_accept", kwargs={"token": "TOKEN"})
    ).replace("TOKEN", "{token}")


@login_required
def invite(request, pk):
    organisation = get_object_or_404(_scoped(request), pk=pk)
    if not permissions.can_invite_to_organisation(request.user, organisation):
        raise PermissionDenied
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        invitation = _apply(form, lambda: services.invitation_create(
            actor=request.user, organisation=organisation, email=form.cleaned_data["email"],
            accept_url_template=_accept_url_template()))
        if invitation:
            messages.success(request, _("The invitation was sent to %(email)s.")
                             % {"email": invitation.email})
            return redirect("partners:detail", pk=organisation.pk)
    return render(request, "partners/invite.html", {"form": form, "organisation": organisation})


@login_required
@require_POST
def invitation_revoke(request, pk, invitation_pk):
    invitation = _scoped_invitation(request, pk, invitation_pk)
    services.invitation_revoke(actor=request.user, invitation=invitation)
    messages.success(request, _("The invitation was revoked."))
    return redirect("partners:detail", pk=pk)


@login_required
@require_POST
def invitation_resend(request, pk, invitation_pk):
    invitation = _scoped_invitation(request, pk, invitation_pk)
    try:
        services.invitation_resend(actor=request.user, invitation=invitation,
                                   accept_url_template=_accept_url_template())
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The invitation was sent again to %(email)s; the previous "
                                    "link no longer works.") % {"email": invitation.email})
    return redirect("partners:detail", pk=pk)


def invitation_accept(request, token):
    if request.user.is_authenticated:
        messages.info(request, _("Sign out before accepting an invitation for another account."))
        return redirect("home")
    invitation = services.invitation_for_token(token)
    if invitation is None:
        return render(request, "partners/invitation_invalid.html", status=404)
    form = InvitationAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = _apply(form, lambda: services.invitation_accept(
            token=token, password=form.cleaned_data["password1"],
            first_name=form.cleaned_data["first_name"],
            last_name=form.cleaned_data["last_name"]))
        if user:
            messages.success(request, _("Your account is ready. Sign in with your email address "
                                        "and the password you chose."))
            return redirect("account_login")
    return render(request, "partners/invitation_accept.html",
                  {"form": form, "invitation": invitation})
