"""Interventions: what advisers did on a support case (a call, a meeting, a visit, an email, an
information session), with its day, duration and who took part. The workload report
(``enterprises/workload.py``) adds them up.

Rules, checked by every write here:

- advisers and SIT managers of the case's territory record them (an administrator does no
  case work, as for notes and moves); the author, a SIT manager of the case's SIT or an
  administrator changes or deletes one;
- the kind of help given is one of the case's (its first when not said);
- the day is neither in the future nor before the case was opened;
- a closed case: its last interventions may still be recorded, changed or deleted during
  ``CLOSED_CASE_GRACE_DAYS`` days after it was closed (the last call is often written up
  later), dated at the latest on the closing day; after that its record is final (the workload
  figures already reported do not move).

Refused input raises ``ValidationError`` (its message says what is wrong), a refused actor
``PermissionDenied``; either way the database is left as it was. Changes are audited.
"""

from datetime import date, timedelta

from auditlog.context import set_actor
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from portal.workflow import require

from . import permissions
from .models import Case, HelpKind, Intervention, InterventionKind

#: Days after a case is closed during which its interventions may still be recorded or fixed.
CLOSED_CASE_GRACE_DAYS = 30
MAX_MINUTES = 1440


def _locked_case(actor, case_id) -> Case:
    """The case as it is now, read through the actor's scope and locked (a move closing it
    meanwhile waits). Outside the scope: refused."""
    case = (Case.objects.for_user(actor).select_for_update(of=("self",))
            .filter(pk=case_id).first())
    require(case is not None)
    return case


def still_recordable(case: Case, today: date | None = None) -> bool:
    """Whether the case's interventions may still be recorded or changed: an open case, or
    one closed less than ``CLOSED_CASE_GRACE_DAYS`` days ago."""
    if case.is_open or case.closed_at is None:
        return True
    today = today or timezone.localdate()
    return today <= timezone.localdate(case.closed_at) + timedelta(days=CLOSED_CASE_GRACE_DAYS)


def _check_case_open_enough(case: Case, today: date) -> None:
    if not still_recordable(case, today):
        closed_on = timezone.localdate(case.closed_at)
        raise ValidationError(
            _("This case was closed on %(date)s, more than %(days)d days ago: its "
              "interventions can no longer be recorded or changed.")
            % {"date": closed_on.isoformat(), "days": CLOSED_CASE_GRACE_DAYS})


def _validated(intervention: Intervention, case: Case, *, today: date,
               also_allowed_help: str = "") -> None:
    """Check an intervention's values against its case; raise one ValidationError naming
    every wrong field."""
    errors = {}
    if intervention.kind not in InterventionKind.values:
        errors["kind"] = _("Choose the kind of intervention.")
    allowed_help = list(case.help_kinds or [])
    if also_allowed_help and also_allowed_help not in allowed_help:
        allowed_help.append(also_allowed_help)  # kept as it was when the case changed since
    if intervention.help_kind not in HelpKind.values or (
            intervention.help_kind not in allowed_help):
        labels = ", ".join(str(HelpKind(v).label) for v in case.help_kinds or []
                           if v in HelpKind.values)
        errors["help_kind"] = _("Choose one of the kinds of help of this case: %(kinds)s.") % {
            "kinds": labels}
    day = intervention.day
    if not isinstance(day, date):
        errors["day"] = _("Give the date of the intervention.")
    elif day > today:
        errors["day"] = _("The date cannot be in the future.")
    elif day < timezone.localdate(case.opened_at):
        errors["day"] = _("The date cannot be before the case was opened (%(date)s).") % {
            "date": timezone.localdate(case.opened_at).isoformat()}
    elif not case.is_open and case.closed_at and day > timezone.localdate(case.closed_at):
        errors["day"] = _("The date cannot be after the case was closed (%(date)s).") % {
            "date": timezone.localdate(case.closed_at).isoformat()}
    minutes = intervention.duration_minutes
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not (
            1 <= minutes <= MAX_MINUTES):
        errors["duration_minutes"] = _("The duration is between 1 minute and 24 hours "
                                       "(1440 minutes).")
    if errors:
        raise ValidationError(errors)
    intervention.full_clean(exclude=["case", "adviser"])


def intervention_add(*, actor: User, case: Case, kind: str, day: date, duration_minutes: int,
                     help_kind: str = "", participants: str = "", summary: str = "",
                     today: date | None = None) -> Intervention:
    """Record what ``actor`` did on ``case``; ``actor`` is its adviser."""
    require(permissions.can_record_interventions(actor))
    today = today or timezone.localdate()
    with transaction.atomic(), set_actor(actor):
        current = _locked_case(actor, case.pk)
        _check_case_open_enough(current, today)
        intervention = Intervention(
            case=current, kind=kind,
            help_kind=help_kind or (current.help_kinds[0] if current.help_kinds else ""),
            day=day, duration_minutes=duration_minutes,
            participants=(participants or "").strip(), summary=(summary or "").strip(),
            adviser=actor)
        _validated(intervention, current, today=today)
        intervention.save()
    return intervention


def _locked_intervention(actor, intervention_id) -> Intervention:
    intervention = (Intervention.objects.for_user(actor).select_for_update(of=("self",))
                    .filter(pk=intervention_id).first())
    require(intervention is not None)
    require(permissions.can_change_intervention(actor, intervention))
    return intervention


def intervention_update(*, actor: User, intervention: Intervention, kind: str | None = None,
                        help_kind: str | None = None, day: date | None = None,
                        duration_minutes: int | None = None, participants: str | None = None,
                        summary: str | None = None,
                        today: date | None = None) -> Intervention:
    """Change an intervention (its author, a SIT manager of its SIT or an administrator);
    an argument left to None keeps its value."""
    require(permissions.can_change_intervention(actor, intervention))
    today = today or timezone.localdate()
    with transaction.atomic(), set_actor(actor):
        current = _locked_intervention(actor, intervention.pk)
        case = _locked_case(actor, current.case_id)
        _check_case_open_enough(case, today)
        stored_help = current.help_kind
        changes = {"kind": kind, "help_kind": help_kind, "day": day,
                   "duration_minutes": duration_minutes,
                   "participants": None if participants is None else participants.strip(),
                   "summary": None if summary is None else summary.strip()}
        changed = [field for field, value in changes.items()
                   if value is not None and getattr(current, field) != value]
        for field in changed:
            setattr(current, field, changes[field])
        _validated(current, case, today=today, also_allowed_help=stored_help)
        if changed:
            current.save(update_fields=changed)
    return current


def intervention_delete(*, actor: User, intervention: Intervention,
                        today: date | None = None) -> None:
    """Delete an intervention recorded by mistake (same people and time limit as changes)."""
    require(permissions.can_change_intervention(actor, intervention))
    today = today or timezone.localdate()
    with transaction.atomic(), set_actor(actor):
        current = _locked_intervention(actor, intervention.pk)
        _check_case_open_enough(_locked_case(actor, current.case_id), today)
        current.delete()
