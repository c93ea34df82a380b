"""The pages of the mail the enterprises send to their office.

- « Emails to sort » (advisers and SIT managers: their offices' mail; administrators: all of
  it, and the mail no office could be found for): what the routing could not file.
- One email's page: its text, its attachments, its original (.eml) and what it became; the
  sorting actions (open a request from it, add it to an open case, discard it).
- Administrators: the mail refused or not processed (retry, discard) and the offices'
  mailbox addresses.

Every read goes through ``InboundMessage.objects.for_user``: an email of another office is a
404, the same page as a missing one. The writes are the services of ``mail_sorting`` and
``antennes.services.office_mailbox_set``.
"""

from auditlog.signals import accessed
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from antennes.models import Office
from antennes.services import office_mailbox_set
from notifications.models import InboundMessage, InboundState
from partners.models import Organisation
from portal.forms import add_service_errors
from portal.scoping import visible_offices

from .. import mail_sorting, permissions
from ..case_forms import DiscardForm
from ..models import Case
from .case import enterprise_search

#: Messages on one page of the lists.
PAGE_SIZE = 25
#: Characters of an email's text shown in the lists.
PREVIEW_CHARS = 240
#: Value of the office filter for the mail no office could be found for (administrators).
NO_OFFICE = "aucune"


def _require(allowed):
    if not allowed:
        raise PermissionDenied


def _mail(request):
    return InboundMessage.objects.for_user(request.user)


def _preview(message) -> str:
    """The first lines of the email's text (read from its original; empty if unreadable)."""
    try:
        text = mail_sorting.message_parsed(message).text
    except ValidationError:
        return ""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    preview = " ".join(lines[:4])
    return preview if len(preview) <= PREVIEW_CHARS else preview[:PREVIEW_CHARS - 1] + "…"


def _target_link(message):
    """(label, url) of what the message became, if it still exists and the page can say."""
    kind, _sep, pk = message.target.partition(":")
    if not pk.isdigit():
        return None
    if kind == "case":
        return _("Support case %(number)s") % {"number": pk}, reverse(
            "enterprises:case_detail", args=[int(pk)])
    if kind == "case-note":
        from ..models import CaseNote

        note = CaseNote.objects.filter(pk=int(pk)).only("case_id").first()
        if note is not None:
            return _("A note on support case %(number)s") % {"number": note.case_id}, reverse(
                "enterprises:case_detail", args=[note.case_id]) + "#notes"
    return None


def _page(request, queryset):
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    return page, rows


def _page_query(request, **params):
    """The list's current filters, for the pagination links."""
    kept = {k: v for k, v in params.items() if v}
    return urlencode(kept)


# --------------------------------------------------------------------------------------------
# Emails to sort
# --------------------------------------------------------------------------------------------


def to_sort_count(user) -> int:
    """How many emails ``user`` has to sort (one query; 0 for who sorts none)."""
    if not permissions.can_sort_mail(user):
        return 0
    return InboundMessage.objects.for_user(user).to_sort().count()


@login_required
def mail_to_sort(request):
    user = request.user
    _require(permissions.can_sort_mail(user))
    offices = list(visible_offices(user).order_by("city").only("pk", "slug", "city"))
    chosen = request.GET.get("office", "")
    queryset = _mail(request).to_sort().select_related("office").order_by("-received_at", "-pk")
    admin = permissions.can_handle_unprocessed_mail(user)
    if chosen == NO_OFFICE and admin:
        queryset = queryset.filter(office__isnull=True)
    elif chosen:
        office = next((o for o in offices if o.slug == chosen), None)
        if office is None:
            chosen = ""
        else:
            queryset = queryset.filter(office=office)
    page, rows = _page(request, queryset)
    for message in rows:
        message.preview = _preview(message)
    return render(request, "enterprises/mail_to_sort.html", {
        "page": page, "rows": rows, "offices": offices, "chosen": chosen,
        "no_office": NO_OFFICE if admin else "", "is_admin": admin,
        "page_query": _page_query(request, office=chosen),
    })


