"""Every write on programs' action plans, measures, attachments, comments and reports.

Functions take keyword-only arguments and an ``actor``; they check the actor may act, validate,
write inside a transaction, record history and enqueue notifications after commit. A refused
action raises ``PermissionDenied`` or ``ValidationError`` (whose message says what is wrong) and
leaves the database as it was.
"""

import json
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

from auditlog.context import set_actor
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from partners.models import Organisation
from portal import files
from portal.workflow import TransitionRefused, require  # noqa: F401 (services.TransitionRefused)

from . import envelopes, permissions
from .grids import review_criteria_defaults_load
from .letters import letter_templates_ensure
from .models import (
    ASSIGNABLE_STATUSES,
    ZERO,
    ActionPlan,
    Attachment,
    BudgetLine,
    Call,
    Characteristic,
    Comment,
    Indicator,
    IndicatorResult,
    Measure,
    MeasureReport,
    PlanEvent,
    PlanEventKind,
    Program,
    Report,
    ReportKind,
    ReportStatus,
    RequiredDocument,
    Status,
    private_drafts,
)
from .workflow import (
    DECISION_STATUSES,
    EDITABLE_STATUSES,
    PLAN_WORKFLOW,
    REPORT_WORKFLOW,
    report_missing_parts,  # noqa: F401 (services.report_missing_parts)
)

PLAN_FIELDS = ("title", "starts_on", "ends_on", "needs_analysis", "objectives",
               "characteristics")
MEASURE_FIELDS = ("axis", "title", "description", "target_groups", "starts_on", "ends_on",
                  "partners_involved", "position")
INDICATOR_FIELDS = ("definition", "name", "unit", "target_value")
BUDGET_LINE_FIELDS = ("label", "requested_amount", "partner_amount", "other_amount",
                      "other_funders")


def _require_editable(actor, plan):
    if not permissions.is_plan_partner(actor, plan):
        raise PermissionDenied
    if plan.status not in EDITABLE_STATUSES:
        raise ValidationError(
            _("A plan that is “%(status)s” can no longer be changed.")
            % {"status": plan.get_status_display()})


def _lock_editable(actor, plan):
    """Inside the write's transaction: re-read the plan's status under a row lock, so that a
    page opened before the plan was submitted (in another tab) cannot change it afterwards,
    and a submission waits for an edit in progress."""
    current = (ActionPlan.objects.select_for_update(of=("self",))
               .only("pk", "status", "organisation_id").get(pk=plan.pk))
    _require_editable(actor, current)


# --------------------------------------------------------------------------------------------
# Plans, measures, totals
# --------------------------------------------------------------------------------------------


def plan_create(*, actor: User, organisation: Organisation, call: Call, title: str,
                starts_on: date | None = None, ends_on: date | None = None,
                needs_analysis: str = "", objectives: str = "",
                characteristics: Sequence[str] = (), now=None) -> ActionPlan:
    """A partner user starts a draft plan for their organisation under ``call`` (open at
    ``now``, by default the present)."""
    require(permissions.can_create_plan(actor, organisation))
    if not call.program.is_eligible(organisation):
        raise ValidationError({"call": _("Organisations of this kind are not eligible to the "
                                         "program “%(program)s”.")
                               % {"program": call.program.name}})
    if not call.is_open(now):
        raise ValidationError({"call": _("This call for projects is not open.")})
    plan = ActionPlan(organisation=organisation, call=call, title=title.strip(),
                      starts_on=starts_on, ends_on=ends_on, needs_analysis=needs_analysis,
                      objectives=objectives, characteristics=_characteristics(characteristics),
                      created_by=actor, **({"created_at": now} if now else {}))
    plan.full_clean()
    with transaction.atomic(), set_actor(actor):
        plan.save()
    return plan


def _characteristics(values: Iterable[str]) -> list[str]:
    values = list(dict.fromkeys(values))
    unknown = set(values) - set(Characteristic.values)
    if unknown:
        raise ValidationError({"characteristics": _("Unknown characteristic.")})
    return values


