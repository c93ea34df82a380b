"""Reports on approved plans: the list of due and late reports (both sides), the adviser's
schedule, a report's page (the partner fills it in, the adviser accepts it or asks for changes)
and the report's moves."""

from datetime import timedelta
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .. import permissions, services
from ..models import (
    OWED_REPORT_STATUSES,
    ActionPlan,
    Measure,
    PlanEvent,
    Report,
    ReportKind,
    ReportStatus,
    Status,
)
from ..report_forms import PROGRESS_SLOTS, ReportForm, ReportMoveForm, ReportScheduleForm
from ..services import TransitionRefused
from ..workflow import REPORT_WORKFLOW

REPORT_LIST_PAGE_SIZE = 25
#: "Due soon" means due within this many days (today included).
DUE_SOON_DAYS = 30

#: The list's tabs: (key, label). The first is the default.
TABS = [
    ("owed", gettext_lazy("To be filed")),
    ("late", gettext_lazy("Late")),
    ("soon", gettext_lazy("Due in the next 30 days")),
    ("submitted", gettext_lazy("Submitted, awaiting review")),
    ("all", gettext_lazy("All reports")),
]


def _tab_querysets(reports, today):
    soon_end = today + timedelta(days=DUE_SOON_DAYS)
    return {
        "owed": reports.owed(),
        "late": reports.late(today),
        "soon": reports.due_between(today, soon_end),
        "submitted": reports.filter(status=ReportStatus.SUBMITTED),
        "all": reports,
    }


def _tab_counts(reports, today):
    """Every tab's count in one query (the same conditions as ``ReportQuerySet.owed``,
    ``late`` and ``due_between``)."""
    owed = Q(status__in=OWED_REPORT_STATUSES)
    soon_end = today + timedelta(days=DUE_SOON_DAYS)
    return reports.aggregate(
        owed=Count("pk", filter=owed),
        late=Count("pk", filter=owed & Q(due_on__lt=today)),
        soon=Count("pk", filter=owed & Q(due_on__gte=today, due_on__lte=soon_end)),
        submitted=Count("pk", filter=Q(status=ReportStatus.SUBMITTED)),
        all=Count("pk"),
    )


