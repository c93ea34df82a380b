"""A support request (new case) and one case's page, for both sides: what was asked, the
timeline, notes (internal ones for the ministry only), referrals, documents, and the moves the
user may make now. Writes go through enterprises.services; every object is read through its
``for_user`` scope (outside it: 404)."""

from auditlog.signals import accessed
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.models import STAFF_ROLES, Role, User
from partners.models import Kind, Organisation
from portal.files import document_response
from portal.forms import add_service_errors
from portal.pages import page_or_fragment, safe_next
from portal.text import fold
from portal.workflow import choice_label
from regions.models import Municipality

from .. import duplicates, permissions, services, workflow
from ..case_forms import (
    MAX_POSITIONS,
    AttachmentForm,
    CaseRequestForm,
    EnterpriseSearchForm,
    FollowUpForm,
    MoveForm,
    NoteForm,
    PositionForm,
    PositionFormSet,
    ReferralForm,
    ReferralOutcomeForm,
    find_referral_partners,
    municipality_label,
    outcome_choices,
    position_rows,
)
from ..models import (
    STAFF_EVENT_KINDS,
    Case,
    CaseAttachment,
    CaseEvent,
    CaseNote,
    CaseStatus,
    Channel,
    EventKind,
    HelpKind,
    Outcome,
    Position,
    Referral,
    ReferralOutcome,
    Topic,
)
from . import casework, mailbox


def _is_staff(user) -> bool:
    return getattr(user, "role", None) in STAFF_ROLES


def _scoped_cases(request):
    return Case.objects.for_user(request.user)


def _detail_url(pk, anchor=""):
    return reverse("enterprises:case_detail", args=[pk]) + (f"#{anchor}" if anchor else "")


# --------------------------------------------------------------------------------------------
# A new request
# --------------------------------------------------------------------------------------------


#: Enterprises listed at most when an adviser looks one up to enter a request.
PICK_ROWS = 20


def _request_organisation(request):
    """The enterprise the request is for: staff name it (``?organisation=``, in their scope;
    None when they have not chosen yet), an enterprise user asks for their own."""
    enterprises = (Organisation.objects.for_user(request.user).filter(kind=Kind.ENTERPRISE)
                   .select_related("office"))
    if _is_staff(request.user):
        value = request.GET.get("organisation", "")
        if not value:
            return None
        if not value.isdigit():
            raise Http404
        organisation = get_object_or_404(enterprises, pk=int(value))
    else:
        organisation = enterprises.first()
        if organisation is None:
            raise Http404
    if not permissions.can_open_case(request.user, organisation):
        raise PermissionDenied
    return organisation


def _position_row(request, organisation):
    """htmx: one more empty position row, and the formset's new row count (out of band)."""
    try:
        index = int(request.GET.get("positions-TOTAL_FORMS", ""))
    except ValueError:
        index = 0
    if not 0 <= index < MAX_POSITIONS:
        return HttpResponse(status=204)
    response = render(request, "enterprises/case_form.html#position_row", {
        "position_form": PositionForm(prefix=f"positions-{index}"),
        "number": index + 1, "total_forms": index + 1, "oob": True,
    })
    patch_vary_headers(response, ("HX-Request",))
    return response


def _matching_enterprises(user, text):
    """Enterprises of the user's scope whose name holds every word of ``text`` or whose NEQ
    holds its digits (« 1160 123 456 » or part of it)."""
    enterprises = Organisation.objects.for_user(user).filter(kind=Kind.ENTERPRISE)
    digits = "".join(c for c in text if c.isdigit())
    if digits and not any(c.isalpha() for c in text):
        return enterprises.filter(Q(enterprise__neq__contains=digits)
                                  | Q(search_text__contains=digits))
    for word in fold(text).split():
        enterprises = enterprises.filter(search_text__contains=word)
    return enterprises


def enterprise_search(request):
    """The staff's search of the enterprises of their scope, by name or NEQ (the ``q`` of
    the query string): the form, the text searched, the first ``PICK_ROWS`` found and how many
    there are in all. Entering a request and sorting an email both use it."""
    form = EnterpriseSearchForm(request.GET or None)
    text = form.cleaned_data["q"].strip() if form.is_valid() else ""
    rows, total = [], 0
    if text:
        found = (_matching_enterprises(request.user, text)
                 .select_related("enterprise", "municipality", "office")
                 .order_by("search_text", "pk"))
        rows, total = list(found[:PICK_ROWS]), found.count()
    return form, text, rows, total