def plan_update(*, actor: User, plan: ActionPlan, **changes) -> ActionPlan:
    """Change the plan's own fields (``PLAN_FIELDS``) while the partner may edit it."""
    _require_editable(actor, plan)
    unknown = set(changes) - set(PLAN_FIELDS)
    if unknown:
        raise TypeError(f"plan_update() cannot change {sorted(unknown)}")
    if "characteristics" in changes:
        changes["characteristics"] = _characteristics(changes["characteristics"])
    if "title" in changes:
        changes["title"] = changes["title"].strip()
    for name, value in changes.items():
        setattr(plan, name, value)
    plan.full_clean()
    with transaction.atomic(), set_actor(actor):
        _lock_editable(actor, plan)
        plan.save(update_fields=[*changes, "updated_at"])
    return plan


def plan_delete(*, actor: User, plan: ActionPlan) -> None:
    """A draft that was never submitted may be deleted by its organisation."""
    require(permissions.is_plan_partner(actor, plan))
    if plan.status != Status.DRAFT or plan.events.filter(kind=PlanEventKind.MOVE).exists():
        raise ValidationError(_("Only a draft that was never submitted can be deleted; "
                                "withdraw the plan instead."))
    with transaction.atomic(), set_actor(actor):
        for attachment in plan.attachments.all():
            transaction.on_commit(lambda f=attachment.file: f.delete(save=False))
        plan.delete()


def _recompute_totals(plan: ActionPlan) -> None:
    """The plan's totals are the sums of its budget lines: derived here, never typed."""
    sums = BudgetLine.objects.filter(measure__plan=plan).aggregate(
        requested=Sum("requested_amount"), partner=Sum("partner_amount"),
        other=Sum("other_amount"))
    plan.requested_total = sums["requested"] or ZERO
    plan.partner_total = sums["partner"] or ZERO
    plan.other_total = sums["other"] or ZERO
    plan.save(update_fields=["requested_total", "partner_total", "other_total", "updated_at"])


def _indicator_fields(row: dict) -> dict:
    """An indicator chosen from the catalogue (``definition``) takes its name and unit from it
    (in French, the portal's first language), whatever was typed: its figures then add up
    across plans. Without one it is an « other » indicator, named by the partner."""
    fields = {k: row[k] for k in INDICATOR_FIELDS if k in row}
    definition = fields.get("definition")
    if definition is not None:
        fields.update(name=definition.name_fr, unit=definition.unit_fr)
    return fields


def measure_save(*, actor: User, plan: ActionPlan, measure: Measure | None = None,
                 fields: dict, indicators: Sequence[dict],
                 budget_lines: Sequence[dict]) -> Measure:
    """Create or replace a measure with its indicators and budget lines, and recompute the
    plan's totals. ``fields`` holds ``MEASURE_FIELDS``; each indicator holds
    ``INDICATOR_FIELDS`` (``definition``: a catalogue indicator, or none for « other ») and
    each budget line ``BUDGET_LINE_FIELDS``."""
    _require_editable(actor, plan)
    if measure is not None and measure.plan_id != plan.pk:
        raise PermissionDenied
    unknown = set(fields) - set(MEASURE_FIELDS)
    if unknown:
        raise TypeError(f"measure_save() cannot set {sorted(unknown)}")
    measure = measure or Measure(plan=plan)
    for name, value in fields.items():
        setattr(measure, name, value)
    if measure._state.adding and "position" not in fields:
        measure.position = plan.measures.count() + 1
    measure.full_clean()
    new_indicators = [Indicator(measure=measure, **_indicator_fields(row)) for row in indicators]
    new_lines = [BudgetLine(measure=measure, **{k: row[k] for k in BUDGET_LINE_FIELDS
                                                if k in row}) for row in budget_lines]
    for obj in (*new_indicators, *new_lines):
        obj.full_clean(exclude=["measure"])
    with transaction.atomic(), set_actor(actor):
        _lock_editable(actor, plan)
        measure.save()
        measure.indicators.all().delete()
        measure.budget_lines.all().delete()
        for obj in (*new_indicators, *new_lines):
            obj.measure = measure
        Indicator.objects.bulk_create(new_indicators)
        BudgetLine.objects.bulk_create(new_lines)
        _recompute_totals(plan)
    return measure


