"""The payment schedule of an approved plan: its instalments, when each becomes due, who
authorises it and who records its payment.

- ``instalments_set``: an adviser or SIT manager of the plan's territory sets (replaces) the
  schedule of an approved or followed-up plan while no instalment is authorised yet. The
  instalments add up to the approved amount (checked here with a message, and by a deferred
  database trigger at commit, migration 0005: nothing can skip it), each amount above 0, a
  report condition names one of the plan's own reports, a date falls within the plan's period.
  ``instalments_proposal`` gives the default schedule (50 % at signature, 40 % when the progress
  report is accepted, 10 % when the final report is accepted).
- ``instalments_make_due``: an instalment becomes due when its condition is met, in the
  transaction that meets it. « Signature » is the start of the follow-up (the agreement is in
  force: the plan moves from « approved » to « in progress »); a report condition is met when
  the report is accepted (``REPORT_WORKFLOW``'s accept move calls it, never before); a date
  condition by the daily sweep (``programs.reminders``), on that date. Idempotent: only
  planned instalments change.
- ``instalment_authorise``: a SIT manager of the territory authorises a due instalment (the
  plan's decisions belong to SIT managers); ``instalment_mark_paid``: a central administrator
  (the ministry's finance) records the payment of an authorised one, with its reference.

Every write runs under the actor's audit context (``auditlog``: Instalment is registered), and
the stamps on the row say who authorised and who recorded the payment, and when.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from auditlog.context import set_actor
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import Role
from portal.money import money as _money
from portal.workflow import require

from .models import (
    ActionPlan,
    Instalment,
    InstalmentCondition,
    InstalmentStatus,
    Report,
    ReportKind,
    ReportStatus,
    Status,
)

CENT = Decimal("0.01")
#: Plans whose schedule staff may set: approved, or followed up.
SCHEDULABLE_STATUSES = frozenset({Status.APPROVED, Status.IN_PROGRESS})
#: Plans whose agreement is signed (« signature » instalments are due).
SIGNED_STATUSES = frozenset({Status.IN_PROGRESS, Status.CLOSED})
#: The default schedule: (share, condition), the report conditions naming which report.
DEFAULT_SHARES = ((Decimal("0.50"), "signature"), (Decimal("0.40"), "progress"),
                  (Decimal("0.10"), "final"))
#: Without a progress report, its share waits for the final report.
DEFAULT_SHARES_WITHOUT_PROGRESS = ((Decimal("0.50"), "signature"), (Decimal("0.50"), "final"))


# --------------------------------------------------------------------------------------------
# Who may do what (the plan or instalment is already read through the user's scope)
# --------------------------------------------------------------------------------------------


def _role(user):
    return getattr(user, "role", None) if getattr(user, "is_authenticated", False) else None


def can_set_instalments(user, plan) -> bool:
    """Advisers and SIT managers set an approved or followed-up plan's schedule."""
    return (_role(user) in (Role.ADVISER, Role.SIT_MANAGER)
            and plan.status in SCHEDULABLE_STATUSES)


def can_authorise_instalment(user, instalment) -> bool:
    """A SIT manager authorises a due instalment."""
    return _role(user) == Role.SIT_MANAGER and instalment.status == InstalmentStatus.DUE


def can_mark_instalment_paid(user, instalment) -> bool:
    """A central administrator (the ministry's finance) records an authorised payment."""
    return _role(user) == Role.ADMIN and instalment.status == InstalmentStatus.AUTHORISED


def can_view_payments(user) -> bool:
    """The payments to make (and their export): SIT managers and central administrators."""
    return _role(user) in (Role.SIT_MANAGER, Role.ADMIN)


def can_see_who_paid(user) -> bool:
    """Staff see who authorised and who recorded a payment; the partner sees the status and
    its date."""
    return _role(user) in (Role.ADMIN, Role.SIT_MANAGER, Role.ADVISER)