def _pick_enterprise(request):
    """Staff entering a request first find the enterprise, by name or NEQ, in their scope
    (a plain GET form, refreshed live by htmx)."""
    if not permissions.can_enter_requests(request.user):
        raise PermissionDenied
    form, text, rows, total = enterprise_search(request)
    return page_or_fragment(request, "enterprises/case_pick.html", "results", {
        "form": form, "text": text, "rows": rows, "total": total,
        "more": total > len(rows),
    })


@login_required
def case_create(request):
    user = request.user
    organisation = _request_organisation(request)
    if organisation is None:
        return _pick_enterprise(request)
    staff = _is_staff(user)
    if request.htmx and "position_row" in request.GET:
        return _position_row(request, organisation)
    data = request.POST if request.method == "POST" else None
    form = CaseRequestForm(data, request.FILES or None, staff=staff)
    formset = PositionFormSet(data, prefix="positions")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        case = _create(request, form, formset, organisation)
        if case is not None:
            messages.success(request, _("Your request was sent to the office of %(office)s. "
                                        "Its number is %(number)s.")
                             % {"office": case.office.city, "number": case.pk})
            return redirect(_detail_url(case.pk))
    similar = []
    if form.is_bound and form.has_error("other_request", "similar_open_case"):
        similar = list(duplicates.recent_similar_cases(
            _scoped_cases(request), organisation_id=organisation.pk,
            help_kinds=form.cleaned_data.get("help_kinds"),
            topics=form.cleaned_data.get("topics")))
    return render(request, "enterprises/case_form.html", {
        "similar": similar,
        "similar_days": duplicates.SIMILAR_WITHIN_DAYS,
        "organisation": organisation,
        "form": form,
        "formset": formset,
        "staff": staff,
        "max_positions": MAX_POSITIONS,
        "municipalities": [municipality_label(m) for m in
                           Municipality.objects.representable().only("name", "code")
                           .order_by("name", "code")],
    }, status=200)


def _create(request, form, formset, organisation):
    """Open the case and attach its documents, all or nothing; errors go on the form."""
    data = form.cleaned_data
    try:
        with transaction.atomic():
            case = services.case_create(
                actor=request.user, organisation=organisation, subject=data["subject"],
                help_kinds=data["help_kinds"],
                topics=data["topics"], description=data["description"],
                positions=position_rows(formset),
                channel=data.get("channel") or Channel.PORTAL,
                warn_similar=not data.get("other_request"))
            for upload in data.get("attachments") or []:
                services.case_attachment_add(actor=request.user, case=case, upload=upload)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                if field == "positions":
                    formset._non_form_errors = formset.error_class(
                        [e for error in errors for e in error.messages])
                else:
                    form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, exc)
        return None
    return case


# --------------------------------------------------------------------------------------------
# A case's page
# --------------------------------------------------------------------------------------------


def _case_for_page(request, pk):
    """The case with everything its page shows, in a fixed number of queries whatever the
    number of positions, events, referrals or documents. Notes are read apart, through their
    own scope (the enterprise never gets an internal note)."""
    queryset = _scoped_cases(request).for_list().select_related(
        "office__sit", "organisation__municipality", "inbound_message").prefetch_related(
        Prefetch("positions", queryset=Position.objects.select_related("municipality")),
        Prefetch("events", queryset=CaseEvent.objects.select_related("actor", "adviser")
                 .order_by("created_at", "pk")),
        Prefetch("referrals", queryset=Referral.objects.select_related("organisation",
                                                                       "office")),
        Prefetch("attachments", queryset=CaseAttachment.objects.select_related(
            "uploaded_by", "note__inbound_message")),
    )
    if _is_staff(request.user):  # who to call: the enterprise's contacts
        queryset = queryset.prefetch_related("organisation__contacts")
    return get_object_or_404(queryset, pk=pk)


def _notes(user, case):
    return list(CaseNote.objects.for_user(user).filter(case_id=case.pk)
                .select_related("author", "inbound_message"))


def _status_label(value):
    if not value:
        return _("Request received")
    return choice_label(CaseStatus, value)