def measure_delete(*, actor: User, measure: Measure) -> None:
    plan = measure.plan
    _require_editable(actor, plan)
    with transaction.atomic(), set_actor(actor):
        _lock_editable(actor, plan)
        measure.delete()
        _recompute_totals(plan)


# --------------------------------------------------------------------------------------------
# Attachments and comments
# --------------------------------------------------------------------------------------------


def attachment_add(*, actor: User, plan: ActionPlan, upload,
                   required_document: RequiredDocument | None = None,
                   report: Report | None = None) -> Attachment:
    """Store a document checked by its content (see ``portal.files``) in private storage.
    A plan's documents are added while the partner may edit it; a report's while the report
    may be edited."""
    if report is not None:
        if report.plan_id != plan.pk:
            raise PermissionDenied
        require(permissions.can_edit_report(actor, report))
    else:
        _require_editable(actor, plan)
    if required_document is not None and required_document.call_id != plan.call_id:
        raise ValidationError({"required_document": _("This document is not asked by the "
                                                      "plan’s call for projects.")})
    attachment = files.checked_document(Attachment, upload, plan=plan, report=report,
                                        required_document=required_document,
                                        uploaded_by=actor)
    with transaction.atomic(), set_actor(actor):
        if report is None:
            _lock_editable(actor, plan)
        files.store_document(attachment, upload)
    return attachment


def attachment_delete(*, actor: User, attachment: Attachment) -> None:
    require(permissions.can_delete_attachment(actor, attachment))
    with transaction.atomic(), set_actor(actor):
        attachment.delete()
        transaction.on_commit(lambda: attachment.file.delete(save=False))


def comment_add(*, actor: User, plan: ActionPlan, body: str,
                internal: bool = False) -> Comment:
    """A message in the plan's thread; the other side is notified after commit. An
    ``internal`` comment is the ministry's own discussion: only its staff may write and read it,
    and only its staff are notified."""
    require(permissions.can_comment_plan(actor, plan)
             and ActionPlan.objects.for_user(actor).filter(pk=plan.pk).exists())
    if internal:
        require(permissions.can_comment_plan_internally(actor, plan))
    comment = Comment(plan=plan, author=actor, body=body.strip(), is_internal=internal)
    comment.full_clean()
    with transaction.atomic(), set_actor(actor):
        comment.save()
        plan_comment_notify(comment_id=comment.pk)
    return comment


def plan_help_request(*, actor: User, plan_id: int, message: str = "",
                      now=None) -> ActionPlan:
    """The partner asks the office's advisers for help on its draft: from then on the ministry
    sees the draft (``models.private_drafts``), its timeline says who asked and when (with the
    partner's ``message``), and the office's advisers are notified after commit. The draft
    stays visible to them until it is submitted (the request is not withdrawn). Asking again
    does nothing."""
    now = now or timezone.now()
    message = message.strip()
    if len(message) > 5000:
        raise ValidationError({"message": _("Keep the message under 5,000 characters.")})
    with transaction.atomic(), set_actor(actor):
        plan = (ActionPlan.objects.for_user(actor).select_for_update(of=("self",))
                .get(pk=plan_id))
        if plan.help_requested_at is not None and plan.status == Status.DRAFT:
            return plan
        require(permissions.can_request_help(actor, plan))
        plan.help_requested_at, plan.help_requested_by = now, actor
        plan.save(update_fields=["help_requested_at", "help_requested_by", "updated_at"])
        event = PlanEvent.objects.create(plan=plan, kind=PlanEventKind.HELP_REQUESTED,
                                         from_status=plan.status, to_status=plan.status,
                                         actor=actor, comment=message, created_at=now)
        plan_event_notify(event_id=event.pk)
    return plan


# --------------------------------------------------------------------------------------------
# The workflow
# --------------------------------------------------------------------------------------------


