"""The daily reminders and escalations, each sent exactly once.

Every reminder has a natural key (recipient, kind, object, day) under a unique constraint
(``enterprises.models.Reminder``). A sweep inserts the row inside a savepoint and sends (creates
the in-portal notification, whose email goes out after commit) only if the insert happened: an
``IntegrityError`` means another run already sent it. So a sweep run twice, or two sweeps at
once on two workers, send each reminder once.

Sweeps walk ids in chunks (``CHUNK``), one transaction per chunk, so memory stays flat whatever
the number of cases, and a worker killed in the middle loses only its current chunk, which the
next run sends (the chunks before were committed, with their emails enqueued).

The day of each key:

- follow-up digest: the day of the sweep (one digest per person per day);
- escalation: the *escalation day*, the first business day on which the case is overdue by
  more than N business days, i.e. ``add_business_days(next_follow_up, N + 1)``. A case due on
  Thursday 15 May 2025 with N = 2 is overdue by 1 business day on Friday, still 1 on the
  weekend and on Patriots' Day (Monday 19), 2 on Tuesday 20 and 3 on Wednesday 21: it escalates
  on Wednesday 21, whichever later day the sweep runs. The key does not change until the
  follow-up date does;
- enterprise waiting: ``waiting_since + N days`` (one reminder per waiting period);
- report due: ``due_on - N days``; report late: ``due_on + 1 day``.

An administrator who changes N changes the key's day: a case (or waiting period, or report due
date) already reminded is then not reminded again (the sweep looks for an earlier reminder of
the same episode before inserting).
"""

import os
import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from portal.business_days import add_business_days, is_business_day

from .models import Case, CaseStatus, Reminder, ReminderSettings

MONTREAL = ZoneInfo("America/Montreal")
#: Ids walked per query and per transaction.
CHUNK = 500
#: How far back an earlier reminder of the same report due date may be (the largest N).
REPORT_DUE_MAX_DAYS = 90


def today_in_montreal() -> date:
    return timezone.localtime(timezone.now(), MONTREAL).date()


def _chunk_size() -> int:
    # Tests of the real worker make chunks small and slow to kill a worker in the middle of a
    # sweep; these variables are honoured under the test settings only.
    if settings.SETTINGS_MODULE.endswith(".test"):
        return int(os.environ.get("REMINDER_SWEEP_CHUNK", CHUNK))
    return CHUNK


def _pause():
    if settings.SETTINGS_MODULE.endswith(".test"):
        seconds = float(os.environ.get("REMINDER_SWEEP_PAUSE", 0))
        if seconds:
            time.sleep(seconds)


def _send(*, recipient: User, kind: str, object_key: str, day: date, notification_kind: str,
          params: dict, url: str) -> bool:
    """Insert the reminder; notify only if this call inserted it."""
    from notifications.services import notify

    try:
        with transaction.atomic():
            reminder = Reminder.objects.create(recipient=recipient, kind=kind,
                                               object_key=object_key, day=day)
    except IntegrityError:
        return False  # already sent, by an earlier run or by a run at the same time
    notify(recipients=[recipient], key=f"reminder:{reminder.pk}", kind=notification_kind,
           params=params, url=url)
    return True


def _sent_before(kind: str, object_keys: Iterable[str]) -> dict:
    """(recipient id, object key) -> days of the reminders of ``kind`` already sent."""
    sent = defaultdict(list)
    rows = Reminder.objects.filter(kind=kind, object_key__in=list(object_keys)).values_list(
        "recipient_id", "object_key", "day")
    for recipient_id, object_key, day in rows:
        sent[recipient_id, object_key].append(day)
    return sent


def _chunks(queryset, fields):
    """Rows of ``queryset`` (``fields``, the first being the primary key), CHUNK at a time,
    by increasing key, each chunk in its own transaction."""
    size = _chunk_size()
    last = 0
    while True:
        rows = list(queryset.filter(pk__gt=last).order_by("pk").values_list(*fields)[:size])
        if not rows:
            return
        with transaction.atomic():
            yield rows
        last = rows[-1][0]
        _pause()


# --------------------------------------------------------------------------------------------
# Sweeps
# --------------------------------------------------------------------------------------------


def sweep_follow_ups(day: date) -> int:
    """Each adviser (or SIT manager) with open cases due on or before ``day`` gets one digest
    for the day: how many are due today and how many are overdue."""
    url = reverse("enterprises:case_list")
    size = _chunk_size()
    sent = 0
    last = 0
    while True:
        rows = list(
            Case.objects.due(day).filter(adviser__is_active=True, adviser_id__gt=last)
            .values("adviser_id")
            .annotate(due_today=Count("pk", filter=Q(next_follow_up=day)),
                      overdue=Count("pk", filter=Q(next_follow_up__lt=day)))
            .order_by("adviser_id")[:size])
        if not rows:
            return sent
        users = User.objects.in_bulk([row["adviser_id"] for row in rows])
        with transaction.atomic():
            for row in rows:
                sent += _send(recipient=users[row["adviser_id"]],
                              kind=Reminder.Kind.FOLLOW_UP_DIGEST, object_key="", day=day,
                              notification_kind="reminder_follow_ups",
                              params={"due_today": row["due_today"],
                                      "overdue": row["overdue"]}, url=url)
        last = rows[-1]["adviser_id"]
        _pause()


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


def _sit_managers(sit_id, cache):
    if sit_id not in cache:
        cache[sit_id] = list(User.objects.filter(
            role=Role.SIT_MANAGER, is_active=True, assignments__office__sit_id=sit_id)
            .distinct().order_by("pk"))
    return cache[sit_id]


