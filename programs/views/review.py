"""A plan's page, for both sides: what the plan says, its documents, reports, timeline and
comment thread, and the workflow moves the user may make now. Writes go through
programs.services; every object is read through its ``for_user`` scope (outside it: 404)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.files import document_response
from portal.forms import add_service_errors
from portal.pages import safe_next

from .. import grids, permissions, services, workflow
from ..models import (
    ZERO,
    ActionPlan,
    Attachment,
    Comment,
    Measure,
    PlanEvent,
    Report,
    Status,
)
from ..review_forms import AttachmentForm, CommentForm, PlanMoveForm
from .decisions import plan_envelope
from .instalments import INSTALMENTS_PREFETCH, instalments_context
from .plans import documents_step_url, documents_step_with_errors
from .reports import report_page_with_errors


def _scoped_plans(request):
    return ActionPlan.objects.for_user(request.user)


def _plan_for_page(request, pk):
    """The plan with everything its page shows, in a fixed number of queries whatever the
    number of measures, indicators, budget lines, documents, reports, events or comments."""
    queryset = _scoped_plans(request).for_list().prefetch_related(
        "call__required_documents",
        Prefetch("measures", queryset=Measure.objects.prefetch_related(
            "indicators", "budget_lines")),
        Prefetch("attachments", queryset=Attachment.objects.select_related(
            "uploaded_by", "required_document", "report")),
        Prefetch("reports", queryset=Report.objects.order_by("due_on", "pk")),
        INSTALMENTS_PREFETCH,
        Prefetch("events", queryset=PlanEvent.objects.select_related("actor", "report")
                 .order_by("created_at", "pk")),
        Prefetch("comments", queryset=Comment.objects.for_user(request.user)
                 .select_related("author")),
    )
    return get_object_or_404(queryset, pk=pk)


def _comments(request, plan):
    """The plan's comments the user may read (a partner never reads an internal one)."""
    return list(Comment.objects.for_user(request.user).filter(plan=plan)
                .select_related("author"))


def _comment_form(request, plan, data=None):
    return CommentForm(data, internal_allowed=permissions.can_comment_plan_internally(
        request.user, plan))


def _detail_url(plan_pk, anchor=""):
    return reverse("programs:plan_detail", args=[plan_pk]) + (f"#{anchor}" if anchor else "")


def _comment_context(request, plan, comments, form=None, added=False):
    return {
        "plan": plan,
        "comments": comments,
        "comment_form": form or _comment_form(request, plan),
        "can_comment": permissions.can_comment_plan(request.user, plan),
        "is_staff_reader": permissions.can_view_queue(request.user),
        "comment_added": added,
    }


def _moves(user, plan):
    """The moves of ``user``'s role from the plan's status, with what each form needs: a
    ``live`` one is a button (the service would accept it now); a blocked one says what is
    missing and where to do it (``next_step``), with no button."""
    moves = []
    for option in workflow.PLAN_WORKFLOW.moves_for(user, plan):
        to, move = option.to, option.move
        amount = None
        if move.needs_amount:
            # The SIT manager starts from the adviser's recommendation; the adviser from what
            # the plan asks.
            amount = (plan.recommended_amount if to == Status.APPROVED
                      and plan.recommended_amount is not None else plan.requested_total)
        moves.append({"to": to, "move": move, "amount": amount,
                      "live": option.allowed_now, "missing": option.missing,
                      "next_step": option.next_step,
                      "danger": to in (Status.REFUSED, Status.WITHDRAWN,
                                       Status.NOT_RECOMMENDED)})
    return moves