@login_required
def report_list(request):
    """Reports in the user's scope: the partner's own organisation's, the adviser's
    territory's. Owed ones by default; tabs for late, due soon, awaiting review and all."""
    today = timezone.localdate()
    reports = Report.objects.for_user(request.user)
    tab = request.GET.get("show")
    if tab not in dict(TABS):
        tab = TABS[0][0]
    rows = _tab_querysets(reports, today)[tab].for_list()
    rows = (rows.order_by("submitted_at", "due_on", "pk") if tab == "submitted"
            else rows.order_by("due_on", "pk"))
    page = Paginator(rows, REPORT_LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    for report in page:
        report.days_late = (today - report.due_on).days if report.is_late(today) else 0
    counts = _tab_counts(reports, today)
    return render(request, "programs/report_list.html", {
        "page": page,
        "query": f"show={tab}",
        "tab": tab,
        "tabs": [(key, label, counts[key]) for key, label in TABS],
        "current_label": dict(TABS)[tab],
        "today": today,
    })


def _apply_errors(form, exc):
    """Put a service's ValidationError on the form: on the field it names, else on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
def report_schedule(request, pk):
    """The adviser sets the plan's report schedule; on an approved plan this starts the
    follow-up (the plan moves to « in progress »)."""
    plan = get_object_or_404(
        ActionPlan.objects.for_user(request.user).select_related("organisation"), pk=pk)
    if not permissions.can_schedule_reports(request.user, plan):
        raise PermissionDenied
    form = ReportScheduleForm(request.POST or None, plan=plan)
    if request.method == "POST" and form.is_valid():
        starts_follow_up = plan.status == Status.APPROVED
        try:
            services.report_schedule(actor=request.user, plan=plan,
                                     progress_dates=form.progress_dates(),
                                     final_due_on=form.cleaned_data["final_due_on"])
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The report schedule is set: the plan’s follow-up has "
                                        "started.") if starts_follow_up
                             else _("The report schedule was updated."))
            return redirect("programs:plan_detail", pk=plan.pk)
    return render(request, "programs/report_schedule.html", {
        "plan": plan,
        "form": form,
        "reports": plan.reports.all(),
        "progress_slots": PROGRESS_SLOTS,
    })


def _scoped_report(request, pk, report_pk):
    return get_object_or_404(
        Report.objects.for_user(request.user)
        .select_related("plan", "plan__organisation", "plan__call__program")
        .prefetch_related("measure_reports", "indicator_results",
                          "attachments__uploaded_by"),
        pk=report_pk, plan_id=pk)


def _percent(value, target):
    if value is None or not target:
        return None
    return (value / target * 100).quantize(Decimal("1"))


def _read_only_rows(report, measures):
    """Per measure: the budget asked against the amount spent, each indicator's target against
    the value reached, and what was done."""
    given = {row.measure_id: row for row in report.measure_reports.all()}
    values = {row.indicator_id: row.value for row in report.indicator_results.all()}
    rows = []
    for measure in measures:
        row = given.get(measure.pk)
        rows.append({
            "measure": measure,
            "asked": sum((line.requested_amount for line in measure.budget_lines.all()),
                         Decimal("0")),
            "spent": row.amount_spent if row else None,
            "narrative": row.narrative if row else "",
            "indicators": [
                {"indicator": indicator, "value": values.get(indicator.pk),
                 "percent": _percent(values.get(indicator.pk), indicator.target_value)}
                for indicator in measure.indicators.all()
            ],
        })
    return rows


def _missing_part_fields(form, measures):
    """The field each of ``services.report_missing_parts``'s messages is about (the same
    words, so the error summary can link to the field)."""
    fields = {}
    for measure in measures:
        fields[_("Measure “%(measure)s”: say what was done.")
               % {"measure": measure.title}] = form.narrative_name(measure)
        for indicator in measure.indicators.all():
            fields[_("Measure “%(measure)s”: give the value reached for “%(indicator)s”.")
                   % {"measure": measure.title, "indicator": indicator.name}] = \
                form.indicator_name(indicator)
    return fields


def _error_summary(form, service_messages=()):
    """The errors listed at the top of the form: (field id or None, text)."""
    entries = [(None, error) for error in form.non_field_errors()]
    for field in form:
        for error in field.errors:
            text = error if error in service_messages else _("%(field)s: %(error)s") % {
                "field": getattr(field.field, "summary_label", field.label), "error": error}
            entries.append((field.id_for_label, text))
    return entries


@login_required
def report_detail(request, pk, report_pk):
    report = _scoped_report(request, pk, report_pk)
    plan = report.plan
    measures = list(Measure.objects.filter(plan=plan)
                    .prefetch_related("indicators", "budget_lines"))
    can_edit = permissions.can_edit_report(request.user, report)
    form = None
    error_summary = []
    submit_refused = False
    if can_edit:
        form = ReportForm(request.POST or None, report=report, measures=measures)
    elif request.method == "POST":
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        services.report_save(actor=request.user, report=report, **form.service_arguments())
        if "submit" not in request.POST:
            messages.success(request, _("Your draft was saved. You may come back to it "
                                        "before submitting."))
            return redirect("programs:report_detail", pk=plan.pk, report_pk=report.pk)
        try:
            services.report_transition(actor=request.user, report_id=report.pk,
                                       to=ReportStatus.SUBMITTED)
        except TransitionRefused as exc:
            submit_refused = True
            fields = _missing_part_fields(form, measures)
            for message in exc.messages:
                form.add_error(fields.get(message), message)
            error_summary = _error_summary(form, service_messages=set(fields))
        else:
            messages.success(request, _("The report was submitted to the ministry."))
            return redirect("programs:report_detail", pk=plan.pk, report_pk=report.pk)
    elif form is not None and form.is_bound:
        error_summary = _error_summary(form)
    return _render_report(request, report, measures, can_edit=can_edit, form=form,
                          error_summary=error_summary, submit_refused=submit_refused)


def report_page_with_errors(request, pk, report_pk, **forms):
    """The report's page again (200) with ``forms`` just posted there and refused (a document
    upload as ``upload_form``, views/review.py ``attachment_upload``): the errors at their
    controls and in the page's error summary, not in a message at the top."""
    report = _scoped_report(request, pk, report_pk)
    measures = list(Measure.objects.filter(plan=report.plan)
                    .prefetch_related("indicators", "budget_lines"))
    can_edit = permissions.can_edit_report(request.user, report)
    form = ReportForm(None, report=report, measures=measures) if can_edit else None
    return _render_report(request, report, measures, can_edit=can_edit, form=form,
                          extra=forms)


