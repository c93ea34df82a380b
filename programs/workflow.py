"""The action-plan and report workflows, as data: who may make each move, what it needs,
what it checks and what it sets.

``PLAN_WORKFLOW`` and ``REPORT_WORKFLOW`` (the engine is ``portal.workflow``) make every status
change, called by ``programs.services.plan_transition`` and ``report_transition``; pages show
the buttons ``PLAN_WORKFLOW.moves_for(user, plan)`` returns.

Roles: the partner's users act for their organisation; "advisers" are the ministry's advisers
and the SIT managers (who may do everything their advisers do); decisions belong to SIT managers.
Territory is not checked here: the engine reads the plan through ``for_user``.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from auditlog.context import set_actor
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from partners.models import MUNICIPAL_KINDS
from portal.money import money
from portal.money import parse_amount as _parse_money
from portal.workflow import Move, Need, TransitionRefused, Workflow, comment_needed, stamp

from . import envelopes, letters, tasks
from .grids import adviser_grid_missing, fill_the_grid
from .models import (
    ActionPlan,
    PlanEvent,
    Report,
    ReportKind,
    ReportStatus,
    Status,
    fiscal_year_label,
)

PARTNER = frozenset({Role.PARTNER})
ADVISERS = frozenset({Role.ADVISER, Role.SIT_MANAGER})
MANAGERS = frozenset({Role.SIT_MANAGER})


# --------------------------------------------------------------------------------------------
# Guards: each names what is wrong, in words the user can act on.
# --------------------------------------------------------------------------------------------


def call_is_open(plan, now=None):
    now = now or timezone.now()
    call = plan.call
    if not call.program.is_active:
        return [_("The program “%(program)s” no longer accepts plans.")
                % {"program": call.program.name}]
    if now < call.opens_at:
        return [_("The call for projects opens on %(date)s.")
                % {"date": date_format(timezone.localtime(call.opens_at), "DATETIME_FORMAT")}]
    if now >= call.closes_at:
        return [_("The call for projects closed on %(date)s.")
                % {"date": date_format(timezone.localtime(call.closes_at), "DATETIME_FORMAT")}]
    return []


def plan_is_complete(plan, now=None):
    return missing_parts(plan)


def final_report_scheduled(plan, now=None):
    if not plan.reports.filter(kind=ReportKind.FINAL).exists():
        return [_("Schedule the final report before starting the follow-up.")]
    return []


def final_report_accepted(plan, now=None):
    if not plan.reports.filter(kind=ReportKind.FINAL, status=ReportStatus.ACCEPTED).exists():
        return [_("The plan closes when its final report is accepted.")]
    return []


def missing_parts(plan) -> list[str]:
    """Everything that keeps ``plan`` from being submitted, each part named."""
    program = plan.call.program
    problems = []
    if not program.is_eligible(plan.organisation):
        problems.append(_("Organisations of this kind are not eligible to the program "
                          "“%(program)s”.") % {"program": program.name})
    if not plan.title.strip():
        problems.append(_("The plan has no title."))
    if not (plan.starts_on and plan.ends_on):
        problems.append(_("The plan’s period (start and end) is missing."))
    if plan.organisation.kind in MUNICIPAL_KINDS and not plan.needs_analysis.strip():
        problems.append(_("The summary of the needs analysis is missing (required for "
                          "municipal bodies)."))
    if not plan.objectives.strip():
        problems.append(_("The objectives are missing."))
    if not plan.characteristics:
        problems.append(_("Choose at least one welcoming-community characteristic the plan "
                          "addresses."))
    measures = list(plan.measures.prefetch_related("indicators", "budget_lines"))
    if not measures:
        problems.append(_("The plan has no measure."))
    for measure in measures:
        if measure.axis not in (program.axes or []):
            problems.append(_("Measure “%(measure)s”: the program does not fund the axis "
                              "“%(axis)s”.")
                            % {"measure": measure.title, "axis": measure.get_axis_display()})
        if not measure.indicators.all():
            problems.append(_("Measure “%(measure)s” has no indicator.")
                            % {"measure": measure.title})
        if not measure.budget_lines.all():
            problems.append(_("Measure “%(measure)s” has no budget line.")
                            % {"measure": measure.title})
        if plan.starts_on and plan.ends_on and (
                measure.starts_on < plan.starts_on or measure.ends_on > plan.ends_on):
            problems.append(_("Measure “%(measure)s” falls outside the plan’s period.")
                            % {"measure": measure.title})
    if measures and plan.requested_total <= 0:
        problems.append(_("The plan asks the ministry for no amount."))
    if plan.requested_total > program.max_amount:
        problems.append(_("The amount asked (%(asked)s) exceeds the program’s maximum "
                          "(%(max)s).") % {"asked": money(plan.requested_total),
                                           "max": money(program.max_amount)})
    attached = set(plan.attachments.filter(report__isnull=True)
                   .values_list("required_document_id", flat=True))
    for document in plan.call.required_documents.all():
        if document.pk not in attached:
            problems.append(_("Required document missing: %(document)s.")
                            % {"document": document.name})
    return problems


def period_warnings(plan) -> list[str]:
    """What staff and the partner should know about the plan's period without it being a
    refusal: a period reaching outside the call's fiscal year (April 1 to March 31)."""
    if not (plan.starts_on and plan.ends_on):
        return []
    year = plan.call.fiscal_year
    first, last = date(year, 4, 1), date(year + 1, 3, 31)
    if plan.starts_on >= first and plan.ends_on <= last:
        return []
    return [_("The plan’s period (%(start)s – %(end)s) falls outside the call’s fiscal year "
              "%(year)s (%(first)s – %(last)s). Check the dates with the call’s terms.")
            % {"start": date_format(plan.starts_on, "j F Y"),
               "end": date_format(plan.ends_on, "j F Y"), "year": fiscal_year_label(year),
               "first": date_format(first, "j F Y"), "last": date_format(last, "j F Y")}]