# --------------------------------------------------------------------------------------------
# The schedule
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One instalment of a schedule as staff give it."""

    amount: Decimal
    condition: str
    report_id: int | None = None
    due_on: date | None = None


def _as_row(row) -> Row:
    if isinstance(row, Row):
        return row
    if isinstance(row, Mapping):
        return Row(amount=row.get("amount"), condition=row.get("condition"),
                   report_id=row.get("report_id"), due_on=row.get("due_on"))
    raise TypeError(f"instalments_set() cannot read {row!r}")


def split(total: Decimal, shares=DEFAULT_SHARES) -> list[tuple[Decimal, str]]:
    """``total`` shared out as ``shares`` say: each amount rounded down to the cent, the last
    taking the remainder, so the amounts add up to ``total`` exactly."""
    parts, given = [], Decimal("0")
    for index, (share, kind) in enumerate(shares):
        last = index == len(shares) - 1
        amount = total - given if last else (total * share).quantize(CENT, ROUND_DOWN)
        given += amount
        parts.append((amount, kind))
    return parts


def instalments_proposal(plan, reports: Iterable[Report] | None = None) -> list[Row]:
    """The default schedule of ``plan``: 50 % at signature, 40 % when the (first) progress
    report is accepted, 10 % when the final report is accepted; without a progress report,
    50 % at signature and 50 % at the final report; without any report scheduled yet, 100 %
    at signature. Each amount is rounded down to the cent and the last takes the remainder, so
    the sum is the approved amount exactly."""
    total = plan.approved_amount
    if total is None or total <= 0:
        return []
    reports = list(plan.reports.all() if reports is None else reports)
    final = next((r for r in reports if r.kind == ReportKind.FINAL), None)
    progress = sorted((r for r in reports if r.kind == ReportKind.PROGRESS),
                      key=lambda r: (r.due_on, r.pk))
    if final is None:
        return [Row(amount=total, condition=InstalmentCondition.SIGNATURE)]
    shares = DEFAULT_SHARES if progress else DEFAULT_SHARES_WITHOUT_PROGRESS
    which = {"progress": progress[0] if progress else None, "final": final}
    rows = []
    for amount, kind in split(total, shares):
        if kind == "signature":
            rows.append(Row(amount=amount, condition=InstalmentCondition.SIGNATURE))
        else:
            rows.append(Row(amount=amount, condition=InstalmentCondition.REPORT,
                            report_id=which[kind].pk))
    return [row for row in rows if row.amount > 0]


def _validated(plan, rows: list[Row], reports: dict[int, Report]) -> list[Instalment]:
    """The instalments ``rows`` describe, or a ValidationError naming every problem."""
    problems = []
    if plan.approved_amount is None:
        raise ValidationError(_("The plan has no approved amount: it cannot have instalments."))
    if not rows:
        problems.append(_("Give at least one instalment."))
    instalments = []
    for number, row in enumerate(rows, start=1):
        amount = row.amount
        try:
            amount = Decimal(str(amount)).quantize(CENT) if amount not in (None, "") else None
        except ArithmeticError:
            amount = None
        if amount is None or amount <= 0:
            problems.append(_("Instalment %(number)s: the amount must be more than $0.")
                            % {"number": number})
            amount = None
        instalment = Instalment(plan=plan, position=number, amount=amount or CENT,
                                condition=row.condition)
        if row.condition == InstalmentCondition.SIGNATURE:
            pass
        elif row.condition == InstalmentCondition.REPORT:
            report = reports.get(row.report_id) if row.report_id else None
            if report is None:
                problems.append(_("Instalment %(number)s: choose one of the plan’s scheduled "
                                  "reports.") % {"number": number})
            else:
                instalment.report = report
        elif row.condition == InstalmentCondition.DATE:
            if row.due_on is None:
                problems.append(_("Instalment %(number)s: give the date.") % {"number": number})
            elif plan.starts_on and plan.ends_on and not (
                    plan.starts_on <= row.due_on <= plan.ends_on):
                problems.append(
                    _("Instalment %(number)s: the date must fall within the plan’s period "
                      "(%(start)s – %(end)s).")
                    % {"number": number, "start": date_format(plan.starts_on, "j F Y"),
                       "end": date_format(plan.ends_on, "j F Y")})
            instalment.due_on = row.due_on
        else:
            problems.append(_("Instalment %(number)s: choose when it is paid.")
                            % {"number": number})
        instalments.append(instalment)
    if rows and not problems:
        total = sum((i.amount for i in instalments), Decimal("0"))
        if total != plan.approved_amount:
            difference = plan.approved_amount - total
            message = (_("The instalments add up to %(total)s instead of the approved amount "
                         "%(approved)s: %(difference)s missing.") if difference > 0
                       else _("The instalments add up to %(total)s instead of the approved "
                              "amount %(approved)s: %(difference)s too much."))
            problems.append(message % {"total": _money(total),
                                       "approved": _money(plan.approved_amount),
                                       "difference": _money(abs(difference))})
    if problems:
        raise ValidationError(problems)
    return instalments


def _locked_plan(actor, plan_id):
    plans = ActionPlan.objects.all() if actor is None else ActionPlan.objects.for_user(actor)
    plan = plans.select_for_update(of=("self",)).filter(pk=plan_id).first()
    if plan is None:
        raise ActionPlan.DoesNotExist
    return plan


def instalments_set(*, actor, plan_id: int, rows: Iterable, now=None) -> list[Instalment]:
    """Replace the schedule of the plan ``plan_id`` (read through ``actor``'s scope, locked)
    with ``rows`` (``Row`` or dicts: amount, condition, report_id, due_on). Refused once an
    instalment is authorised or paid. Instalments whose condition is already met (the plan
    followed up, a report accepted, a date passed) are due at once."""
    now = now or timezone.now()
    rows = [_as_row(row) for row in rows]
    with transaction.atomic(), set_actor(actor):
        plan = _locked_plan(actor, plan_id)
        require(_role(actor) in (Role.ADVISER, Role.SIT_MANAGER))
        if plan.status not in SCHEDULABLE_STATUSES:
            raise ValidationError(
                _("The payment schedule is set once the plan is approved, until it closes "
                  "(the plan is “%(status)s”).") % {"status": plan.get_status_display()})
        existing = list(plan.instalments.select_for_update())
        if any(i.status in (InstalmentStatus.AUTHORISED, InstalmentStatus.PAID)
               for i in existing):
            raise ValidationError(_("An instalment is already authorised: the payment schedule "
                                    "can no longer be changed."))
        reports = {r.pk: r for r in plan.reports.all()}
        instalments = _validated(plan, rows, reports)
        for instalment in existing:
            instalment.delete()
        for instalment in instalments:
            instalment.save()
        _make_due(plan, Instalment.objects.filter(plan=plan), now=now,
                  today=timezone.localdate(now))
    return list(plan.instalments.select_related("report"))


# --------------------------------------------------------------------------------------------
# Due, authorised, paid
# --------------------------------------------------------------------------------------------


def _met(plan, today) -> Q:
    """The instalments of ``plan`` whose condition is met now."""
    met = Q(condition=InstalmentCondition.REPORT, report__status=ReportStatus.ACCEPTED)
    met |= Q(condition=InstalmentCondition.DATE, due_on__lte=today)
    if plan.status in SIGNED_STATUSES:
        met |= Q(condition=InstalmentCondition.SIGNATURE)
    return met


def _make_due(plan, instalments, *, now, today) -> int:
    """Each planned instalment of ``instalments`` whose condition is met becomes due (saved
    one by one, so the audit trail records each move)."""
    return _due(instalments.filter(_met(plan, today)), now)


def _due(instalments, now) -> int:
    count = 0
    for instalment in (instalments.filter(status=InstalmentStatus.PLANNED)
                       .select_related("plan__organisation__office")
                       .select_for_update(of=("self",)).order_by("pk")):
        instalment.status, instalment.due_at = InstalmentStatus.DUE, now
        instalment.save(update_fields=["status", "due_at"])
        _tell(instalment, "instalment_due")
        count += 1
    return count


def _tell(instalment, kind: str) -> None:
    """In the transaction of the move: the SIT's managers hear that an instalment is due (they
    authorise it), the organisation's users that it was paid. Once per instalment and kind
    (the notification's natural key), whoever runs it again."""
    from django.urls import reverse

    from notifications.services import notify

    from .services import _partner_users, _sit_managers

    plan = instalment.plan
    recipients = _sit_managers(plan) if kind == "instalment_due" else _partner_users(plan)
    notify(recipients=recipients, key=f"{kind}:{instalment.pk}", kind=kind,
           params={"plan": plan.title, "organisation": plan.organisation.name,
                   "amount": str(instalment.amount),  # shown in the reader's language
                   "reference": instalment.payment_reference},
           url=reverse("programs:plan_detail", args=[plan.pk]) + "#instalments")


def instalments_make_due(*, plan_id: int | None = None, report_id: int | None = None,
                         day: date | None = None, now=None) -> int:
    """Make due the planned instalments whose condition is met, and return how many: of the
    plan ``plan_id`` (its follow-up started), of the report ``report_id`` (just accepted), or,
    with neither, every plan's date instalments reached by ``day`` (the daily sweep). Called
    inside the transaction that meets the condition (the audit trail names whoever met it;
    nobody for the sweep). Running it again changes nothing."""
    now = now or timezone.now()
    today = day or timezone.localdate(now)
    with transaction.atomic():
        if report_id is not None:
            report = Report.objects.filter(pk=report_id).only("pk", "status").first()
            if report is None or report.status != ReportStatus.ACCEPTED:
                return 0  # never before the report is accepted
            return _due(Instalment.objects.filter(report_id=report_id,
                                                  condition=InstalmentCondition.REPORT), now)
        if plan_id is not None:
            plan = ActionPlan.objects.get(pk=plan_id)
            return _make_due(plan, Instalment.objects.filter(plan=plan), now=now, today=today)
        return _due(Instalment.objects.filter(
            condition=InstalmentCondition.DATE, due_on__lte=today,
            plan__status__in=[Status.APPROVED, Status.IN_PROGRESS, Status.CLOSED]), now)


def _locked_instalment(actor, instalment_id):
    instalment = (Instalment.objects.for_user(actor).select_for_update(of=("self",))
                  .select_related("plan").filter(pk=instalment_id).first())
    if instalment is None:
        raise Instalment.DoesNotExist
    return instalment


def instalment_authorise(*, actor, instalment_id: int, now=None) -> Instalment:
    """A SIT manager of the plan's territory authorises a due instalment (who and when are
    stamped). Authorising it again does nothing."""
    now = now or timezone.now()
    with transaction.atomic(), set_actor(actor):
        instalment = _locked_instalment(actor, instalment_id)
        if instalment.status == InstalmentStatus.AUTHORISED:
            return instalment
        require(_role(actor) == Role.SIT_MANAGER)
        if instalment.status != InstalmentStatus.DUE:
            raise ValidationError(
                _("Only a due instalment can be authorised (this one is “%(status)s”).")
                % {"status": instalment.get_status_display()})
        instalment.status = InstalmentStatus.AUTHORISED
        instalment.authorised_at, instalment.authorised_by = now, actor
        instalment.save(update_fields=["status", "authorised_at", "authorised_by"])
    return instalment


def instalment_mark_paid(*, actor, instalment_id: int, reference: str,
                         now=None) -> Instalment:
    """A central administrator records the payment of an authorised instalment, with the
    finance system's ``reference``. Recording it again does nothing."""
    now = now or timezone.now()
    reference = (reference or "").strip()
    with transaction.atomic(), set_actor(actor):
        instalment = _locked_instalment(actor, instalment_id)
        if instalment.status == InstalmentStatus.PAID:
            return instalment
        require(_role(actor) == Role.ADMIN)
        if instalment.status != InstalmentStatus.AUTHORISED:
            raise ValidationError(
                _("Only an authorised instalment can be paid (this one is “%(status)s”).")
                % {"status": instalment.get_status_display()})
        if not reference:
            raise ValidationError({"reference": _("Give the payment reference of the finance "
                                                  "system.")})
        if len(reference) > 100:
            raise ValidationError({"reference": _("Keep the reference under 100 "
                                                  "characters.")})
        instalment.status = InstalmentStatus.PAID
        instalment.paid_at, instalment.paid_by = now, actor
        instalment.payment_reference = reference
        instalment.save(update_fields=["status", "paid_at", "paid_by", "payment_reference"])
        _tell(instalment, "instalment_paid")
    return instalment


def payments_to_make(user):
    """The authorised instalments not yet paid in ``user``'s scope, with everything the
    payments page and its export show (one query)."""
    return (Instalment.objects.for_user(user).filter(status=InstalmentStatus.AUTHORISED)
            .select_related("plan", "plan__organisation", "plan__organisation__region",
                            "plan__call__program", "report", "authorised_by")
            .order_by("authorised_at", "pk"))
