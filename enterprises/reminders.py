"""The reminders and escalations of support cases, sent by the daily sweep of the reminder
engine (``notifications.reminders``: each reminder under its natural key, sent once).

The day of each key:

- follow-up digest: the day of the sweep (one digest per person per day, on business days
  only: the Tuesday after a long weekend carries its overdue cases);
- escalation: the *escalation day*, the first business day on which the case is overdue by
  more than N business days, i.e. ``add_business_days(next_follow_up, N + 1)``. A case due on
  Thursday 15 May 2025 with N = 2 is overdue by 1 business day on Friday, still 1 on the
  weekend and on Patriots' Day (Monday 19), 2 on Tuesday 20 and 3 on Wednesday 21: it escalates
  on Wednesday 21, whichever later day the sweep runs. The key does not change until the
  follow-up date does;
- enterprise waiting: ``waiting_since + N days`` (one reminder per waiting period).

An administrator who changes N changes the key's day: a case (or waiting period) already
reminded is then not reminded again (the sweep looks for an earlier reminder of the same
episode before inserting).

Each sweep reads what it needs per chunk (or once: the SIT managers, the escalation day of
each follow-up date) and hands the chunk's reminders to ``reminders.send_many`` at once.
"""

from collections import defaultdict
from datetime import date, timedelta
from functools import reduce
from operator import or_

from django.db import models
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from notifications import reminders
from notifications.models import ReminderSettings
from portal.business_days import add_business_days, is_business_day

from .models import Case, CaseStatus, Priority


class ReminderKind(models.TextChoices):
    FOLLOW_UP_DIGEST = "follow_up_digest", _("Daily digest of follow-ups")
    ESCALATION = "escalation", _("Escalation of an overdue case")
    ENTERPRISE_WAITING = "enterprise_waiting", _("Case waiting on the enterprise")


reminders.kinds(ReminderKind)


@reminders.sweep("follow_ups", order=10)
def sweep_follow_ups(day: date) -> int:
    """Each adviser (or SIT manager) with open cases due on or before ``day`` gets one digest
    for the day: how many are due today and how many are overdue. None on weekends and
    holidays."""
    if not is_business_day(day):
        return 0
    url = reverse("enterprises:case_list")
    per_adviser = (Case.objects.due(day).filter(adviser__is_active=True)
                   .values("adviser_id")
                   .annotate(due_today=Count("pk", filter=Q(next_follow_up=day)),
                             overdue=Count("pk", filter=Q(next_follow_up__lt=day))))
    sent = 0
    for rows in reminders.chunks(per_adviser, ("adviser_id", "due_today", "overdue"),
                                 key="adviser_id"):
        sent += reminders.send_many(
            kind=ReminderKind.FOLLOW_UP_DIGEST, notification_kind="reminder_follow_ups",
            items=[reminders.Due(adviser_id, "", day,
                                 {"due_today": due_today, "overdue": overdue}, url)
                   for adviser_id, due_today, overdue in rows])
    return sent


def escalation_day(follow_up: date, business_days: int) -> date:
    """The first business day on which a case due on ``follow_up`` is overdue by more than
    ``business_days`` business days."""
    return add_business_days(follow_up, business_days + 1)


def _latest_follow_up_escalated_by(day: date, business_days: int) -> date:
    """The latest follow-up date whose escalation day is ``day`` or earlier."""
    follow_up = day - timedelta(days=1)
    while escalation_day(follow_up, business_days) > day:
        follow_up -= timedelta(days=1)
    return follow_up


def _sit_managers() -> dict[int, list[int]]:
    """SIT id -> the ids of its active managers (those assigned to one of its offices)."""
    managers = defaultdict(set)
    for sit_id, user_id in User.objects.filter(
            role=Role.SIT_MANAGER, is_active=True,
            assignments__office__sit_id__isnull=False).values_list(
                "assignments__office__sit_id", "pk"):
        managers[sit_id].add(user_id)
    return {sit_id: sorted(user_ids) for sit_id, user_ids in managers.items()}


