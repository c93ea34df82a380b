"""The reminders of action-plan reports, sent by the daily sweep of the reminder engine
(``notifications.reminders``: each reminder under its natural key, sent once).

The day of each key: report due, ``due_on - N days`` (N: ``ReminderSettings.report_due_days``);
report late, ``due_on + 1 day``. An administrator who changes N reminds nobody twice of the
same due date (the sweep looks for an earlier reminder of it before inserting). The reminders
of a chunk of reports go to ``reminders.send_many`` at once, one call per kind.
"""

from datetime import date, timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from notifications import reminders
from notifications.models import ReminderSettings

from .instalments import instalments_make_due
from .models import Report

#: How far back an earlier reminder of the same report due date may be (the largest N).
REPORT_DUE_MAX_DAYS = 90


class ReminderKind(models.TextChoices):
    REPORT_DUE = "report_due", _("Action-plan report due")
    REPORT_LATE = "report_late", _("Action-plan report late")


reminders.kinds(ReminderKind)


@reminders.sweep("reports", order=40)
def sweep_reports(day: date) -> dict:
    """Owed action-plan reports due within N days remind the plan's partner users and its
    adviser once; late reports once more, the day after they were due."""
    n = ReminderSettings.current().report_due_days
    reports = Report.objects.owed().filter(due_on__lte=day + timedelta(days=n))
    counts = {"reports_due": 0, "reports_late": 0}
    report_url = reminders.url_maker("programs:report_detail", arity=2)
    for rows in reminders.chunks(reports, ("pk", "due_on", "kind", "plan_id", "plan__title",
                                           "plan__organisation_id", "plan__organisation__name",
                                           "plan__adviser_id")):
        before = reminders.sent_before(ReminderKind.REPORT_DUE,
                                       (f"report:{row[0]}" for row in rows))
        users = reminders.organisation_user_ids(row[5] for row in rows)
        advisers = set(User.objects.filter(is_active=True,
                                           pk__in={row[7] for row in rows if row[7]})
                       .values_list("pk", flat=True))
        due, late = [], []
        for pk, due_on, kind, plan_id, title, organisation_id, organisation, adviser_id in rows:
            key = f"report:{pk}"
            is_late = due_on < day
            recipients = users[organisation_id] + ([adviser_id] if adviser_id in advisers else [])
            params = {"report": kind, "plan": title, "organisation": organisation,
                      "due": due_on.isoformat()}
            url = report_url(plan_id, pk)
            for user_id in recipients:
                if is_late:
                    late.append(reminders.Due(user_id, key, due_on + timedelta(days=1), params,
                                              url))
                elif any(due_on - timedelta(days=REPORT_DUE_MAX_DAYS) <= d <= due_on
                         for d in before.get((user_id, key), ())):
                    continue  # reminded of this due date already (under another N)
                else:
                    due.append(reminders.Due(user_id, key, due_on - timedelta(days=n), params,
                                             url))
        counts["reports_due"] += reminders.send_many(
            kind=ReminderKind.REPORT_DUE, notification_kind="reminder_report_due", items=due)
        counts["reports_late"] += reminders.send_many(
            kind=ReminderKind.REPORT_LATE, notification_kind="reminder_report_late", items=late)
    return counts


@reminders.sweep("instalments", order=45)
def sweep_instalments(day: date) -> dict:
    """Instalments payable on a date become due that day (``programs.instalments``): only
    planned ones change, so a second run, or a run after a missed day, changes nothing more."""
    return {"instalments_due": instalments_make_due(day=day)}
