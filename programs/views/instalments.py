"""A plan's payment schedule (the « Instalments » section of its page, the staff's form to set
it, the authorise and paid buttons) and the payments to make with their export for the
ministry's finance system. Writes go through ``programs.instalments``; every object is read
through its ``for_user`` scope (outside it: 404)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import DecimalField, Prefetch, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from import_export import fields, resources

from portal.exports import export_response

from .. import instalments as service
from ..forms import AmountField, DateInput
from ..models import (
    ZERO,
    ActionPlan,
    Instalment,
    InstalmentCondition,
    InstalmentStatus,
    fiscal_year_label,
)

#: How many instalments the schedule form offers (blank rows are ignored).
SLOTS = 6
#: The plan page reads the schedule with the plan (``views.review._plan_for_page``).
INSTALMENTS_PREFETCH = Prefetch(
    "instalments", queryset=Instalment.objects.select_related("report", "authorised_by",
                                                              "paid_by"))


# --------------------------------------------------------------------------------------------
# How an instalment reads
# --------------------------------------------------------------------------------------------


def _report_label(report) -> str:
    day = date_format(report.due_on, "j F Y")
    return (_("the progress report due %(date)s") if report.kind == "progress"
            else _("the final report due %(date)s")) % {"date": day}


def condition_text(instalment) -> str:
    """The instalment's condition in words (its report read without a query when selected)."""
    if instalment.condition == InstalmentCondition.SIGNATURE:
        return _("At the signature of the agreement (when the follow-up starts)")
    if instalment.condition == InstalmentCondition.REPORT and instalment.report_id:
        return _("When %(report)s is accepted") % {"report": _report_label(instalment.report)}
    if instalment.condition == InstalmentCondition.DATE and instalment.due_on:
        return _("On %(date)s") % {"date": date_format(instalment.due_on, "j F Y")}
    return instalment.get_condition_display()


def instalments_context(user, plan) -> dict:
    """What the plan page's « Instalments » section needs: the schedule (from the plan's
    prefetched ``instalments``, no query per row) and what ``user`` may do with each row."""
    rows = list(plan.instalments.all())
    for row in rows:
        row.plan = plan
        row.condition_text = condition_text(row)
        row.can_authorise = service.can_authorise_instalment(user, row)
        row.can_mark_paid = service.can_mark_instalment_paid(user, row)
    locked = any(r.status in (InstalmentStatus.AUTHORISED, InstalmentStatus.PAID) for r in rows)
    return {
        "instalments": rows,
        "instalments_total": sum((r.amount for r in rows), ZERO),
        "can_set_instalments": service.can_set_instalments(user, plan) and not locked,
        "sees_who_paid": service.can_see_who_paid(user),
        "shows_instalments": bool(rows) or plan.approved_amount is not None,
    }


# --------------------------------------------------------------------------------------------
# The schedule form
# --------------------------------------------------------------------------------------------