def escalation_delays(current: ReminderSettings) -> dict[str, int]:
    """Priority -> N: a high or urgent case escalates after its own delay, never later than a
    case of a lower priority (a longer delay set for it is not used: the shorter applies)."""
    normal = current.escalation_business_days
    high = min(normal, current.escalation_business_days_high)
    urgent = min(high, current.escalation_business_days_urgent)
    return {Priority.LOW: normal, Priority.NORMAL: normal, Priority.HIGH: high,
            Priority.URGENT: urgent}


def cases_to_escalate(day: date, delays: dict[str, int]):
    """The open cases late enough on ``day`` to escalate (or escalated already), given the
    delay of each priority (``escalation_delays``)."""
    # One condition per delay: the cases of those priorities late enough by that delay.
    by_delay = {}
    for priority, n in delays.items():
        by_delay.setdefault(n, []).append(priority)
    late = [Q(priority__in=priorities,
              next_follow_up__lte=_latest_follow_up_escalated_by(day, n))
            for n, priorities in by_delay.items()]
    return Case.objects.open().filter(reduce(or_, late))


@reminders.sweep("escalations", order=20)
def sweep_escalations(day: date) -> int:
    """An open case overdue by more than N business days (``ReminderSettings``; N depends on
    the case's priority, ``escalation_delays``) is escalated to the SIT managers of its
    office's SIT, once per follow-up date."""
    delays = escalation_delays(ReminderSettings.current())
    cases = cases_to_escalate(day, delays)
    managers, days = _sit_managers(), {}
    case_url = reminders.url_maker("enterprises:case_detail")
    sent = 0
    for rows in reminders.chunks(cases, ("pk", "next_follow_up", "office__sit_id",
                                         "organisation__name", "priority")):
        before = reminders.sent_before(ReminderKind.ESCALATION,
                                       (f"case:{row[0]}" for row in rows))
        due = []
        for pk, follow_up, sit_id, organisation, priority in rows:
            n = delays.get(priority, delays[Priority.NORMAL])
            if (follow_up, n) not in days:
                days[follow_up, n] = escalation_day(follow_up, n)
            key = f"case:{pk}"
            params = {"case": pk, "organisation": organisation, "due": follow_up.isoformat()}
            url = case_url(pk)
            for manager_id in managers.get(sit_id, ()):
                if any(d > follow_up for d in before.get((manager_id, key), ())):
                    continue  # escalated already for this follow-up date (under another N)
                due.append(reminders.Due(manager_id, key, days[follow_up, n], params, url))
        sent += reminders.send_many(kind=ReminderKind.ESCALATION,
                                    notification_kind="reminder_escalation", items=due)
    return sent


@reminders.sweep("waiting", order=30)
def sweep_waiting_enterprises(day: date) -> int:
    """A case waiting on the enterprise for N days or more reminds the enterprise's users,
    once per waiting period."""
    n = ReminderSettings.current().enterprise_waiting_days
    cases = Case.objects.filter(status=CaseStatus.WAITING,
                                waiting_since__lte=day - timedelta(days=n))
    case_url = reminders.url_maker("enterprises:case_detail")
    sent = 0
    for rows in reminders.chunks(cases, ("pk", "waiting_since", "organisation_id",
                                         "organisation__name")):
        before = reminders.sent_before(ReminderKind.ENTERPRISE_WAITING,
                                       (f"case:{row[0]}" for row in rows))
        users = reminders.organisation_user_ids(row[2] for row in rows)
        due = []
        for pk, since, organisation_id, organisation in rows:
            key = f"case:{pk}"
            params = {"case": pk, "organisation": organisation, "since": since.isoformat()}
            url = case_url(pk) + "#notes"
            for user_id in users[organisation_id]:
                if any(d > since for d in before.get((user_id, key), ())):
                    continue
                due.append(reminders.Due(user_id, key, since + timedelta(days=n), params, url))
        sent += reminders.send_many(kind=ReminderKind.ENTERPRISE_WAITING,
                                    notification_kind="reminder_waiting", items=due)
    return sent