def report_missing_parts(report) -> list[str]:
    """What a report needs before it can be submitted, each part named."""
    problems = []
    given = {mr.measure_id: mr for mr in report.measure_reports.all()}
    valued = set(report.indicator_results.values_list("indicator_id", flat=True))
    for measure in report.plan.measures.prefetch_related("indicators"):
        row = given.get(measure.pk)
        if row is None or not row.narrative:
            problems.append(_("Measure “%(measure)s”: say what was done.")
                            % {"measure": measure.title})
        for indicator in measure.indicators.all():
            if indicator.pk not in valued:
                problems.append(_("Measure “%(measure)s”: give the value reached for "
                                  "“%(indicator)s”.")
                                % {"measure": measure.title, "indicator": indicator.name})
    return problems


def report_is_complete(report, now=None):
    return report_missing_parts(report)


# --------------------------------------------------------------------------------------------
# What moves need, and what they set
# --------------------------------------------------------------------------------------------

COMMENT = comment_needed(_("A comment is required for this decision."))


def parse_amount(value) -> Decimal | None:
    """An amount as people type it (« 12 500,50 », « 12,500.50 » in English:
    ``portal.money.parse_amount``); None when not given. Raises ``InvalidOperation`` when it
    is not a number."""
    if value in (None, ""):
        return None
    return _parse_money(value)


def given_amount(attempt) -> Decimal | None:
    """The amount of a move that needs one (checked by then), else None."""
    return parse_amount(attempt.inputs.get("amount")) if attempt.move.needs_amount else None


def _amount_problem(attempt):
    plan = attempt.obj
    try:
        value = parse_amount(attempt.inputs.get("amount"))
    except InvalidOperation:
        return TransitionRefused(gettext("The amount must be a number."))
    if value is None or value <= 0:
        return TransitionRefused(gettext("Give the amount (more than $0)."),
                                 code="amount_required")
    if value > plan.call.program.max_amount:
        return TransitionRefused(gettext("The amount exceeds the program’s maximum (%(max)s).")
                                 % {"max": money(plan.call.program.max_amount)},
                                 code="amount_too_high")
    if value > plan.requested_total:
        return TransitionRefused(gettext("The amount exceeds what the plan asks (%(asked)s).")
                                 % {"asked": money(plan.requested_total)}, code="amount_too_high")
    return None


AMOUNT = Need("amount", _amount_problem)


