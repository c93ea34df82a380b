"""Reminders of action-plan reports (``programs.reminders``): due soon and late, each to the
plan's partner users and its adviser, once."""

from datetime import date, timedelta

import pytest
from django.utils import translation

from notifications.models import Notification, Reminder
from programs.models import ReportStatus
from programs.reminders import sweep_reports
from tests.factories.notifications import reminder_settings
from tests.factories.programs import ActionPlanFactory, ReportFactory

pytestmark = pytest.mark.django_db

#: A Wednesday of no particular kind.
DAY = date(2025, 6, 11)


@pytest.fixture
def plan(world):
    return ActionPlanFactory(organisation=world["orgs"]["tr"], adviser=world["users"]["adviser"])


def test_reports_due_soon_and_late_remind_the_partner_and_the_adviser_once(world, plan, sweep,
                                                                           mailoutbox):
    reminder_settings(report_due_days=14)
    due = ReportFactory(plan=plan, kind="progress", due_on=DAY + timedelta(days=10))
    ReportFactory(plan=plan, kind="progress", due_on=DAY + timedelta(days=40))  # too far ahead
    late = ReportFactory(plan=plan, kind="final", due_on=DAY - timedelta(days=1))
    ReportFactory(plan=plan, kind="progress", due_on=DAY - timedelta(days=2),
                  status=ReportStatus.SUBMITTED)  # not owed
    partner, adviser = world["users"]["partner"], world["users"]["adviser"]

    assert sweep(sweep_reports, DAY) == {"reports_due": 2, "reports_late": 2}
    assert set(Reminder.objects.values_list("recipient", "kind", "object_key", "day")) == {
        (partner.pk, "report_due", f"report:{due.pk}", DAY - timedelta(days=4)),
        (adviser.pk, "report_due", f"report:{due.pk}", DAY - timedelta(days=4)),
        (partner.pk, "report_late", f"report:{late.pk}", DAY),
        (adviser.pk, "report_late", f"report:{late.pk}", DAY),
    }
    assert not Notification.objects.exclude(recipient__in=[partner, adviser])
    assert len(mailoutbox) == 4
    assert sweep(sweep_reports, DAY + timedelta(days=1)) == {"reports_due": 0,
                                                                      "reports_late": 0}
    # The due report becomes late: one more reminder each.
    after = due.due_on + timedelta(days=1)
    assert sweep(sweep_reports, after) == {"reports_due": 0, "reports_late": 2}
    with translation.override("en"):
        texts = {n.message for n in Notification.objects.filter(recipient=partner)}
    assert f"Final report of the plan “{plan.title}” ({plan.organisation.name}) is late: it " \
           "was due on 10 June 2025." in texts