def plan_transition(*, actor: User, plan_id: int, to: str, comment: str = "",
                    amount=None, over_envelope_confirmed: bool = False,
                    now=None) -> ActionPlan:
    """Move a plan to status ``to`` if the table allows ``actor``'s role to, from where it
    is now, and the move's checks pass; write a history row and notify the other side after
    commit. Moving to the status the plan already has does nothing (a double click is safe).
    An approval beyond the call's envelope needs ``over_envelope_confirmed`` and a comment.
    """
    return PLAN_WORKFLOW.apply(actor=actor, obj_id=plan_id, to=to, now=now, comment=comment,
                               amount=amount, over_envelope_confirmed=over_envelope_confirmed)


def plans_approve_batch(*, actor: User, plan_ids: Iterable[int], comment: str = "",
                        confirm_over_envelope: bool = False, now=None) -> list[ActionPlan]:
    """Approve recommended plans of the actor's scope at their recommended amounts, in one
    transaction: each through ``PLAN_WORKFLOW`` (its history row, its notices). All or
    nothing: an id outside the scope raises ``ActionPlan.DoesNotExist``; a plan that is not
    recommended, or that its move refuses, refuses the batch with a message naming it. When
    the selection's total goes beyond a call's envelope (or a region's), the batch needs
    ``confirm_over_envelope`` and a comment. A plan already approved is left as it is (a
    double click is safe). Returns the plans approved now."""
    require(permissions.can_approve_plans(actor))
    ids = sorted({int(pk) for pk in plan_ids})
    if not ids:
        raise ValidationError(_("Select at least one recommended plan to approve."),
                              code="none_selected")
    comment = (comment or "").strip()
    now = now or timezone.now()
    with transaction.atomic(), set_actor(actor):
        plans = list(ActionPlan.objects.for_user(actor).filter(pk__in=ids)
                     .select_related("call", "organisation__region").order_by("pk")
                     .select_for_update(of=("self",)))
        if len(plans) != len(ids):
            raise ActionPlan.DoesNotExist
        for plan in plans:
            if plan.status not in (Status.RECOMMENDED, Status.APPROVED):
                raise TransitionRefused(
                    _("“%(plan)s” is “%(status)s”: only recommended plans are approved "
                      "together. Nothing was approved.")
                    % {"plan": plan.title, "status": plan.get_status_display()},
                    code="not_recommended")
        plans = [plan for plan in plans if plan.status == Status.RECOMMENDED]
        envelopes.lock_calls(plan.call_id for plan in plans)
        figures = envelopes.call_envelopes({plan.call_id: plan.call for plan in plans}.values())
        problems = [problem for call_id, amounts in envelopes.batch_amounts(plans).items()
                    for problem in envelopes.overruns(figures[call_id], amounts)]
        if problems and not (confirm_over_envelope and comment):
            raise TransitionRefused(
                " ".join([*problems,
                          _("To approve them anyway, confirm that you approve beyond the "
                            "envelope and explain why in the comment. Nothing was approved.")]),
                code="over_envelope")
        for plan in plans:
            try:
                PLAN_WORKFLOW.apply(actor=actor, obj_id=plan.pk, to=Status.APPROVED, now=now,
                                    comment=comment, amount=plan.recommended_amount,
                                    over_envelope_confirmed=confirm_over_envelope)
            except ValidationError as exc:
                raise TransitionRefused(
                    _("“%(plan)s” could not be approved: %(reason)s Nothing was approved.")
                    % {"plan": plan.title, "reason": " ".join(exc.messages)},
                    code=getattr(exc, "code", None) or "refused") from exc
    return plans