def _envelope_problem(attempt):
    """Approving beyond the call's envelope, or the envelope of the plan's region when the
    call sets one, needs the SIT manager's explicit confirmation (the input
    ``over_envelope_confirmed``) and a comment saying why. The call's row is locked first, so
    two approvals under one call check the envelope one after the other."""
    plan = attempt.obj
    envelopes.lock_calls([plan.call_id])
    problems = envelopes.overruns(envelopes.plan_envelope(plan),
                                  {plan.organisation.region_id: given_amount(attempt)})
    if not problems or (attempt.inputs.get("over_envelope_confirmed") and attempt.comment):
        return None
    return TransitionRefused(
        " ".join([*problems, gettext("To approve it anyway, confirm that you approve beyond the "
                                     "envelope and explain why in the comment.")]),
        code="over_envelope")


#: Within the envelope, or beyond it with a confirmation and a comment (after ``AMOUNT``).
ENVELOPE = Need("envelope", _envelope_problem)


def _taken_for_review(attempt):
    # The adviser who takes the plan reviews it (a SIT manager keeps the plan's adviser).
    if attempt.obj.adviser_id is None or attempt.role == Role.ADVISER:
        return {"adviser": attempt.actor}
    return {}


def _recommendation(attempt):
    return {"recommended_amount": given_amount(attempt)}


def _approval(attempt):
    return {"approved_amount": given_amount(attempt), "decided_at": attempt.now}


def _instalments_signed(attempt):
    """The follow-up starts when the agreement is in force (« signature »): the plan's
    signature instalments are due, in the same transaction."""
    from .instalments import instalments_make_due

    instalments_make_due(plan_id=attempt.obj.pk, now=attempt.now)


# --------------------------------------------------------------------------------------------
# Where a blocked move's missing step is done (``Move.next_step``: (label, url) or None)
# --------------------------------------------------------------------------------------------


def _complete_the_plan(user, plan):
    return (_("Complete the plan"), reverse("programs:plan_step", args=[plan.pk, "review"]))


def _schedule_the_reports(user, plan):
    return (_("Schedule the final report"),
            reverse("programs:report_schedule", args=[plan.pk]))


def _review_the_final_report(user, plan):
    final = plan.reports.filter(kind=ReportKind.FINAL).order_by("pk").first()
    if final is None:
        return _schedule_the_reports(user, plan)
    return (_("Open the final report"),
            reverse("programs:report_detail", args=[plan.pk, final.pk]))


# --------------------------------------------------------------------------------------------
# The plan's transition table
# --------------------------------------------------------------------------------------------

_SUBMITTED = stamp("submitted_at")
_WITHDRAW = Move(PARTNER, _("Withdraw the plan"))
_APPROVE = Move(MANAGERS, _("Approve"), needs=(AMOUNT, ENVELOPE), effects=(_approval,),
                then=letters.issue_after_move)
_REFUSE = Move(MANAGERS, _("Refuse"), needs=(COMMENT,), effects=(stamp("decided_at"),),
               then=letters.issue_after_move)

TRANSITIONS: dict[tuple[str, str], Move] = {
    (Status.DRAFT, Status.SUBMITTED): Move(
        PARTNER, _("Submit the plan"), guards=(call_is_open, plan_is_complete),
        effects=(_SUBMITTED,), next_step=_complete_the_plan),
    (Status.SUBMITTED, Status.IN_REVIEW): Move(
        ADVISERS, _("Take it for review"), effects=(_taken_for_review,)),
    (Status.IN_REVIEW, Status.CHANGES_REQUESTED): Move(
        ADVISERS, _("Request changes"), needs=(COMMENT,), then=letters.issue_after_move),
    # A resubmission answers the adviser's request: the call may have closed since.
    (Status.CHANGES_REQUESTED, Status.SUBMITTED): Move(
        PARTNER, _("Submit again"), guards=(plan_is_complete,), effects=(_SUBMITTED,),
        next_step=_complete_the_plan),
    # Recommending rests on the plan's adviser's review grid, completed (programs/grids.py).
    (Status.IN_REVIEW, Status.RECOMMENDED): Move(
        ADVISERS, _("Recommend"), needs=(AMOUNT,), guards=(adviser_grid_missing,),
        effects=(_recommendation,), next_step=fill_the_grid),
    (Status.IN_REVIEW, Status.NOT_RECOMMENDED): Move(
        ADVISERS, _("Do not recommend"), needs=(COMMENT,), effects=(_recommendation,)),
    (Status.RECOMMENDED, Status.APPROVED): _APPROVE,
    (Status.RECOMMENDED, Status.REFUSED): _REFUSE,
    (Status.NOT_RECOMMENDED, Status.APPROVED): _APPROVE,
    (Status.NOT_RECOMMENDED, Status.REFUSED): _REFUSE,
    (Status.APPROVED, Status.IN_PROGRESS): Move(
        ADVISERS, _("Start the follow-up"), guards=(final_report_scheduled,),
        then=_instalments_signed, next_step=_schedule_the_reports),
    (Status.IN_PROGRESS, Status.CLOSED): Move(
        ADVISERS, _("Close the plan"), guards=(final_report_accepted,),
        next_step=_review_the_final_report),
    # A partner may withdraw before a decision.
    (Status.DRAFT, Status.WITHDRAWN): _WITHDRAW,
    (Status.SUBMITTED, Status.WITHDRAWN): _WITHDRAW,
    (Status.IN_REVIEW, Status.WITHDRAWN): _WITHDRAW,
    (Status.CHANGES_REQUESTED, Status.WITHDRAWN): _WITHDRAW,
    (Status.RECOMMENDED, Status.WITHDRAWN): _WITHDRAW,
    (Status.NOT_RECOMMENDED, Status.WITHDRAWN): _WITHDRAW,
}