def _render_detail(request, plan, *, comment_form=None, forms=None, status=200):
    """The plan's page; ``forms`` replaces its blank forms by the ones just posted with their
    errors (a ``PlanMoveForm`` as ``move_form``, ``upload_form``, ``review_request_form``),
    shown at their controls and listed in the page's error summary (``base.html``)."""
    user = request.user
    measures = list(plan.measures.all())
    for measure in measures:
        lines = list(measure.budget_lines.all())
        measure.subtotal_requested = sum((line.requested_amount for line in lines), ZERO)
        measure.subtotal_partner = sum((line.partner_amount for line in lines), ZERO)
        measure.subtotal_other = sum((line.other_amount for line in lines), ZERO)
        measure.subtotal = (measure.subtotal_requested + measure.subtotal_partner
                            + measure.subtotal_other)
    reports = list(plan.reports.all())
    for report in reports:
        report.plan = plan  # permission checks read the plan: no query per row
    attachments = list(plan.attachments.all())
    for attachment in attachments:
        if attachment.report_id:
            attachment.report.plan = plan
        attachment.can_delete = permissions.can_delete_attachment(user, attachment)
    can_edit = permissions.can_edit_plan(user, plan)
    is_partner = permissions.is_plan_partner(user, plan)
    context = {
        "plan": plan,
        "measures": measures,
        "reports": reports,
        "attachments": attachments,
        "events": list(plan.events.all()),
        "moves": _moves(user, plan),
        "can_edit": can_edit,
        "can_upload": permissions.can_add_plan_attachment(user, plan),
        "upload_form": AttachmentForm(plan=plan),
        "can_schedule_reports": permissions.can_schedule_reports(user, plan),
        "can_request_help": permissions.can_request_help(user, plan),
        **instalments_context(user, plan),
        "is_partner": is_partner,
        # A warning for the ministry, not a refusal (the partner sees it on the form's review).
        "period_warnings": ([] if is_partner or not permissions.can_view_queue(user)
                            else workflow.period_warnings(plan)),
        # The call's envelope, for staff, while deciding (None otherwise).
        "envelope": plan_envelope(user, plan),
        # Review grids: staff only (None for a partner: the section is not rendered).
        "grid_summary": grids.plan_grids(user, plan),
        "disagreement_points": grids.DISAGREEMENT_POINTS,
        **_comment_context(request, plan, list(plan.comments.all()), comment_form),
    }
    PlanMoveForm.place(context, forms)
    return render(request, "programs/plan_detail.html", context, status=status)


def plan_page_with_errors(request, pk, **forms):
    """The plan's page again (200), with ``forms`` just posted and refused (see
    ``_render_detail``): the errors at their controls, not in a message at the top."""
    return _render_detail(request, _plan_for_page(request, pk), forms=forms)


@login_required
@require_GET
def plan_detail(request, pk):
    return _render_detail(request, _plan_for_page(request, pk))


@login_required
@require_POST
def plan_transition(request, pk, to):
    form = PlanMoveForm(request.POST, to=to)
    if not form.is_valid():  # an amount that is no number
        return _render_detail(request, _plan_for_page(request, pk), forms={"move_form": form})
    try:
        plan = services.plan_transition(actor=request.user, plan_id=pk, to=to,
                                        comment=request.POST.get("comment", ""),
                                        amount=request.POST.get("amount") or None,
                                        over_envelope_confirmed=request.POST.get(
                                            "over_envelope_confirmed") == "1")
    except ActionPlan.DoesNotExist:
        raise Http404 from None
    except services.TransitionRefused as exc:
        form.add_refusal(exc)
    if form.has_field_errors:
        # What is wrong is at a control of the move: the page again, the errors at them.
        return _render_detail(request, _plan_for_page(request, pk), forms={"move_form": form})
    if form.errors:  # about the whole move (not allowed, the plan incomplete): a message
        for message in form.non_field_errors():
            messages.error(request, message)
        return redirect(_detail_url(pk, "actions"))
    messages.success(request, _("The plan is now “%(status)s”.")
                     % {"status": plan.get_status_display()})
    return redirect(safe_next(request, _detail_url(pk)))


@login_required
@require_POST
def plan_help_request(request, pk):
    """The partner asks the office's advisers for help on its draft (who then see it)."""
    try:
        services.plan_help_request(actor=request.user, plan_id=pk,
                                   message=request.POST.get("message", ""))
    except ActionPlan.DoesNotExist:
        raise Http404 from None
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(_detail_url(pk, "help"))
    messages.success(request, _("Your request was sent: the advisers of your office can now "
                                "read this draft. It stays yours until you submit it."))
    return redirect(_detail_url(pk, "actions"))


