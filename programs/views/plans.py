"""The partner's side of action plans: my plans, programs and their calls, a new plan, the
multi-step form that saves the draft at every step, and a measure with its indicators and
budget lines. Every write goes through ``programs.services``; plans are read through
``ActionPlan.objects.for_user`` (out of scope = 404)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, F, Func, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import Role
from partners.models import Kind

from .. import permissions, services
from ..forms import (
    BudgetLineFormSet,
    MeasureForm,
    PlanCreateForm,
    PlanGeneralForm,
    PlanNeedsForm,
    formset_rows,
    measure_indicator_formset,
    municipal,
)
from ..models import (
    ActionPlan,
    Attachment,
    Axis,
    BudgetLine,
    Call,
    Indicator,
    Measure,
    Program,
    RequiredDocument,
    Status,
)
from ..workflow import PLAN_WORKFLOW, call_is_open, missing_parts, period_warnings

PAGE_SIZE = getattr(settings, "PLAN_LIST_PAGE_SIZE", 25)

#: The steps of the plan form, in order: (slug, label).
STEPS = [
    ("general", gettext_lazy("General information")),
    ("needs", gettext_lazy("Needs and objectives")),
    ("measures", gettext_lazy("Measures and budget")),
    ("documents", gettext_lazy("Documents")),
    ("review", gettext_lazy("Review and submit")),
]
STEP_SLUGS = [slug for slug, _label in STEPS]


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _organisation(user):
    """The partner user's organisation, or None."""
    if not permissions.can_create_plan(user):
        return None
    return user.membership.organisation


def _eligible_open_calls(organisation):
    # Programs are a handful of rows: eligibility is read in Python, which works on SQLite
    # (no JSON containment there) as on PostgreSQL.
    programs = [p.pk for p in Program.objects.active() if p.is_eligible(organisation)]
    return (Call.objects.open().filter(program__in=programs)
            .select_related("program").order_by("closes_at", "pk"))


def _count(queryset):
    """COUNT(*) of a correlated subquery, as an integer annotation (0 when nothing)."""
    return Coalesce(
        Subquery(queryset.order_by().annotate(n=Func(F("pk"), function="COUNT"))
                 .values("n")[:1], output_field=IntegerField()),
        0)


def _with_progress(queryset):
    """Annotate what the step list needs to tell which steps are complete, in the same query:
    how many measures, how many lack an indicator or a budget line, how many required
    documents have no file."""
    measures = Measure.objects.filter(plan=OuterRef("pk"))
    incomplete = measures.filter(
        Q(~Exists(Indicator.objects.filter(measure=OuterRef("pk"))))
        | Q(~Exists(BudgetLine.objects.filter(measure=OuterRef("pk")))))
    missing_documents = RequiredDocument.objects.filter(call=OuterRef("call")).exclude(
        Exists(Attachment.objects.filter(plan=OuterRef(OuterRef("pk")), report__isnull=True,
                                         required_document=OuterRef("pk"))))
    return queryset.annotate(measure_count=_count(measures),
                             incomplete_measure_count=_count(incomplete),
                             missing_document_count=_count(missing_documents))


def steps_done(plan) -> dict[str, bool]:
    """Which steps hold everything a submission needs (``plan`` comes from ``_with_progress``).
    The review step is never "complete": it is where the plan is submitted."""
    return {
        "general": bool(plan.title.strip() and plan.starts_on and plan.ends_on),
        "needs": bool(plan.objectives.strip() and plan.characteristics
                      and (plan.needs_analysis.strip() or not municipal(plan.organisation))),
        "measures": bool(plan.measure_count and not plan.incomplete_measure_count
                         and plan.requested_total > 0),
        "documents": not plan.missing_document_count,
        "review": False,
    }


def first_incomplete_step(plan) -> str:
    done = steps_done(plan)
    return next((slug for slug in STEP_SLUGS if not done[slug]), "review")


def _plans(request):
    return ActionPlan.objects.for_user(request.user).select_related(
        "organisation", "call", "call__program")


def _not_editable_message(request, plan):
    if not permissions.is_plan_partner(request.user, plan):
        return _("Only the organisation’s partner users can change this plan.")
    return _("This plan is “%(status)s”: it can no longer be changed.") % {
        "status": plan.get_status_display()}