def duration_text(delta) -> str:
    """« 2 days 3 hours », « 5 hours », « less than an hour »."""
    if delta is None:
        return ""
    hours = max(int(delta.total_seconds() // 3600), 0)
    days, hours = divmod(hours, 24)
    if not days and not hours:
        return _("less than an hour")
    parts = []
    if days:
        parts.append(ngettext("%(count)d day", "%(count)d days", days) % {"count": days})
    if hours:
        parts.append(ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours})
    return " ".join(parts)


def advisers_serving(case):
    """Who may take the case: active advisers of its office, and the SIT managers of its
    SIT."""
    return (User.objects.filter(is_active=True)
            .filter(Q(role=Role.ADVISER, assignments__office_id=case.office_id)
                    | Q(role=Role.SIT_MANAGER, assignments__office__sit_id=case.office.sit_id))
            .distinct().order_by("last_name", "first_name", "email"))


def _moves(user, case, now=None):
    """The moves ``user`` may make now (those the service would accept), with what each form
    needs. The enterprise reads them in its own words: it withdraws its request, saying why;
    it resumes a case waiting on it by replying (the reply box), not by a button."""
    moves, advisers = [], None
    enterprise = not _is_staff(user)
    for option in workflow.CASE_WORKFLOW.moves_for(user, case, now or timezone.now()):
        if not option.allowed_now:
            continue
        to, move = option.to, option.move
        if enterprise and to != CaseStatus.CLOSED:
            continue  # its reply resumes the follow-up (services.note_add)
        item = {"to": to, "move": move, "label": move.label, "danger": to == CaseStatus.CLOSED}
        if enterprise:
            item.update(label=_("Withdraw my request"), withdraw=True,
                        outcome=Outcome.WITHDRAWN.value)
            moves.append(item)
            continue
        if move.needs_adviser:
            if advisers is None:
                advisers = list(advisers_serving(case))
            item["advisers"] = advisers
        if move.needs_outcome:
            item["outcomes"] = outcome_choices(enterprise)
        moves.append(item)
    return moves


def _latest_question(case, notes, events=None):
    """What the ministry last asked the enterprise: its latest shared note, or the comment of
    the latest move to « waiting on the enterprise », whichever is later."""
    if events is None:
        events = CaseEvent.objects.filter(case_id=case.pk, to_status=CaseStatus.WAITING) \
            .exclude(comment="").select_related("actor").order_by("created_at", "pk")
    asked = [{"body": e.comment, "author": e.actor, "at": e.created_at} for e in events
             if e.to_status == CaseStatus.WAITING and e.comment
             and e.kind == EventKind.MOVE]  # not a priority change while waiting
    asked += [{"body": n.body, "author": n.author, "at": n.created_at} for n in notes
              if not n.is_internal and n.author is not None  # None: an emailed reply
              and n.author.role in STAFF_ROLES]
    return max(asked, key=lambda q: q["at"], default=None)


def _notes_context(request, case, notes, form=None, added=False, events=None):
    staff = _is_staff(request.user)
    return {
        "case": case,
        "notes": notes,
        "question": None if staff else _latest_question(case, notes, events),
        "note_form": form or NoteForm(staff=staff),
        "can_add_note": permissions.can_add_note(request.user, case),
        "is_staff": staff,
        "note_added": added,
        # The fragment alone (htmx) keeps the links to the emails the notes came from.
        "visible_mail_ids": mailbox.visible_mail_ids(request.user, case),
    }


def render_detail(request, pk, *, forms):
    """The case's page again with the forms just posted and refused (``_render_detail``), for
    the views of the page's other parts (``merge``)."""
    return _render_detail(request, _case_for_page(request, pk), forms=forms)


def _render_detail(request, case, *, note_form=None, forms=None, status=200):
    """The case's page; ``forms`` replaces its blank forms by the ones just posted with their
    errors (``follow_up_form``, ``referral_form``, ``upload_form``, a ``MoveForm`` as
    ``move_form``, a ``ReferralOutcomeForm`` as ``outcome_form`` with its ``referral_pk``),
    shown at their fields and listed in the page's error summary (``base.html``)."""
    user = request.user
    staff = _is_staff(user)
    today = timezone.localdate()
    events = list(case.events.all())
    if not staff:
        # The priority and a case merged in are the ministry's own.
        events = [event for event in events if event.kind not in STAFF_EVENT_KINDS]
    for event in events:
        event.is_move = event.kind in (EventKind.MOVE, EventKind.MERGED_INTO)
        event.from_label = _status_label(event.from_status)
        event.to_label = _status_label(event.to_status)
        # The enterprise reads what the ministry waits for, and its own comments.
        event.show_comment = bool(event.comment) and (
            staff or event.to_status == CaseStatus.WAITING or event.actor_id == user.pk)
    can_refer = permissions.can_refer(user, case)
    contacts = list(case.organisation.contacts.all()) if staff else []
    if staff:
        # The page shows people's contact details: record who consulted them (Law 25).
        accessed.send(sender=Organisation, instance=case.organisation)
    context = {
        "contacts": contacts,
        "case": case,
        "enterprise": getattr(case.organisation, "enterprise", None),
        "help_kinds": [_choice_label(HelpKind, v) for v in case.help_kinds],
        "topics": [_choice_label(Topic, v) for v in case.topics],
        "positions": list(case.positions.all()),
        "events": events,
        "referrals": list(case.referrals.all()),
        "attachments": list(case.attachments.all()),
        "moves": _moves(user, case),
        "overdue": case.is_open and case.next_follow_up and case.next_follow_up < today,
        "time_to_first_contact": duration_text(case.time_to_first_contact),
        "time_to_close": duration_text(case.time_to_close),
        "can_set_follow_up": staff and case.is_open,
        "follow_up_form": FollowUpForm(initial={"next_follow_up": case.next_follow_up}),
        "can_refer": can_refer,
        "referral_form": ReferralForm(user=user) if can_refer else None,
        "partner_search": _partner_search(request) if can_refer else None,
        "referral_outcomes": ReferralOutcome.choices,
        "can_upload": permissions.can_add_note(user, case),
        "upload_form": AttachmentForm(),
        "default_follow_up": services.default_follow_up(today),
        "today": today,
        **_notes_context(request, case, _notes(user, case), note_form, events=events),
        **casework.detail_context(request, case),
    }
    MoveForm.place(context, forms)
    return render(request, "enterprises/case_detail.html", context, status=status)


def _choice_label(choices, value):
    return choices(value).label if value in choices.values else value


@login_required
@require_GET
def case_detail(request, pk):
    return _render_detail(request, _case_for_page(request, pk))


# --------------------------------------------------------------------------------------------
# Actions
# --------------------------------------------------------------------------------------------


@login_required
@require_POST
def case_transition(request, pk, to):
    case = get_object_or_404(_scoped_cases(request).select_related("office"), pk=pk)
    adviser = None
    adviser_pk = request.POST.get("adviser", "")
    if adviser_pk.isdigit():
        adviser = advisers_serving(case).filter(pk=int(adviser_pk)).first()
    form = MoveForm(request.POST, to=to)
    if not form.is_valid():  # a date that is not one
        return _render_detail(request, _case_for_page(request, pk), forms={"move_form": form})
    try:
        case = services.case_transition(actor=request.user, case_id=pk, to=to,
                                        comment=request.POST.get("comment", ""),
                                        outcome=request.POST.get("outcome", ""),
                                        adviser=adviser,
                                        next_follow_up=form.cleaned_data["next_follow_up"])
    except Case.DoesNotExist:
        raise Http404 from None
    except services.TransitionRefused as exc:
        form.add_refusal(exc)
        return _render_detail(request, _case_for_page(request, pk), forms={"move_form": form})
    messages.success(request, _("The case is now “%(status)s”.")
                     % {"status": case.get_status_display()})
    return redirect(_detail_url(pk))


@login_required
@require_POST
def note_add(request, pk):
    case = get_object_or_404(_scoped_cases(request).select_related("organisation", "office"),
                             pk=pk)
    if not permissions.can_add_note(request.user, case):
        raise PermissionDenied
    staff = _is_staff(request.user)
    form = NoteForm(request.POST, staff=staff)
    added = False
    status_before = case.status
    if form.is_valid():
        try:
            services.note_add(actor=request.user, case=case, body=form.cleaned_data["body"],
                              is_internal=form.cleaned_data.get("is_internal", False),
                              ready_answer=form.cleaned_data.get("ready_answer"))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            added = True
    resumed = added and _scoped_cases(request).filter(pk=pk).exclude(
        status=status_before).exists()
    if added:
        message = (_("Your reply was sent; the adviser resumes the follow-up.") if resumed
                   else _("The note was added."))
    if request.htmx:
        if resumed:  # the status changed too: show the whole page again
            messages.success(request, message)
            response = HttpResponse(status=204)
            response["HX-Redirect"] = _detail_url(pk, "notes")
            # From the case's page itself only the anchor changes, which would not load the
            # page again: the status it shows would stay « waiting ». Reload it.
            response["HX-Refresh"] = "true"
            return response
        response = render(request, "enterprises/_case_notes.html",
                          _notes_context(request, case, _notes(request.user, case),
                                         None if added else form, added))
        patch_vary_headers(response, ("HX-Request",))
        return response
    if added:
        messages.success(request, message)
        return redirect(_detail_url(pk, "notes"))
    return _render_detail(request, _case_for_page(request, pk), note_form=form)


@login_required
@require_POST
def case_follow_up(request, pk):
    case = get_object_or_404(_scoped_cases(request), pk=pk)
    if not _is_staff(request.user):
        raise PermissionDenied
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            case = services.case_set_follow_up(
                actor=request.user, case=case, next_follow_up=form.cleaned_data["next_follow_up"])
        except ValidationError as exc:
            add_service_errors(form, exc)
    if form.errors:
        return _render_detail(request, _case_for_page(request, pk),
                              forms={"follow_up_form": form})
    messages.success(request, _("The next follow-up is set for %(date)s.")
                     % {"date": case.next_follow_up.isoformat()})
    return redirect(_detail_url(pk, "follow-up"))


@login_required
@require_POST
def referral_add(request, pk):
    case = get_object_or_404(_scoped_cases(request), pk=pk)
    if not permissions.can_refer(request.user, case):
        raise PermissionDenied
    form = ReferralForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            referral = services.referral_add(
                actor=request.user, case=case, target=data["target"],
                organisation=data["organisation"] if data["target"] == "partner" else None,
                office=data["office"] if data["target"] == "office" else None,
                referred_on=data["referred_on"], note=data["note"])
        except ValidationError as exc:
            add_service_errors(form, exc)
    if form.errors:
        return _render_detail(request, _case_for_page(request, pk),
                              forms={"referral_form": form})
    messages.success(request, _("The referral to %(target)s was recorded.")
                     % {"target": _referral_target(referral)})
    return redirect(_detail_url(pk, "referrals"))


def _partner_search(request):
    """The referral form's partner search (``?partenaire=``): what was typed, what matched
    (radio buttons of the form) and whether more matched. Without JavaScript the search
    reloads the case's page; with it, ``referral_partner_search`` answers the results alone."""
    text = (request.GET.get("partenaire") or "").strip()
    found, limited = find_referral_partners(request.user, text)
    return {"q": text, "searched": bool(text), "found": found, "limited": limited}


@login_required
@require_GET
def referral_partner_search(request, pk):
    """htmx: the partners of the user's territory matching the search, for the case's
    referral form. A case out of scope is 404 like a missing one; one the user may not refer
    from, 403 (as posting the referral)."""
    case = get_object_or_404(_scoped_cases(request), pk=pk)
    if not permissions.can_refer(request.user, case):
        raise PermissionDenied
    return render(request, "enterprises/case_detail.html#referral_partners",
                  {"case": case, "partner_search": _partner_search(request), "oob": True})


def _referral_target(referral):
    if referral.organisation_id:
        return referral.organisation.name
    if referral.office_id:
        return referral.office.city
    return referral.get_target_display()


@login_required
@require_POST
def referral_outcome(request, pk, referral_pk):
    referral = get_object_or_404(
        Referral.objects.for_user(request.user).select_related("case", "organisation",
                                                               "office"),
        pk=referral_pk, case_id=pk)
    if not permissions.can_refer(request.user, referral.case):
        raise PermissionDenied
    form = ReferralOutcomeForm(request.POST, auto_id=f"referral-{referral.pk}-%s")
    if form.is_valid():
        try:
            services.referral_record_outcome(actor=request.user, referral=referral,
                                             outcome=form.cleaned_data["outcome"],
                                             outcome_on=form.cleaned_data["outcome_on"])
        except ValidationError as exc:
            add_service_errors(form, exc)
    if form.errors:
        return _render_detail(request, _case_for_page(request, pk),
                              forms={"outcome_form": form, "outcome_referral_pk": referral.pk})
    messages.success(request, _("The outcome of the referral to %(target)s was recorded.")
                     % {"target": _referral_target(referral)})
    return redirect(_detail_url(pk, "referrals"))


@login_required
@require_POST
def case_attachment_upload(request, pk):
    case = get_object_or_404(_scoped_cases(request).select_related("organisation"), pk=pk)
    if not permissions.can_add_note(request.user, case):
        raise PermissionDenied
    default = _detail_url(pk, "documents")
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment = services.case_attachment_add(actor=request.user, case=case,
                                                      upload=form.cleaned_data["file"])
        except ValidationError as exc:
            add_service_errors(form, exc)
    if form.errors:
        return _render_detail(request, _case_for_page(request, pk), forms={"upload_form": form})
    messages.success(request, _("The document “%(name)s” was added.")
                     % {"name": attachment.original_name})
    return redirect(safe_next(request, default))


@login_required
@require_GET
def case_attachment_download(request, pk, attachment_pk):
    attachment = get_object_or_404(CaseAttachment.objects.for_user(request.user),
                                   pk=attachment_pk, case_id=pk)
    return document_response(attachment)