class InstalmentScheduleForm(forms.Form):
    """Up to ``SLOTS`` instalments: an amount and when it is paid (at signature, when one of
    the plan's reports is accepted, on a date). It cleans input; the service decides (the sum,
    the reports, the dates)."""

    def __init__(self, *args, plan, reports, rows, **kwargs):
        self.plan = plan
        initial = kwargs.setdefault("initial", {})
        for index, row in enumerate(rows[:SLOTS], start=1):
            initial.setdefault(f"amount_{index}", row.amount)
            when = row.condition
            if row.condition == InstalmentCondition.REPORT:
                when = f"report:{row.report_id}"
            initial.setdefault(f"when_{index}", when)
            initial.setdefault(f"due_on_{index}", row.due_on)
        super().__init__(*args, **kwargs)
        choices = [("", _("— not used —")),
                   (InstalmentCondition.SIGNATURE,
                    _("At the signature of the agreement (when the follow-up starts)"))]
        choices += [(f"report:{r.pk}", _("When %(report)s is accepted")
                     % {"report": _report_label(r)}) for r in reports]
        choices.append((InstalmentCondition.DATE, _("On a date (give it below)")))
        for index in range(1, SLOTS + 1):
            self.fields[f"amount_{index}"] = AmountField(
                label=_("Amount ($)"), required=False, max_digits=14)
            self.fields[f"when_{index}"] = forms.ChoiceField(
                label=_("When it is paid"), choices=choices, required=False)
            self.fields[f"due_on_{index}"] = forms.DateField(
                label=_("Date"), required=False, widget=DateInput,
                help_text=_("Only for an instalment paid on a date."))

    def slots(self):
        return [{"number": i, "amount": self[f"amount_{i}"], "when": self[f"when_{i}"],
                 "due_on": self[f"due_on_{i}"]} for i in range(1, SLOTS + 1)]

    def clean(self):
        cleaned = super().clean()
        for index in range(1, SLOTS + 1):
            amount, when = cleaned.get(f"amount_{index}"), cleaned.get(f"when_{index}")
            if amount is not None and not when:
                self.add_error(f"when_{index}", _("Choose when this instalment is paid."))
            if when and amount is None and f"amount_{index}" not in self.errors:
                self.add_error(f"amount_{index}", _("Give the amount of this instalment."))
        return cleaned

    def rows(self) -> list[service.Row]:
        rows = []
        for index in range(1, SLOTS + 1):
            when = self.cleaned_data.get(f"when_{index}")
            if not when:
                continue
            report_id = None
            if when.startswith("report:"):
                when, report_id = InstalmentCondition.REPORT, int(when.split(":", 1)[1])
            rows.append(service.Row(amount=self.cleaned_data[f"amount_{index}"],
                                    condition=when, report_id=report_id,
                                    due_on=(self.cleaned_data.get(f"due_on_{index}")
                                            if when == InstalmentCondition.DATE else None)))
        return rows


def _scoped_plan(request, pk):
    return get_object_or_404(ActionPlan.objects.for_user(request.user)
                             .select_related("organisation"), pk=pk)


def _apply_errors(form, exc):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _section_url(plan_pk):
    return reverse("programs:plan_detail", args=[plan_pk]) + "#instalments"


@login_required
def instalments_edit(request, pk):
    """Advisers and SIT managers set (replace) the payment schedule of an approved or
    followed-up plan, until an instalment is authorised. The form starts from the schedule,
    or from the default proposal when there is none."""
    plan = _scoped_plan(request, pk)
    if not service.can_set_instalments(request.user, plan):
        raise PermissionDenied
    reports = list(plan.reports.order_by("due_on", "pk"))
    current = list(plan.instalments.select_related("report"))
    rows = ([service.Row(amount=i.amount, condition=i.condition, report_id=i.report_id,
                         due_on=i.due_on) for i in current]
            or service.instalments_proposal(plan, reports))
    form = InstalmentScheduleForm(request.POST or None, plan=plan, reports=reports, rows=rows)
    if request.method == "POST" and form.is_valid():
        try:
            service.instalments_set(actor=request.user, plan_id=plan.pk, rows=form.rows())
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("The payment schedule is saved."))
            return redirect(_section_url(plan.pk))
    return render(request, "programs/instalments/schedule.html", {
        "plan": plan,
        "form": form,
        "reports": reports,
        "current": [(i, condition_text(i)) for i in current],
        "is_proposal": not current,
        "slots": SLOTS,
    })


@login_required
@require_POST
def instalment_authorise(request, pk, instalment_pk):
    _instalment(request, pk, instalment_pk)
    try:
        service.instalment_authorise(actor=request.user, instalment_id=instalment_pk)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The instalment is authorised: it is now on the list of "
                                    "payments to make."))
    return redirect(_section_url(pk))