# --------------------------------------------------------------------------------------------
# One email
# --------------------------------------------------------------------------------------------


def _enterprise_choices(request, message):
    """The enterprise search of the sorting form (the same scoped search as « Enter a
    request »), each enterprise with its open cases."""
    form, text, rows, total = enterprise_search(request)
    if rows:
        cases = (Case.objects.for_user(request.user).open()
                 .filter(organisation__in=[o.pk for o in rows])
                 .order_by("-opened_at", "-pk").only("pk", "subject", "status",
                                                     "organisation_id", "opened_at"))
        by_org = {}
        for case in cases:
            by_org.setdefault(case.organisation_id, []).append(case)
        for organisation in rows:
            organisation.open_cases = by_org.get(organisation.pk, [])
    return {"search_form": form, "text": text, "found": rows, "total": total,
            "more": total > len(rows)}


@login_required
def mail_detail(request, pk):
    message = get_object_or_404(_mail(request).select_related("office", "handled_by"), pk=pk)
    return _render_mail(request, message)


def _render_mail(request, message, *, discard_form=None):
    """The email's page; with ``discard_form``, the discard just refused, its reason at the
    box."""
    user = request.user
    try:
        parsed = mail_sorting.message_parsed(message)
    except ValidationError as exc:
        parsed, unreadable = None, exc.messages[0]
    else:
        unreadable = ""
    accessed.send(sender=InboundMessage, instance=message)  # personal information (Law 25)
    may_sort = (message.state == InboundState.TO_SORT and permissions.can_sort_mail(user)
                and parsed is not None)
    admin = permissions.can_handle_unprocessed_mail(user)
    context = {
        "message": message,
        "parsed": parsed,
        "unreadable": unreadable,
        "target": _target_link(message),
        "may_sort": may_sort,
        "may_discard": permissions.can_sort_mail(user) and (
            message.state == InboundState.TO_SORT
            or admin and message.state in mail_sorting.UNPROCESSED_STATES),
        "may_retry": admin and message.state in mail_sorting.UNPROCESSED_STATES,
        "is_admin": admin,
        "reason_max": mail_sorting.REASON_MAX,
        "discard_form": discard_form or DiscardForm(),
    }
    if may_sort:
        context.update(_enterprise_choices(request, message))
    return render(request, "enterprises/mail_detail.html", context)


@login_required
def mail_original(request, pk):
    """The email as received (.eml), as a download; the access recorded."""
    message = get_object_or_404(_mail(request), pk=pk)
    if not message.raw:
        raise Http404
    try:
        handle = message.raw.storage.open(message.raw.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    accessed.send(sender=InboundMessage, instance=message)
    response = FileResponse(handle, as_attachment=True, filename=f"courriel-{message.pk}.eml",
                            content_type="message/rfc822")
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, private=True, no_store=True)
    return response


def _back(request, message_pk, default=None):
    return redirect(default or reverse("enterprises:mail_detail", args=[message_pk]))


@login_required
@require_POST
def mail_sort(request, pk):
    """Open a request from the email, or add it to one of the enterprise's open cases."""
    user = request.user
    message = get_object_or_404(_mail(request), pk=pk)  # out of scope: 404 before 403
    _require(permissions.can_sort_mail(user))
    organisation_pk = request.POST.get("organisation", "")
    target = request.POST.get("case", "")
    organisation = None
    if organisation_pk.isdigit():
        organisation = Organisation.objects.for_user(user).filter(pk=int(organisation_pk)) \
            .first()
    if organisation is None:
        messages.error(request, _("Choose an enterprise of your territory."))
        return _back(request, message.pk)
    try:
        if target == "new":
            case = mail_sorting.mail_to_new_case(actor=user, message_id=message.pk,
                                                 organisation=organisation)
            messages.success(request, _("The email opened support case %(number)s.")
                             % {"number": case.pk})
            return redirect("enterprises:case_detail", case.pk)
        case = None
        if target.isdigit():
            case = (Case.objects.for_user(user).open()
                    .filter(pk=int(target), organisation=organisation).first())
        if case is None:
            messages.error(request, _("Choose one of the enterprise’s open cases, or a new "
                                      "request."))
            return _back(request, message.pk)
        mail_sorting.mail_to_case(actor=user, message_id=message.pk, case=case)
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
        return _back(request, message.pk)
    messages.success(request, _("The email was added to support case %(number)s.")
                     % {"number": case.pk})
    return redirect(reverse("enterprises:case_detail", args=[case.pk]) + "#notes")