def plans_assign(*, actor: User, plan_ids: Iterable[int], adviser: User) -> int:
    """Assign submitted plans of the actor's territory to ``adviser`` (an adviser or SIT
    manager who serves them); return how many changed hands. Ids outside the actor's scope
    and drafts (which the ministry does not see) are ignored. All or nothing: if the adviser
    does not serve one of the plans, nothing is assigned and the message names the plans."""
    require(permissions.can_assign_plans(actor))
    if not permissions.can_be_assigned_plans(adviser):
        raise ValidationError(_("Plans can only be assigned to an adviser or a SIT manager."))
    ids = [int(pk) for pk in plan_ids]
    with transaction.atomic(), set_actor(actor):
        plans = list(ActionPlan.objects.for_user(actor).filter(pk__in=ids)
                     .filter(status__in=ASSIGNABLE_STATUSES).select_for_update(of=("self",)))
        served = set(ActionPlan.objects.for_user(adviser).filter(
            pk__in=[p.pk for p in plans]).values_list("pk", flat=True))
        outside = [p.title for p in plans if p.pk not in served]
        if outside:
            raise ValidationError(
                _("%(adviser)s does not serve the territory of: %(plans)s.")
                % {"adviser": adviser.get_full_name() or adviser.email,
                   "plans": ", ".join(outside)})
        assigned = [p.pk for p in plans if p.adviser_id != adviser.pk]
        ActionPlan.objects.filter(pk__in=assigned).update(adviser=adviser,
                                                          updated_at=timezone.now())
        if adviser != actor:
            for pk in assigned:
                plan_assigned_notify(plan_id=pk, adviser_id=adviser.pk)
    return len(assigned)


# --------------------------------------------------------------------------------------------
# Reports
# --------------------------------------------------------------------------------------------


def report_schedule(*, actor: User, plan: ActionPlan, progress_dates: Iterable[date],
                    final_due_on: date) -> list[Report]:
    """Set the plan's report schedule: progress reports at ``progress_dates`` and the final
    report on ``final_due_on``. The final report moves to its new date while it is owed.
    Progress reports already submitted, accepted, sent back or started by the partner are kept
    at their date; the other owed ones are replaced by the new dates. An approved plan whose
    final report is scheduled starts its follow-up, in the same transaction."""
    require(permissions.can_schedule_reports(actor, plan))
    progress_dates = sorted(set(progress_dates))
    if plan.starts_on and final_due_on < plan.starts_on:
        raise ValidationError({"final_due_on": _("The final report cannot be due before the "
                                                 "plan starts.")})
    if any(day >= final_due_on for day in progress_dates):
        raise ValidationError({"progress_dates": _("Progress reports are due before the final "
                                                   "report.")})
    with transaction.atomic(), set_actor(actor):
        # The plan as the actor's scope sees it now, locked: out of scope is "does not exist".
        locked = (ActionPlan.objects.for_user(actor).select_for_update(of=("self",))
                  .filter(pk=plan.pk).first())
        if locked is None:
            raise ActionPlan.DoesNotExist
        plan = locked
        require(permissions.can_schedule_reports(actor, plan))
        existing = list(plan.reports.select_for_update())
        kept = [r for r in existing if r.status not in (ReportStatus.EXPECTED,)]
        owed = [r for r in existing if r.status == ReportStatus.EXPECTED]
        for report in owed:
            if report.measure_reports.exists() or report.attachments.exists():
                kept.append(report)  # the partner has started it: keep it
            elif report.instalments.exists():
                kept.append(report)  # an instalment waits for it: change the schedule first
        kept_ids = {r.pk for r in kept}
        Report.objects.filter(pk__in=[r.pk for r in owed if r.pk not in kept_ids]).delete()
        final = next((r for r in kept if r.kind == ReportKind.FINAL), None)
        if final is None:
            Report.objects.create(plan=plan, kind=ReportKind.FINAL, due_on=final_due_on)
        elif final.status in (ReportStatus.EXPECTED, ReportStatus.CHANGES_REQUESTED):
            final.due_on = final_due_on
            final.save(update_fields=["due_on"])
        kept_days = {r.due_on for r in kept if r.kind == ReportKind.PROGRESS}
        for day in progress_dates:
            if day not in kept_days:
                Report.objects.create(plan=plan, kind=ReportKind.PROGRESS, due_on=day)
        if plan.status == Status.APPROVED:  # in the same transaction: all or nothing
            plan = plan_transition(actor=actor, plan_id=plan.pk, to=Status.IN_PROGRESS)
    return list(plan.reports.all())