#: Statuses in which the partner may edit the plan's content.
EDITABLE_STATUSES = frozenset({Status.DRAFT, Status.CHANGES_REQUESTED})
#: Statuses waiting for the SIT manager's decision.
DECISION_STATUSES = frozenset({Status.RECOMMENDED, Status.NOT_RECOMMENDED})


def _plan_event(attempt, update):
    return PlanEvent.objects.create(plan=attempt.obj, amount=given_amount(attempt),
                                    **attempt.history())


PLAN_WORKFLOW = Workflow(
    model=ActionPlan, statuses=Status, table=TRANSITIONS, record=_plan_event,
    notify=tasks.notify_plan_event, context=set_actor,
    not_allowed=_("You cannot move a plan from “%(from)s” to “%(to)s”."))


# --------------------------------------------------------------------------------------------
# The report's transition table
# --------------------------------------------------------------------------------------------


def _close_plan_after_final_report(attempt):
    """Accepting a report makes its instalments due (never before), and accepting the final
    report closes the plan, in the same transaction."""
    from .instalments import instalments_make_due

    report = attempt.obj
    instalments_make_due(report_id=report.pk, now=attempt.now)
    if report.kind == ReportKind.FINAL:
        PLAN_WORKFLOW.apply(actor=attempt.actor, obj_id=report.plan_id, to=Status.CLOSED,
                            now=attempt.now)


REPORT_TRANSITIONS: dict[tuple[str, str], Move] = {
    (ReportStatus.EXPECTED, ReportStatus.SUBMITTED): Move(
        PARTNER, _("Submit the report"), guards=(report_is_complete,), effects=(_SUBMITTED,)),
    (ReportStatus.CHANGES_REQUESTED, ReportStatus.SUBMITTED): Move(
        PARTNER, _("Submit the report again"), guards=(report_is_complete,),
        effects=(_SUBMITTED,)),
    (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED): Move(
        ADVISERS, _("Accept the report"), effects=(stamp("accepted_at"),),
        then=_close_plan_after_final_report),
    (ReportStatus.SUBMITTED, ReportStatus.CHANGES_REQUESTED): Move(
        ADVISERS, _("Request changes"), needs=(COMMENT,)),
}

#: Report statuses in which the partner may edit the report.
REPORT_EDITABLE_STATUSES = frozenset({ReportStatus.EXPECTED, ReportStatus.CHANGES_REQUESTED})


def _plan_in_follow_up(actor, report) -> bool:
    """Reports move only while their plan is followed up (« in progress »)."""
    return report.plan.status == Status.IN_PROGRESS


def _report_event(attempt, update):
    report = attempt.obj
    return PlanEvent.objects.create(plan=report.plan, report=report, **attempt.history())


REPORT_WORKFLOW = Workflow(
    model=Report, statuses=ReportStatus, table=REPORT_TRANSITIONS, record=_report_event,
    notify=tasks.notify_plan_event, context=set_actor, may_move=_plan_in_follow_up,
    select_related=("plan",),
    not_allowed=_("You cannot move this report from “%(from)s” to “%(to)s”."))
