"""The daily sweeps of regionalisation, registered with the reminder engine
(``notifications.reminders``: each reminder under its natural key, sent only if its insert
happened), in this order:

- opportunities past their expiry date are expired (a status move by the system, with its
  history row; moving an expired opportunity again does nothing);
- an opportunity expiring within N days (``ReminderSettings.opportunity_expiry_days``)
  reminds the employer's users once per expiry date: the key's day is the expiry date itself
  (not ``expires_on - N``: an earlier reminder of the same date under another N, or of an
  earlier date, could not be told apart), so an administrator who changes N reminds nobody
  twice, and an employer who extends the posting is reminded again before the new date;
- an activity whose settlement outcomes 6 (or 12) months after it are missing reminds the
  organisation's users once: the key's day is the date the outcomes became due.

The reminders of a chunk go to ``reminders.send_many`` at once.
"""

from datetime import date, timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

from notifications import reminders
from notifications.models import ReminderSettings

from .models import OUTCOME_MONTHS, Activity, Opportunity, OpportunityStatus
from .services import opportunities_expire


class ReminderKind(models.TextChoices):
    OPPORTUNITY_EXPIRING = "opportunity_expiring", _("Regional opportunity expiring")
    ACTIVITY_OUTCOMES_6 = "activity_outcomes_6", _("Activity outcomes due (6 months)")
    ACTIVITY_OUTCOMES_12 = "activity_outcomes_12", _("Activity outcomes due (12 months)")


#: The kind of the reminder of missing outcomes, by months after the activity.
OUTCOME_REMINDER_KINDS = {6: ReminderKind.ACTIVITY_OUTCOMES_6,
                          12: ReminderKind.ACTIVITY_OUTCOMES_12}

reminders.kinds(ReminderKind)


@reminders.sweep("opportunities_expired", order=50)
def expire_opportunities(day: date) -> int:
    """Expire the opportunities past their expiry date, before the reminders of those that
    expire soon (a larger order)."""
    return opportunities_expire(day=day)


@reminders.sweep("opportunities_expiring", order=60)
def sweep_expiring_opportunities(day: date) -> int:
    n = ReminderSettings.current().opportunity_expiry_days
    opportunities = Opportunity.objects.filter(
        status=OpportunityStatus.PUBLISHED, expires_on__gte=day,
        expires_on__lte=day + timedelta(days=n))
    opportunity_url = reminders.url_maker("regionalisation:opportunity_detail")
    sent = 0
    for rows in reminders.chunks(opportunities, ("pk", "expires_on", "enterprise_id", "title")):
        users = reminders.organisation_user_ids(row[2] for row in rows)
        sent += reminders.send_many(
            kind=ReminderKind.OPPORTUNITY_EXPIRING,
            notification_kind="reminder_opportunity_expiring",
            items=[reminders.Due(user_id, f"opportunity:{pk}", expires_on,
                                 {"opportunity": title, "due": expires_on.isoformat()},
                                 opportunity_url(pk))
                   for pk, expires_on, enterprise_id, title in rows
                   for user_id in users[enterprise_id]])
    return sent


@reminders.sweep("activity_outcomes", order=70)
def sweep_activity_outcomes(day: date) -> int:
    outcomes_url = reminders.url_maker("regionalisation:activity_outcomes", arity=2)
    sent = 0
    for months in OUTCOME_MONTHS:
        activities = Activity.objects.outcomes_missing(months, day)
        for rows in reminders.chunks(activities, ("pk", "ends_on", "organisation_id", "title")):
            users = reminders.organisation_user_ids(row[2] for row in rows)
            due = []
            for pk, ends_on, organisation_id, title in rows:
                due_on = Activity(ends_on=ends_on).outcome_due_on(months)
                params = {"activity": title, "months": months, "due": due_on.isoformat()}
                due.extend(reminders.Due(user_id, f"activity:{pk}", due_on, params,
                                         outcomes_url(pk, months))
                           for user_id in users[organisation_id])
            sent += reminders.send_many(kind=OUTCOME_REMINDER_KINDS[months],
                                        notification_kind="reminder_activity_outcomes",
                                        items=due)
    return sent