def report_save(*, actor: User, report: Report, narrative: str,
                measures: dict[int, dict], indicators: dict[int, Decimal]) -> Report:
    """Save what the partner says in a report: per measure the amount spent and a narrative
    (``measures[measure_id] = {"amount_spent": ..., "narrative": ...}``), per indicator the
    value reached (``indicators[indicator_id] = value``)."""
    require(permissions.can_edit_report(actor, report))
    plan = report.plan
    measure_ids = set(plan.measures.values_list("pk", flat=True))
    indicator_ids = set(Indicator.objects.filter(measure__plan=plan).values_list("pk", flat=True))
    if set(measures) - measure_ids or set(indicators) - indicator_ids:
        raise PermissionDenied
    rows = [MeasureReport(report=report, measure_id=pk, amount_spent=data.get("amount_spent")
                          or ZERO, narrative=(data.get("narrative") or "").strip())
            for pk, data in measures.items()]
    results = [IndicatorResult(report=report, indicator_id=pk, value=value)
               for pk, value in indicators.items() if value is not None]
    for obj in (*rows, *results):
        obj.full_clean(exclude=["report", "measure", "indicator"], validate_unique=False,
                       validate_constraints=False)
    report.narrative = narrative.strip()
    with transaction.atomic(), set_actor(actor):
        report.save(update_fields=["narrative"])
        report.measure_reports.all().delete()
        report.indicator_results.all().delete()
        MeasureReport.objects.bulk_create(rows)
        IndicatorResult.objects.bulk_create(results)
    return report


def report_transition(*, actor: User, report_id: int, to: str, comment: str = "",
                      now=None) -> Report:
    """Move a report (submit, accept, request changes) as ``REPORT_TRANSITIONS`` allows. When
    the final report is accepted, the plan closes."""
    return REPORT_WORKFLOW.apply(actor=actor, obj_id=report_id, to=to, now=now,
                                 comment=comment)


# --------------------------------------------------------------------------------------------
# Notifications (called by tasks, after commit)
# --------------------------------------------------------------------------------------------


def _partner_users(plan):
    return User.objects.filter(membership__organisation_id=plan.organisation_id, is_active=True)


def _office_advisers(plan):
    return User.objects.filter(role=Role.ADVISER, is_active=True,
                               assignments__office_id=plan.organisation.office_id)


def _sit_managers(plan):
    return User.objects.filter(role=Role.SIT_MANAGER, is_active=True,
                               assignments__office__sit_id=plan.organisation.office.sit_id)


def _other_side(plan, actor, *, deciders=False):
    """Who hears of what ``actor`` did: the ministry when a partner acts (the plan's adviser,
    or the office's advisers while nobody is assigned), the partner when the ministry acts
    (and the plan's adviser when someone else acted). ``deciders`` adds the SIT managers."""
    if actor.role == Role.PARTNER:
        recipients = [plan.adviser] if plan.adviser_id else list(_office_advisers(plan))
    else:
        recipients = list(_partner_users(plan))
        if plan.adviser_id and plan.adviser_id != actor.pk:
            recipients.append(plan.adviser)
    if deciders:
        recipients += list(_sit_managers(plan))
    return _who_may_open(plan, [u for u in recipients if u.pk != actor.pk])


def _who_may_open(plan, recipients):
    """The recipients whose scope holds the plan: staff never hear of a partner's private
    draft (a comment on it, its withdrawal), whose page would answer 404."""
    if not ActionPlan.objects.filter(private_drafts(), pk=plan.pk).exists():
        return recipients
    return [u for u in recipients if u.role == Role.PARTNER]


def _staff_side(plan, actor):
    """Who hears of an internal comment: the ministry's staff only, never a partner user
    (the plan's adviser, or the office's advisers while nobody is assigned, and the SIT's
    managers), without its author."""
    recipients = [plan.adviser] if plan.adviser_id else list(_office_advisers(plan))
    recipients += list(_sit_managers(plan))
    seen, staff = set(), []
    for user in recipients:
        if user.pk != actor.pk and user.pk not in seen and user.role != Role.PARTNER:
            seen.add(user.pk)
            staff.append(user)
    return _who_may_open(plan, staff)