def _editable_plan(request, pk, queryset=None):
    """The plan the partner is editing, and None; or the plan and the response refusing it:
    a GET goes to the plan's page with a message; a POST is forbidden to anyone who is not the
    plan's partner, and refused with a message when the plan's status forbids changes."""
    plan = get_object_or_404(queryset if queryset is not None else _plans(request), pk=pk)
    if permissions.can_edit_plan(request.user, plan):
        return plan, None
    if request.method == "POST" and not permissions.is_plan_partner(request.user, plan):
        raise PermissionDenied
    level = messages.ERROR if request.method == "POST" else messages.INFO
    messages.add_message(request, level, _not_editable_message(request, plan))
    return plan, redirect("programs:plan_detail", pk=plan.pk)


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


def _step_url(plan, step):
    return reverse("programs:plan_step", args=[plan.pk, step])


def _after_save(request, plan, step):
    """"Save and continue" goes to the next step; "Save draft" stays on this one."""
    messages.success(request, _("Your draft was saved."))
    if request.POST.get("action") == "continue":
        return redirect(_step_url(plan, STEP_SLUGS[STEP_SLUGS.index(step) + 1]))
    return redirect(_step_url(plan, step))


def _measures_with_totals(plan):
    measures = list(plan.measures.prefetch_related("indicators", "budget_lines"))
    labels = dict(Axis.choices)
    for measure in measures:
        lines = list(measure.budget_lines.all())
        measure.axis_label = labels.get(measure.axis, measure.axis)
        measure.requested_subtotal = sum((line.requested_amount for line in lines), 0)
        measure.partner_subtotal = sum((line.partner_amount for line in lines), 0)
        measure.other_subtotal = sum((line.other_amount for line in lines), 0)
        measure.subtotal = (measure.requested_subtotal + measure.partner_subtotal
                            + measure.other_subtotal)
    return measures


def _documents(plan):
    """The call's required documents, each with its files, and the other files of the plan."""
    attachments = list(plan.attachments.filter(report__isnull=True))
    required = list(plan.call.required_documents.all())
    for document in required:
        document.files = [a for a in attachments if a.required_document_id == document.pk]
    required_ids = {d.pk for d in required}
    others = [a for a in attachments if a.required_document_id not in required_ids]
    return required, others


# --------------------------------------------------------------------------------------------
# My plans, programs and calls
# --------------------------------------------------------------------------------------------


@login_required
def plan_list(request):
    if request.user.role != Role.PARTNER:
        return redirect("programs:queue")
    organisation = _organisation(request.user)
    plans = _with_progress(ActionPlan.objects.for_user(request.user).for_list())
    page = Paginator(plans, PAGE_SIZE).get_page(request.GET.get("page"))
    for plan in page:
        plan.can_edit = permissions.can_edit_plan(request.user, plan)
        plan.next_step = first_incomplete_step(plan) if plan.can_edit else None
    return render(request, "programs/plan_list.html", {
        "page": page,
        "query": "",
        "organisation": organisation,
        "can_apply": bool(organisation and _eligible_open_calls(organisation).exists()),
    })


@login_required
def program_list(request):
    now = timezone.now()
    organisation = _organisation(request.user)
    programs = Program.objects.active().prefetch_related(
        Prefetch("calls", queryset=Call.objects.prefetch_related("required_documents")))
    kinds, axes = dict(Kind.choices), dict(Axis.choices)
    programs = list(programs)
    for program in programs:
        program.kind_labels = [kinds.get(k, k) for k in program.eligible_kinds or []]
        program.axis_labels = [axes.get(a, a) for a in program.axes or []]
        eligible = organisation is not None and program.is_eligible(organisation)
        program.org_eligible = eligible
        for call in program.calls.all():
            call.open_now = call.is_open(now)
            call.upcoming = now < call.opens_at
            call.can_apply = eligible and call.open_now
    return render(request, "programs/program_list.html", {
        "programs": programs, "organisation": organisation,
    })