@login_required
@require_POST
def comment_add(request, pk):
    plan = get_object_or_404(_scoped_plans(request).select_related("organisation"), pk=pk)
    form = _comment_form(request, plan, request.POST)
    added = False
    if form.is_valid():
        try:
            services.comment_add(actor=request.user, plan=plan, body=form.cleaned_data["body"],
                                 internal=form.cleaned_data.get("internal", False))
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
            for field, field_errors in errors.items():
                form.add_error(field if field in form.fields else None, field_errors)
        else:
            added = True
    if request.htmx:
        comments = _comments(request, plan)
        response = render(request, "programs/_comments.html",
                          _comment_context(request, plan, comments,
                                           None if added else form, added))
        patch_vary_headers(response, ("HX-Request",))
        return response
    if added:
        messages.success(request, _("Your message was added to the thread."))
        return redirect(_detail_url(pk, "comments"))
    return _render_detail(request, _plan_for_page(request, pk), comment_form=form)


def _optional_choice(queryset, value):
    """The row ``value`` names in ``queryset`` (404 when it names another), or None."""
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise Http404
    return get_object_or_404(queryset, pk=int(value))


@login_required
@require_POST
def attachment_upload(request, pk):
    """A document for the plan, from its page, its documents step or one of its reports.
    Refused, the page it came from comes back (200) with the reason at its file control."""
    plan = get_object_or_404(_scoped_plans(request).select_related("call", "organisation"),
                             pk=pk)
    chosen = (request.POST.get("required_document") or "").strip()
    # Another call's document is no choice of this plan's (404); text that is no id is the
    # list's error (the form's).
    required_document = (_optional_choice(plan.call.required_documents.all(), chosen)
                         if chosen.isdigit() else None)
    report = _optional_choice(plan.reports.all(), request.POST.get("report"))
    default = _detail_url(pk, "documents")
    next_url = safe_next(request, default)
    from_step = next_url.split("#")[0] == documents_step_url(pk)
    step_form_id = required_document.pk if required_document else "other"
    if report is not None:
        auto_id = "report-%s"  # report_detail.html's ids
    elif from_step:
        auto_id = f"%s-{step_form_id}"  # plan_form_upload.html's ids
    else:
        auto_id = "id_%s"
    form = AttachmentForm(request.POST, request.FILES, plan=plan, auto_id=auto_id)
    if form.is_valid():
        try:
            attachment = services.attachment_add(actor=request.user, plan=plan,
                                                 upload=form.cleaned_data["file"],
                                                 required_document=required_document,
                                                 report=report)
        except ValidationError as exc:
            add_service_errors(form, exc)
    if form.errors:
        if report is not None:
            return report_page_with_errors(request, pk, report.pk, upload_form=form)
        if from_step:
            return documents_step_with_errors(request, pk, upload_form=form,
                                              upload_form_id=step_form_id)
        return plan_page_with_errors(request, pk, upload_form=form)
    messages.success(request, _("The document “%(name)s” was added.")
                     % {"name": attachment.original_name})
    return redirect(next_url)


def _scoped_attachment(request, pk, attachment_pk):
    return get_object_or_404(
        Attachment.objects.for_user(request.user).select_related("plan", "report"),
        pk=attachment_pk, plan_id=pk)


@login_required
@require_GET
def attachment_download(request, pk, attachment_pk):
    attachment = _scoped_attachment(request, pk, attachment_pk)
    return document_response(attachment)


@login_required
@require_POST
def attachment_delete(request, pk, attachment_pk):
    attachment = _scoped_attachment(request, pk, attachment_pk)
    name = attachment.original_name
    try:
        services.attachment_delete(actor=request.user, attachment=attachment)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The document “%(name)s” was deleted.") % {"name": name})
    return redirect(safe_next(request, _detail_url(pk, "documents")))