def sweep_escalations(day: date) -> int:
    """An open case overdue by more than N business days (``ReminderSettings``) is escalated
    to the SIT managers of its office's SIT, once per follow-up date."""
    n = ReminderSettings.current().escalation_business_days
    cutoff = _latest_follow_up_escalated_by(day, n)
    cases = Case.objects.open().filter(next_follow_up__lte=cutoff)
    managers, days = {}, {}
    sent = 0
    for rows in _chunks(cases, ("pk", "next_follow_up", "office__sit_id",
                                "organisation__name")):
        before = _sent_before(Reminder.Kind.ESCALATION, (f"case:{row[0]}" for row in rows))
        for pk, follow_up, sit_id, organisation in rows:
            if follow_up not in days:
                days[follow_up] = escalation_day(follow_up, n)
            key = f"case:{pk}"
            for manager in _sit_managers(sit_id, managers):
                if any(d > follow_up for d in before.get((manager.pk, key), ())):
                    continue  # escalated already for this follow-up date (under another N)
                sent += _send(recipient=manager, kind=Reminder.Kind.ESCALATION, object_key=key,
                              day=days[follow_up], notification_kind="reminder_escalation",
                              params={"case": pk, "organisation": organisation,
                                      "due": follow_up.isoformat()},
                              url=reverse("enterprises:case_detail", args=[pk]))
    return sent


def _organisation_users(organisation_ids):
    users = defaultdict(list)
    for user in User.objects.filter(membership__organisation_id__in=set(organisation_ids),
                                    is_active=True).select_related("membership").order_by("pk"):
        users[user.membership.organisation_id].append(user)
    return users


def sweep_waiting_enterprises(day: date) -> int:
    """A case waiting on the enterprise for N days or more reminds the enterprise's users,
    once per waiting period."""
    n = ReminderSettings.current().enterprise_waiting_days
    cases = Case.objects.filter(status=CaseStatus.WAITING,
                                waiting_since__lte=day - timedelta(days=n))
    sent = 0
    for rows in _chunks(cases, ("pk", "waiting_since", "organisation_id",
                                "organisation__name")):
        before = _sent_before(Reminder.Kind.ENTERPRISE_WAITING,
                              (f"case:{row[0]}" for row in rows))
        users = _organisation_users(row[2] for row in rows)
        for pk, since, organisation_id, organisation in rows:
            key = f"case:{pk}"
            for user in users[organisation_id]:
                if any(d > since for d in before.get((user.pk, key), ())):
                    continue
                sent += _send(recipient=user, kind=Reminder.Kind.ENTERPRISE_WAITING,
                              object_key=key, day=since + timedelta(days=n),
                              notification_kind="reminder_waiting",
                              params={"case": pk, "organisation": organisation,
                                      "since": since.isoformat()},
                              url=reverse("enterprises:case_detail", args=[pk]) + "#notes")
    return sent


def sweep_reports(day: date) -> dict:
    """Owed action-plan reports due within N days remind the plan's partner users and its
    adviser once; late reports once more, the day after they were due."""
    from programs.models import Report

    n = ReminderSettings.current().report_due_days
    reports = Report.objects.owed().filter(due_on__lte=day + timedelta(days=n))
    counts = {"reports_due": 0, "reports_late": 0}
    for rows in _chunks(reports, ("pk", "due_on", "kind", "plan_id", "plan__title",
                                  "plan__organisation_id", "plan__organisation__name",
                                  "plan__adviser_id")):
        keys = [f"report:{row[0]}" for row in rows]
        before = _sent_before(Reminder.Kind.REPORT_DUE, keys)
        users = _organisation_users(row[5] for row in rows)
        advisers = User.objects.filter(is_active=True).in_bulk(
            {row[7] for row in rows if row[7]})
        for pk, due_on, kind, plan_id, title, organisation_id, organisation, adviser_id in rows:
            key = f"report:{pk}"
            late = due_on < day
            recipients = users[organisation_id] + (
                [advisers[adviser_id]] if adviser_id in advisers else [])
            params = {"report": kind, "plan": title, "organisation": organisation,
                      "due": due_on.isoformat()}
            url = reverse("programs:report_detail", args=[plan_id, pk])
            for user in recipients:
                if not late and any(due_on - timedelta(days=REPORT_DUE_MAX_DAYS) <= d <= due_on
                                    for d in before.get((user.pk, key), ())):
                    continue  # reminded of this due date already (under another N)
                counted = "reports_late" if late else "reports_due"
                counts[counted] += _send(
                    recipient=user,
                    kind=Reminder.Kind.REPORT_LATE if late else Reminder.Kind.REPORT_DUE,
                    object_key=key,
                    day=due_on + timedelta(days=1) if late else due_on - timedelta(days=n),
                    notification_kind="reminder_report_late" if late
                    else "reminder_report_due", params=params, url=url)
    return counts


def daily_sweep(day: date) -> dict:
    """Every sweep of the day; returns how many reminders each sent now. The follow-up digest
    goes out on business days only (the Tuesday after a long weekend carries its overdue
    cases); the others run every day, their keys' days being fixed by the object."""
    counts = {"follow_ups": sweep_follow_ups(day) if is_business_day(day) else 0,
              "escalations": sweep_escalations(day),
              "waiting": sweep_waiting_enterprises(day)}
    counts.update(sweep_reports(day))
    from regionalisation.reminders import daily_sweep as regionalisation_sweep

    counts.update(regionalisation_sweep(day))
    return counts