@login_required
def plan_create(request):
    organisation = _organisation(request.user)
    if organisation is None:
        raise PermissionDenied
    calls = _eligible_open_calls(organisation)
    initial = {}
    if request.GET.get("call", "").isdigit():
        initial["call"] = int(request.GET["call"])
    form = PlanCreateForm(request.POST or None, calls=calls, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        plan = _apply(form, lambda: services.plan_create(
            actor=request.user, organisation=organisation, call=data["call"],
            title=data["title"], starts_on=data["starts_on"], ends_on=data["ends_on"]))
        if plan:
            messages.success(request, _("Your draft plan was created. Continue with the needs "
                                        "analysis."))
            return redirect("programs:plan_step", pk=plan.pk, step="needs")
    return render(request, "programs/plan_form.html", {
        "form": form, "organisation": organisation, "has_calls": calls.exists(),
    })


@login_required
@require_POST
def plan_delete(request, pk):
    plan = get_object_or_404(_plans(request), pk=pk)
    if not permissions.is_plan_partner(request.user, plan):
        raise PermissionDenied
    try:
        services.plan_delete(actor=request.user, plan=plan)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("programs:plan_detail", pk=plan.pk)
    messages.success(request, _("The draft “%(title)s” was deleted.") % {"title": plan.title})
    return redirect("programs:plan_list")


# --------------------------------------------------------------------------------------------
# The multi-step form
# --------------------------------------------------------------------------------------------


@login_required
def plan_step(request, pk, step):
    if step not in STEP_SLUGS:
        raise Http404
    plan, refusal = _editable_plan(request, pk, _with_progress(_plans(request)))
    if refusal:
        return refusal
    return STEP_VIEWS[step](request, plan, _step_context(plan, step))


def _step_context(plan, step):
    """What every step's page shows: the steps with which are done, the previous and next."""
    done = steps_done(plan)
    index = STEP_SLUGS.index(step)
    return {
        "plan": plan,
        "step": step,
        "step_label": STEPS[index][1],
        "steps": [{"slug": slug, "label": label, "done": done[slug], "current": slug == step,
                   "url": _step_url(plan, slug)} for slug, label in STEPS],
        "previous_url": _step_url(plan, STEP_SLUGS[index - 1]) if index else None,
        "next_url": (_step_url(plan, STEP_SLUGS[index + 1])
                     if index + 1 < len(STEP_SLUGS) else None),
        "is_municipal": municipal(plan.organisation),
    }


def _step_general(request, plan, context):
    form = PlanGeneralForm(request.POST or None, initial={
        "title": plan.title, "starts_on": plan.starts_on, "ends_on": plan.ends_on})
    if request.method == "POST" and form.is_valid() and _apply(
            form, lambda: services.plan_update(actor=request.user, plan=plan,
                                               **form.cleaned_data)):
        return _after_save(request, plan, "general")
    return render(request, "programs/plan_step_general.html", {**context, "form": form})


def _step_needs(request, plan, context):
    form = PlanNeedsForm(request.POST or None, municipal=context["is_municipal"], initial={
        "needs_analysis": plan.needs_analysis, "objectives": plan.objectives,
        "characteristics": plan.characteristics})
    if request.method == "POST" and form.is_valid() and _apply(
            form, lambda: services.plan_update(actor=request.user, plan=plan,
                                               **form.cleaned_data)):
        return _after_save(request, plan, "needs")
    return render(request, "programs/plan_step_needs.html", {**context, "form": form})


def _step_measures(request, plan, context):
    if request.method == "POST":
        return redirect(_step_url(plan, "documents"))
    return render(request, "programs/plan_step_measures.html", {
        **context, "measures": _measures_with_totals(plan)})


def _step_documents(request, plan, context):
    if request.method == "POST":
        return redirect(_step_url(plan, "review"))
    return _documents_page(request, plan, context)


def _documents_page(request, plan, context, upload_form=None, upload_form_id=None):
    """The documents step; ``upload_form``, refused, goes to the upload form it came from:
    the required document ``upload_form_id``'s, or the other documents' (« other »)."""
    required, others = _documents(plan)
    for document in required:
        document.upload_form = upload_form if str(document.pk) == upload_form_id else None
    return render(request, "programs/plan_step_documents.html", {
        **context, "required_documents": required, "other_attachments": others,
        "this_url": _step_url(plan, "documents"), "upload_form": upload_form,
        "other_upload_form": upload_form if upload_form_id == "other" else None})


def documents_step_with_errors(request, pk, *, upload_form, upload_form_id):
    """The documents step again (200) with the upload just refused (views/review.py
    ``attachment_upload``) at the form it came from (``upload_form_id``: the required
    document's id, or « other »), its error at the file; a plan that can no longer be changed
    goes to its page with a message, as the step itself does."""
    plan, refusal = _editable_plan(request, pk, _with_progress(_plans(request)))
    if refusal:
        return refusal
    return _documents_page(request, plan, _step_context(plan, "documents"),
                           upload_form=upload_form, upload_form_id=str(upload_form_id))


def documents_step_url(plan_pk) -> str:
    return reverse("programs:plan_step", args=[plan_pk, "documents"])


def _step_review(request, plan, context):
    if request.method == "POST":
        return redirect(_step_url(plan, "review"))
    missing = missing_parts(plan)
    # A resubmission answers the adviser's request: the call may have closed since.
    window = call_is_open(plan) if plan.status == Status.DRAFT else []
    # The button is offered when the workflow would accept the submission now (the same
    # checks as the service's).
    submit = next((option for option in PLAN_WORKFLOW.moves_for(request.user, plan)
                   if option.to == Status.SUBMITTED), None)
    required, others = _documents(plan)
    return render(request, "programs/plan_step_review.html", {
        **context, "measures": _measures_with_totals(plan), "missing": missing,
        "window_problems": window, "can_submit": submit is not None and submit.allowed_now,
        "period_warnings": period_warnings(plan),
        "required_documents": required, "other_attachments": others,
        "resubmission": plan.status == Status.CHANGES_REQUESTED})


STEP_VIEWS = {
    "general": _step_general,
    "needs": _step_needs,
    "measures": _step_measures,
    "documents": _step_documents,
    "review": _step_review,
}


# --------------------------------------------------------------------------------------------
# Measures
# --------------------------------------------------------------------------------------------


def _measure_page(request, pk, measure_pk=None):
    plan, refusal = _editable_plan(request, pk)
    if refusal:
        return refusal
    measure = get_object_or_404(plan.measures, pk=measure_pk) if measure_pk else None
    initial, lines = {}, []
    if measure is not None:
        initial = {name: getattr(measure, name) for name in MeasureForm.base_fields}
        lines = list(measure.budget_lines.values("label", "requested_amount", "partner_amount",
                                                 "other_amount", "other_funders"))
    data = request.POST if request.method == "POST" else None
    form = MeasureForm(data, plan=plan, initial=initial)
    indicator_formset = measure_indicator_formset(data, measure)
    line_formset = BudgetLineFormSet(data, initial=lines, prefix="lines")
    if request.method == "POST" and all([form.is_valid(), indicator_formset.is_valid(),
                                         line_formset.is_valid()]):
        saved = _apply(form, lambda: services.measure_save(
            actor=request.user, plan=plan, measure=measure, fields=form.cleaned_data,
            indicators=formset_rows(indicator_formset),
            budget_lines=formset_rows(line_formset)))
        if saved:
            messages.success(request, _("The measure “%(title)s” was saved.")
                             % {"title": saved.title})
            return redirect("programs:plan_step", pk=plan.pk, step="measures")
    return render(request, "programs/measure_form.html", {
        "plan": plan, "measure": measure, "form": form,
        "indicator_formset": indicator_formset, "line_formset": line_formset,
    })


@login_required
def measure_create(request, pk):
    return _measure_page(request, pk)


@login_required
def measure_update(request, pk, measure_pk):
    return _measure_page(request, pk, measure_pk)


@login_required
@require_POST
def measure_delete(request, pk, measure_pk):
    plan, refusal = _editable_plan(request, pk)
    if refusal:
        return refusal
    measure = get_object_or_404(plan.measures, pk=measure_pk)
    try:
        services.measure_delete(actor=request.user, measure=measure)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The measure “%(title)s” was deleted.")
                         % {"title": measure.title})
    return redirect("programs:plan_step", pk=plan.pk, step="measures")