def plan_event_notify(*, event_id: int) -> int:
    from notifications.services import notify

    event = (PlanEvent.objects.select_related("plan", "plan__organisation",
                                              "plan__organisation__office", "plan__adviser",
                                              "actor", "report")
             .filter(pk=event_id).first())
    if event is None:
        return 0
    plan = event.plan
    params = {"plan": plan.title, "organisation": plan.organisation.name,
              "from": event.from_status, "to": event.to_status}
    if event.is_help_request:
        recipients = list(_office_advisers(plan)) or list(_sit_managers(plan))
        return len(notify(recipients=_who_may_open(plan, recipients),
                          key=f"plan-event:{event.pk}", kind="plan_help_requested",
                          params=params, url=reverse("programs:plan_detail", args=[plan.pk])))
    if event.report_id:
        kind = "report_status"
        params["report"] = event.report.kind
        url = reverse("programs:report_detail", args=[plan.pk, event.report_id])
    else:
        kind = "plan_status"
        url = reverse("programs:plan_detail", args=[plan.pk])
    recipients = _other_side(plan, event.actor,
                             deciders=not event.report_id and event.to_status in DECISION_STATUSES)
    return len(notify(recipients=recipients, key=f"plan-event:{event.pk}", kind=kind,
                      params=params, url=url))


def plan_comment_notify(*, comment_id: int) -> int:
    from notifications.services import notify

    comment = (Comment.objects.select_related("plan", "plan__organisation",
                                              "plan__organisation__office", "plan__adviser",
                                              "author").filter(pk=comment_id).first())
    if comment is None:
        return 0
    plan = comment.plan
    if comment.is_internal:
        return len(notify(recipients=_staff_side(plan, comment.author),
                          key=f"plan-comment:{comment.pk}", kind="plan_internal_comment",
                          params={"plan": plan.title, "organisation": plan.organisation.name},
                          url=reverse("programs:plan_detail", args=[plan.pk]) + "#comments"))
    return len(notify(recipients=_other_side(plan, comment.author),
                      key=f"plan-comment:{comment.pk}", kind="plan_comment",
                      params={"plan": plan.title, "organisation": plan.organisation.name},
                      url=reverse("programs:plan_detail", args=[plan.pk]) + "#comments"))


def plan_assigned_notify(*, plan_id: int, adviser_id: int) -> int:
    from notifications.services import notify

    plan = ActionPlan.objects.select_related("organisation").filter(pk=plan_id,
                                                                    adviser_id=adviser_id).first()
    if plan is None:
        return 0
    return len(notify(recipients=[plan.adviser], key=f"plan-assigned:{plan.pk}:{adviser_id}",
                      kind="plan_assigned",
                      params={"plan": plan.title, "organisation": plan.organisation.name},
                      url=reverse("programs:plan_detail", args=[plan.pk])))


# --------------------------------------------------------------------------------------------
# Reference programs
# --------------------------------------------------------------------------------------------

DEFAULT_PROGRAMS_FILE = Path(__file__).resolve().parent.parent / "fixtures" / "programs.json"


def programs_load(*, path: Path = DEFAULT_PROGRAMS_FILE) -> int:
    """Create the reference programs that do not exist yet (by code) and return how many.
    Existing programs are left as administrators edited them."""
    data = json.loads(path.read_text(encoding="utf-8"))
    existing = set(Program.objects.values_list("code", flat=True))
    created = 0
    with transaction.atomic():
        for row in data["programs"]:
            if row["code"] in existing:
                continue
            program = Program(**{**row, "max_amount": Decimal(row["max_amount"])})
            program.full_clean()
            program.save()
            created += 1
        review_criteria_defaults_load()  # every program without criteria gets the defaults
        letter_templates_ensure()  # and every program lacking a decision letter template
    return created