def _render_report(request, report, measures, *, can_edit, form, error_summary=(),
                   submit_refused=False, extra=None):
    plan = report.plan
    # The partner submits with the form; the other moves are offered as buttons only when the
    # workflow would accept them now, else shown with what is missing.
    options = [option for option in REPORT_WORKFLOW.moves_for(request.user, report)
               if option.to != ReportStatus.SUBMITTED]
    moves = [(option.to, option.move) for option in options if option.allowed_now]
    blocked_moves = [{"to": option.to, "move": option.move, "missing": option.missing,
                      "next_step": option.next_step}
                     for option in options if not option.allowed_now]
    events = (PlanEvent.objects.for_user(request.user).filter(report=report)
              .select_related("actor").order_by("created_at", "pk"))
    total_asked = sum((line.requested_amount for m in measures for line in m.budget_lines.all()),
                      Decimal("0"))
    total_spent = sum((row.amount_spent for row in report.measure_reports.all()), Decimal("0"))
    return render(request, "programs/report_detail.html", {
        "plan": plan,
        "report": report,
        "form": form,
        "can_edit": can_edit,
        "error_summary": error_summary,
        "submit_refused": submit_refused,
        "rows": _read_only_rows(report, measures),
        "total_asked": total_asked,
        "total_spent": total_spent,
        "moves": moves,
        "blocked_moves": blocked_moves,
        "events": events,
        "attachments": report.attachments.all(),
        "is_late": report.is_late(),
        "days_late": (timezone.localdate() - report.due_on).days,
        **(extra or {}),
    })


#: The message after each successful move.
_MOVE_DONE = {
    ReportStatus.SUBMITTED: gettext_lazy("The report was submitted to the ministry."),
    ReportStatus.ACCEPTED: gettext_lazy("The report was accepted."),
    ReportStatus.CHANGES_REQUESTED: gettext_lazy("Changes were requested; the partner has "
                                                 "been notified."),
}


@login_required
@require_POST
def report_transition(request, pk, report_pk, to):
    report = get_object_or_404(Report.objects.for_user(request.user), pk=report_pk, plan_id=pk)
    form = ReportMoveForm(request.POST, to=to)
    form.is_valid()
    try:
        report = services.report_transition(actor=request.user, report_id=report.pk, to=to,
                                            comment=request.POST.get("comment", ""))
    except Report.DoesNotExist as exc:
        raise Http404 from exc
    except TransitionRefused as exc:
        form.add_refusal(exc)
        if form.has_field_errors:  # the comment it needs: the page again, the error there
            return report_page_with_errors(request, pk, report_pk, report_move_form=form)
        for message in exc.messages:
            messages.error(request, message)
        return redirect("programs:report_detail", pk=pk, report_pk=report_pk)
    plan_closed = (report.kind == ReportKind.FINAL and report.status == ReportStatus.ACCEPTED
                   and ActionPlan.objects.filter(pk=pk, status=Status.CLOSED).exists())
    if plan_closed:
        messages.success(request, _("The final report was accepted: the plan is closed."))
        return redirect(reverse("programs:plan_detail", kwargs={"pk": pk}))
    messages.success(request, _MOVE_DONE.get(to, _("The report was updated.")))
    return redirect("programs:report_detail", pk=pk, report_pk=report_pk)
