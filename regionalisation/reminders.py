"""The daily sweeps of regionalisation, run by ``enterprises.reminders.daily_sweep`` with the
same reminder mechanism as cases (``enterprises.models.Reminder``, its natural key and
"insert, and send only if the insert happened"):

- opportunities past their expiry date are expired (a status move by the system, with its
  history row; moving an expired opportunity again does nothing);
- an opportunity expiring within N days (``ReminderSettings.opportunity_expiry_days``)
  reminds the employer's users once per expiry date: the key's day is the expiry date itself
  (not ``expires_on - N``: an earlier reminder of the same date under another N, or of an
  earlier date, could not be told apart), so an administrator who changes N reminds nobody
  twice, and an employer who extends the posting is reminded again before the new date;
- an activity whose settlement outcomes 6 (or 12) months after it are missing reminds the
  organisation's users once: the key's day is the date the outcomes became due.
"""

from datetime import date, timedelta

from django.urls import reverse

from enterprises.models import Reminder, ReminderSettings
from enterprises.reminders import _chunks, _organisation_users, _send

from .models import OUTCOME_MONTHS, Activity, Opportunity, OpportunityStatus
from .services import opportunities_expire


def sweep_expiring_opportunities(day: date) -> int:
    n = ReminderSettings.current().opportunity_expiry_days
    opportunities = Opportunity.objects.filter(
        status=OpportunityStatus.PUBLISHED, expires_on__gte=day,
        expires_on__lte=day + timedelta(days=n))
    sent = 0
    for rows in _chunks(opportunities, ("pk", "expires_on", "enterprise_id", "title")):
        users = _organisation_users(row[2] for row in rows)
        for pk, expires_on, enterprise_id, title in rows:
            for user in users[enterprise_id]:
                sent += _send(recipient=user, kind=Reminder.Kind.OPPORTUNITY_EXPIRING,
                              object_key=f"opportunity:{pk}", day=expires_on,
                              notification_kind="reminder_opportunity_expiring",
                              params={"opportunity": title, "due": expires_on.isoformat()},
                              url=reverse("regionalisation:opportunity_detail", args=[pk]))
    return sent


def sweep_activity_outcomes(day: date) -> int:
    sent = 0
    for months in OUTCOME_MONTHS:
        kind = (Reminder.Kind.ACTIVITY_OUTCOMES_6 if months == 6
                else Reminder.Kind.ACTIVITY_OUTCOMES_12)
        activities = Activity.objects.outcomes_missing(months, day)
        for rows in _chunks(activities, ("pk", "ends_on", "organisation_id", "title")):
            users = _organisation_users(row[2] for row in rows)
            for pk, ends_on, organisation_id, title in rows:
                due_on = Activity(ends_on=ends_on).outcome_due_on(months)
                for user in users[organisation_id]:
                    sent += _send(recipient=user, kind=kind, object_key=f"activity:{pk}",
                                  day=due_on, notification_kind="reminder_activity_outcomes",
                                  params={"activity": title, "months": months,
                                          "due": due_on.isoformat()},
                                  url=reverse("regionalisation:activity_outcomes",
                                              args=[pk, months]))
    return sent


def daily_sweep(day: date) -> dict:
    return {"opportunities_expired": opportunities_expire(day=day),
            "opportunities_expiring": sweep_expiring_opportunities(day),
            "activity_outcomes": sweep_activity_outcomes(day)}