@login_required
@require_POST
def mail_discard(request, pk):
    user = request.user
    message = get_object_or_404(_mail(request), pk=pk)
    _require(permissions.can_sort_mail(user))
    was = message.state
    form = DiscardForm(request.POST)
    form.is_valid()
    try:
        mail_sorting.mail_discard(actor=user, message_id=message.pk,
                                  reason=form.cleaned_data.get("reason", ""))
    except ValidationError as exc:
        add_service_errors(form, exc)
        message.refresh_from_db()
        return _render_mail(request, message, discard_form=form)
    messages.success(request, _("The email was discarded."))
    if was == InboundState.TO_SORT:
        return redirect("enterprises:mail_to_sort")
    return redirect("enterprises:mail_unprocessed")


# --------------------------------------------------------------------------------------------
# Administrators: mail not processed, and the offices' addresses
# --------------------------------------------------------------------------------------------


@login_required
def mail_unprocessed(request):
    _require(permissions.can_handle_unprocessed_mail(request.user))
    state = request.GET.get("state", "")
    states = [state] if state in mail_sorting.UNPROCESSED_STATES else \
        list(mail_sorting.UNPROCESSED_STATES)
    queryset = (_mail(request).filter(state__in=states).select_related("office")
                .order_by("-received_at", "-pk"))
    page, rows = _page(request, queryset)
    return render(request, "enterprises/mail_unprocessed.html", {
        "page": page, "rows": rows, "state": state if len(states) == 1 else "",
        "states": [(s, InboundState(s).label) for s in mail_sorting.UNPROCESSED_STATES],
        "reason_max": mail_sorting.REASON_MAX,
        "page_query": _page_query(request, state=state if len(states) == 1 else ""),
    })


@login_required
@require_POST
def mail_retry(request, pk):
    message = get_object_or_404(_mail(request), pk=pk)
    _require(permissions.can_handle_unprocessed_mail(request.user))
    try:
        mail_sorting.mail_retry(actor=request.user, message_id=message.pk)
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
    else:
        messages.success(request, _("The email goes back to processing."))
    return redirect("enterprises:mail_unprocessed")


@login_required
def mail_mailboxes(request):
    _require(permissions.can_handle_unprocessed_mail(request.user))
    offices = list(Office.objects.select_related("sit").order_by("sit__name", "-kind", "city"))
    return render(request, "enterprises/mail_mailboxes.html", {"offices": offices})


@login_required
@require_POST
def mail_mailbox_set(request, office_pk):
    _require(permissions.can_handle_unprocessed_mail(request.user))
    office = get_object_or_404(Office, pk=office_pk)
    try:
        office = office_mailbox_set(actor=request.user, office=office,
                                    mailbox=request.POST.get("mailbox", ""))
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, _("%(city)s: %(problem)s") % {"city": office.city,
                                                                  "problem": text})
    else:
        if office.mailbox:
            messages.success(request, _("%(city)s now receives mail at %(address)s.")
                             % {"city": office.city, "address": office.mailbox})
        else:
            messages.success(request, _("%(city)s no longer receives mail through the "
                                        "portal.") % {"city": office.city})
    return redirect(reverse("enterprises:mail_mailboxes") + f"#office-{office.pk}")
