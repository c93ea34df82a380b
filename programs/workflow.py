"""The action-plan and report workflows, as data: who may make each move, and what it needs.

``programs.services.plan_transition`` and ``report_transition`` are the only functions that
change a status; pages show the buttons ``available_plan_moves(user, plan)`` returns.

Roles: the partner's users act for their organisation; "advisers" are the ministry's advisers
and the SIT managers (who may do everything their advisers do); decisions belong to SIT managers.
Territory is not checked here: the plan has already been read through ``for_user``.
"""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from partners.models import MUNICIPAL_KINDS

from .models import ReportKind, ReportStatus, Status

PARTNER = frozenset({Role.PARTNER})
ADVISERS = frozenset({Role.ADVISER, Role.SIT_MANAGER})
MANAGERS = frozenset({Role.SIT_MANAGER})


@dataclass(frozen=True)
class Move:
    roles: frozenset
    label: str
    needs_comment: bool = False
    needs_amount: bool = False
    #: Checks the plan must pass; each returns the list of what is wrong (empty when fine).
    guards: tuple = ()


# --------------------------------------------------------------------------------------------
# Guards: each names what is wrong, in words the user can act on.
# --------------------------------------------------------------------------------------------


def call_is_open(plan, now=None):
    now = now or timezone.now()
    call = plan.call
    if not call.program.is_active:
        return [_("The program « %(program)s » no longer accepts plans.")
                % {"program": call.program.name}]
    if now < call.opens_at:
        return [_("The call for projects opens on %(date)s.")
                % {"date": timezone.localtime(call.opens_at).strftime("%Y-%m-%d %H:%M")}]
    if now >= call.closes_at:
        return [_("The call for projects closed on %(date)s.")
                % {"date": timezone.localtime(call.closes_at).strftime("%Y-%m-%d %H:%M")}]
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
                          "« %(program)s ».") % {"program": program.name})
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
            problems.append(_("Measure « %(measure)s »: the program does not fund the axis "
                              "« %(axis)s ».")
                            % {"measure": measure.title, "axis": measure.get_axis_display()})
        if not measure.indicators.all():
            problems.append(_("Measure « %(measure)s » has no indicator.")
                            % {"measure": measure.title})
        if not measure.budget_lines.all():
            problems.append(_("Measure « %(measure)s » has no budget line.")
                            % {"measure": measure.title})
        if plan.starts_on and plan.ends_on and (
                measure.starts_on < plan.starts_on or measure.ends_on > plan.ends_on):
            problems.append(_("Measure « %(measure)s » falls outside the plan’s period.")
                            % {"measure": measure.title})
    if measures and plan.requested_total <= 0:
        problems.append(_("The plan asks the ministry for no amount."))
    if plan.requested_total > program.max_amount:
        problems.append(_("The amount asked (%(asked)s $) exceeds the program’s maximum "
                          "(%(max)s $).") % {"asked": plan.requested_total,
                                             "max": program.max_amount})
    attached = set(plan.attachments.filter(report__isnull=True)
                   .values_list("required_document_id", flat=True))
    for document in plan.call.required_documents.all():
        if document.pk not in attached:
            problems.append(_("Required document missing: %(document)s.")
                            % {"document": document.name})
    return problems


# --------------------------------------------------------------------------------------------
# The plan's transition table
# --------------------------------------------------------------------------------------------

_WITHDRAW = Move(PARTNER, _("Withdraw the plan"))

TRANSITIONS: dict[tuple[str, str], Move] = {
    (Status.DRAFT, Status.SUBMITTED): Move(
        PARTNER, _("Submit the plan"), guards=(call_is_open, plan_is_complete)),
    (Status.SUBMITTED, Status.IN_REVIEW): Move(ADVISERS, _("Take it for review")),
    (Status.IN_REVIEW, Status.CHANGES_REQUESTED): Move(
        ADVISERS, _("Request changes"), needs_comment=True),
    # A resubmission answers the adviser's request: the call may have closed since.
    (Status.CHANGES_REQUESTED, Status.SUBMITTED): Move(
        PARTNER, _("Submit again"), guards=(plan_is_complete,)),
    (Status.IN_REVIEW, Status.RECOMMENDED): Move(
        ADVISERS, _("Recommend"), needs_amount=True),
    (Status.IN_REVIEW, Status.NOT_RECOMMENDED): Move(
        ADVISERS, _("Do not recommend"), needs_comment=True),
    (Status.RECOMMENDED, Status.APPROVED): Move(MANAGERS, _("Approve"), needs_amount=True),
    (Status.RECOMMENDED, Status.REFUSED): Move(MANAGERS, _("Refuse"), needs_comment=True),
    (Status.NOT_RECOMMENDED, Status.APPROVED): Move(MANAGERS, _("Approve"), needs_amount=True),
    (Status.NOT_RECOMMENDED, Status.REFUSED): Move(MANAGERS, _("Refuse"), needs_comment=True),
    (Status.APPROVED, Status.IN_PROGRESS): Move(
        ADVISERS, _("Start the follow-up"), guards=(final_report_scheduled,)),
    (Status.IN_PROGRESS, Status.CLOSED): Move(
        ADVISERS, _("Close the plan"), guards=(final_report_accepted,)),
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


def available_plan_moves(user, plan) -> list[tuple[str, Move]]:
    """The moves ``user``'s role may make from the plan's current status (guards are checked
    when the move is made, and name what is missing)."""
    role = getattr(user, "role", None)
    return [(to, move) for (frm, to), move in TRANSITIONS.items()
            if frm == plan.status and role in move.roles]


# --------------------------------------------------------------------------------------------
# The report's transition table
# --------------------------------------------------------------------------------------------

REPORT_TRANSITIONS: dict[tuple[str, str], Move] = {
    (ReportStatus.EXPECTED, ReportStatus.SUBMITTED): Move(PARTNER, _("Submit the report")),
    (ReportStatus.CHANGES_REQUESTED, ReportStatus.SUBMITTED): Move(
        PARTNER, _("Submit the report again")),
    (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED): Move(ADVISERS, _("Accept the report")),
    (ReportStatus.SUBMITTED, ReportStatus.CHANGES_REQUESTED): Move(
        ADVISERS, _("Request changes"), needs_comment=True),
}

#: Report statuses in which the partner may edit the report.
REPORT_EDITABLE_STATUSES = frozenset({ReportStatus.EXPECTED, ReportStatus.CHANGES_REQUESTED})


def available_report_moves(user, report) -> list[tuple[str, Move]]:
    role = getattr(user, "role", None)
    if report.plan.status != Status.IN_PROGRESS:
        return []
    return [(to, move) for (frm, to), move in REPORT_TRANSITIONS.items()
            if frm == report.status and role in move.roles]