@login_required
@require_POST
def instalment_mark_paid(request, pk, instalment_pk):
    _instalment(request, pk, instalment_pk)
    try:
        service.instalment_mark_paid(actor=request.user, instalment_id=instalment_pk,
                                     reference=request.POST.get("reference", ""))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The payment is recorded."))
    if request.POST.get("from") == "payments":
        return redirect("programs:payments")
    return redirect(_section_url(pk))


def _instalment(request, pk, instalment_pk):
    """The instalment of plan ``pk`` in the user's scope (else 404)."""
    return get_object_or_404(Instalment.objects.for_user(request.user),
                             pk=instalment_pk, plan_id=pk)


# --------------------------------------------------------------------------------------------
# The payments to make and their export
# --------------------------------------------------------------------------------------------


def _day(value):
    return timezone.localtime(value).date().isoformat() if value else ""


class PaymentResource(resources.ModelResource):
    """The finance system's file: one row per authorised instalment not yet paid. The
    queryset comes from ``payments_to_make``: no query per row."""

    id = fields.Field(attribute="pk", column_name=gettext_lazy("Instalment"))
    plan_id = fields.Field(attribute="plan_id", column_name=gettext_lazy("Plan identifier"))
    plan = fields.Field(attribute="plan__title", column_name=gettext_lazy("Plan title"))
    organisation_id = fields.Field(attribute="plan__organisation_id",
                                   column_name=gettext_lazy("Organisation identifier"))
    organisation = fields.Field(attribute="plan__organisation__name",
                                column_name=gettext_lazy("Organisation"))
    region = fields.Field(column_name=gettext_lazy("Region"))
    program = fields.Field(attribute="plan__call__program__code",
                           column_name=gettext_lazy("Program"))
    fiscal_year = fields.Field(column_name=gettext_lazy("Fiscal year"))
    amount = fields.Field(attribute="amount", column_name=gettext_lazy("Amount ($)"))
    condition = fields.Field(column_name=gettext_lazy("Condition"))
    due_at = fields.Field(column_name=gettext_lazy("Due since"))
    authorised_at = fields.Field(column_name=gettext_lazy("Authorised on"))
    authorised_by = fields.Field(column_name=gettext_lazy("Authorised by"))

    class Meta:
        model = Instalment
        fields = ("id", "plan_id", "plan", "organisation_id", "organisation", "region",
                  "program", "fiscal_year", "amount", "condition", "due_at", "authorised_at",
                  "authorised_by")
        export_order = fields

    def dehydrate_region(self, instalment):
        return str(instalment.plan.organisation.region)

    def dehydrate_fiscal_year(self, instalment):
        return fiscal_year_label(instalment.plan.call.fiscal_year)

    def dehydrate_condition(self, instalment):
        return condition_text(instalment)

    def dehydrate_due_at(self, instalment):
        return _day(instalment.due_at)

    def dehydrate_authorised_at(self, instalment):
        return _day(instalment.authorised_at)

    def dehydrate_authorised_by(self, instalment):
        user = instalment.authorised_by
        return (user.get_full_name() or user.email) if user else ""


def _require_payments(user):
    if not service.can_view_payments(user):
        raise PermissionDenied


@login_required
def payments(request):
    """The authorised instalments not yet paid in the user's scope (SIT managers: their SIT's;
    central administrators: all), the oldest authorisation first, with their export. A
    central administrator records each payment here."""
    _require_payments(request.user)
    rows = service.payments_to_make(request.user)
    page = Paginator(rows, settings.PLAN_QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    for instalment in page:
        instalment.condition_text = condition_text(instalment)
        instalment.can_mark_paid = service.can_mark_instalment_paid(request.user, instalment)
    total = rows.order_by().aggregate(total=Coalesce(
        Sum("amount"), Value(ZERO), output_field=DecimalField(max_digits=16,
                                                              decimal_places=2)))["total"]
    return render(request, "programs/instalments/payments.html",
                  {"page": page, "query": "", "total": total})


@login_required
def payments_export(request, fmt):
    _require_payments(request.user)
    return export_response(PaymentResource(), service.payments_to_make(request.user), fmt,
                           "paiements")
