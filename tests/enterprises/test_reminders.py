"""Reminders and escalations: each goes to the right people, once, on the right day; people
choose how they are emailed."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import translation

from enterprises import reminders
from enterprises.models import CaseStatus
from notifications import reminders as engine
from notifications import services as notification_services
from notifications import tasks
from notifications.models import EmailDigest, Notification, NotificationPreference, Reminder
from tests.factories.accounts import StaffFactory
from tests.factories.antennes import office
from tests.factories.enterprises import CaseFactory, EnterpriseFactory
from tests.factories.notifications import reminder_settings
from tests.factories.partners import PartnerUserFactory
from tests.factories.programs import ActionPlanFactory, ReportFactory

pytestmark = pytest.mark.django_db

#: A Wednesday of no particular kind.
DAY = date(2025, 6, 11)


@pytest.fixture
def enterprise(world):
    return EnterpriseFactory(organisation__office=office("trois-rivieres")).organisation


def _case(organisation, adviser=None, **fields):
    if fields.get("closed"):
        return CaseFactory(organisation=organisation, adviser=adviser, closed=True)
    values = {"status": CaseStatus.IN_PROGRESS if adviser else CaseStatus.NEW,
              "adviser": adviser, "next_follow_up": DAY}
    return CaseFactory(organisation=organisation, **{**values, **fields})


def _message(notification):
    with translation.override("en"):
        return notification.message


# --------------------------------------------------------------------------------------------
# The daily digest of follow-ups
# --------------------------------------------------------------------------------------------


def test_each_adviser_gets_one_digest_of_cases_due_and_overdue(world, enterprise, sweep,
                                                               mailoutbox):
    adviser = world["users"]["adviser"]
    _case(enterprise, adviser)
    _case(enterprise, adviser)
    _case(enterprise, adviser, next_follow_up=DAY - timedelta(days=3))
    _case(enterprise, adviser, next_follow_up=DAY + timedelta(days=1))  # not yet
    _case(enterprise, adviser, closed=True)
    _case(enterprise)  # nobody's: in the office's queue, not in a digest
    manager = world["users"]["sit_manager"]
    _case(enterprise, manager, next_follow_up=DAY - timedelta(days=1))

    assert sweep(reminders.sweep_follow_ups, DAY) == 2

    digest, = Notification.objects.filter(recipient=adviser)
    assert digest.kind == "reminder_follow_ups"
    assert _message(digest) == "Your follow-ups: 2 due today, 1 overdue."
    assert digest.url == reverse("enterprises:case_list")
    assert _message(Notification.objects.get(recipient=manager)) == \
        "Your follow-ups: 0 due today, 1 overdue."
    assert not Notification.objects.filter(recipient=world["users"]["adviser_gatineau"])
    assert sorted(m.to[0] for m in mailoutbox) == sorted([adviser.email, manager.email])
    reminder = Reminder.objects.get(recipient=adviser)
    assert (reminder.kind, reminder.object_key, reminder.day) == ("follow_up_digest", "", DAY)


def test_the_digest_is_sent_once_a_day(world, enterprise, sweep, mailoutbox):
    _case(enterprise, world["users"]["adviser"])
    assert sweep(reminders.sweep_follow_ups, DAY) == 1
    assert sweep(reminders.sweep_follow_ups, DAY) == 0
    assert len(mailoutbox) == 1
    assert sweep(reminders.sweep_follow_ups, DAY + timedelta(days=1)) == 1  # a new day
    assert len(mailoutbox) == 2


def test_no_digest_on_weekends_and_holidays(world, enterprise, sweep):
    _case(enterprise, world["users"]["adviser"], next_follow_up=date(2025, 6, 20))
    for day in (date(2025, 6, 21), date(2025, 6, 22), date(2025, 6, 24)):  # Sat, Sun, Fête nat.
        assert sweep(engine.daily_sweep, day)["follow_ups"] == 0
    assert sweep(engine.daily_sweep, date(2025, 6, 25))["follow_ups"] == 1


# --------------------------------------------------------------------------------------------
# Escalation
# --------------------------------------------------------------------------------------------


def test_escalation_skips_the_long_weekend_of_patriots_day(world, enterprise, sweep,
                                                           mailoutbox):
    reminder_settings(escalation_business_days=2)
    case = _case(enterprise, world["users"]["adviser"], next_follow_up=date(2025, 5, 15))  # Thu
    other_manager = StaffFactory(role="sit_manager", offices=[office("gatineau")])

    # Friday: 1 business day late; the weekend and Monday 19 (Patriots' Day) add none;
    # Tuesday: 2, not more than 2.
    for day in range(16, 21):
        assert sweep(reminders.sweep_escalations, date(2025, 5, day)) == 0, day
    # Wednesday 21: 3 business days late, more than 2: escalated to the case's SIT manager.
    assert sweep(reminders.sweep_escalations, date(2025, 5, 21)) == 1
    manager = world["users"]["sit_manager"]
    reminder, = Reminder.objects.all()
    assert (reminder.recipient, reminder.kind, reminder.object_key, reminder.day) == (
        manager, "escalation", f"case:{case.pk}", date(2025, 5, 21))
    notification, = Notification.objects.all()
    assert notification.recipient == manager
    assert notification.key == f"reminder:{reminder.pk}"
    assert _message(notification) == (f"Support case {case.pk} ({enterprise.name}) is overdue: "
                                      "its follow-up was due on 15 May 2025.")
    assert [m.to for m in mailoutbox] == [[manager.email]]
    assert not Notification.objects.filter(recipient=other_manager)
    # Later days do not escalate it again.
    for day in (date(2025, 5, 22), date(2025, 5, 26), date(2025, 6, 30)):
        assert sweep(reminders.sweep_escalations, day) == 0


def test_a_sweep_that_missed_the_escalation_day_keys_it_on_that_day(world, enterprise, sweep):
    reminder_settings(escalation_business_days=2)
    _case(enterprise, world["users"]["adviser"], next_follow_up=date(2025, 5, 15))
    assert sweep(reminders.sweep_escalations, date(2025, 5, 24)) == 1  # a Saturday, late
    assert Reminder.objects.get().day == date(2025, 5, 21)
    assert sweep(reminders.sweep_escalations, date(2025, 5, 26)) == 0


def test_a_new_follow_up_date_escalates_again_when_it_is_missed(world, enterprise, sweep):
    reminder_settings(escalation_business_days=1)
    case = _case(enterprise, world["users"]["adviser"], next_follow_up=date(2025, 6, 2))
    assert sweep(reminders.sweep_escalations, date(2025, 6, 4)) == 1
    case.next_follow_up = date(2025, 6, 9)
    case.save()
    assert sweep(reminders.sweep_escalations, date(2025, 6, 10)) == 0
    assert sweep(reminders.sweep_escalations, date(2025, 6, 11)) == 1
    assert sorted(Reminder.objects.values_list("day", flat=True)) == [date(2025, 6, 4),
                                                                       date(2025, 6, 11)]


def test_closed_and_waiting_cases(world, enterprise, sweep):
    reminder_settings(escalation_business_days=1)
    _case(enterprise, world["users"]["adviser"], closed=True)
    _case(enterprise, world["users"]["adviser"], status=CaseStatus.WAITING,
          waiting_since=DAY - timedelta(days=1), next_follow_up=DAY - timedelta(days=14))
    # The waiting case is still open: its follow-up was missed, it escalates.
    assert sweep(reminders.sweep_escalations, DAY) == 1


def test_a_change_of_the_escalation_delay_takes_effect_without_escalating_twice(
        world, enterprise, sweep):
    reminder_settings(escalation_business_days=5)
    _case(enterprise, world["users"]["adviser"], next_follow_up=date(2025, 6, 4))  # Wed
    assert sweep(reminders.sweep_escalations, date(2025, 6, 9)) == 0  # 3 business days late
    reminder_settings(escalation_business_days=2)
    assert sweep(reminders.sweep_escalations, date(2025, 6, 9)) == 1
    reminder_settings(escalation_business_days=1)  # another key day, but the same missed follow-up
    assert sweep(reminders.sweep_escalations, date(2025, 6, 10)) == 0
    assert Reminder.objects.count() == 1


# --------------------------------------------------------------------------------------------
# Enterprises waiting
# --------------------------------------------------------------------------------------------


def test_an_enterprise_is_reminded_once_when_a_case_waited_on_it(world, enterprise, sweep,
                                                                 mailoutbox):
    reminder_settings(enterprise_waiting_days=7)
    users = [PartnerUserFactory(organisation=enterprise) for _ in range(2)]
    since = DAY - timedelta(days=7)
    case = _case(enterprise, world["users"]["adviser"], status=CaseStatus.WAITING,
                 waiting_since=since, next_follow_up=DAY + timedelta(days=5))
    _case(EnterpriseFactory().organisation, world["users"]["adviser"],
          status=CaseStatus.WAITING, waiting_since=DAY - timedelta(days=6),
          next_follow_up=DAY + timedelta(days=5))  # not yet 7 days

    assert sweep(reminders.sweep_waiting_enterprises, DAY) == 2
    assert sweep(reminders.sweep_waiting_enterprises, DAY + timedelta(days=1)) == 0
    assert sorted(m.to[0] for m in mailoutbox) == sorted(u.email for u in users)
    assert set(Reminder.objects.values_list("kind", "object_key", "day")) == {
        ("enterprise_waiting", f"case:{case.pk}", DAY)}
    notification = Notification.objects.filter(recipient=users[0]).get()
    assert _message(notification) == (f"Support case {case.pk} ({enterprise.name}) has been "
                                      "waiting for your reply since 4 June 2025.")


def test_a_shorter_waiting_delay_takes_effect(world, enterprise, sweep):
    PartnerUserFactory(organisation=enterprise)
    _case(enterprise, world["users"]["adviser"], status=CaseStatus.WAITING,
          waiting_since=DAY - timedelta(days=3), next_follow_up=DAY + timedelta(days=5))
    assert sweep(reminders.sweep_waiting_enterprises, DAY) == 0
    reminder_settings(enterprise_waiting_days=3)
    assert sweep(reminders.sweep_waiting_enterprises, DAY) == 1


# --------------------------------------------------------------------------------------------
# The daily sweep of every domain (notifications.reminders) and its task
# --------------------------------------------------------------------------------------------


@pytest.fixture
def plan(world):
    return ActionPlanFactory(organisation=world["orgs"]["tr"], adviser=world["users"]["adviser"])


def _everything(world, enterprise, plan):
    reminder_settings(escalation_business_days=2, enterprise_waiting_days=7, report_due_days=14)
    PartnerUserFactory(organisation=enterprise)
    adviser = world["users"]["adviser"]
    _case(enterprise, adviser)
    _case(enterprise, adviser, next_follow_up=DAY - timedelta(days=10))
    _case(enterprise, adviser, status=CaseStatus.WAITING, waiting_since=DAY - timedelta(days=8),
          next_follow_up=DAY + timedelta(days=3))
    ReportFactory(plan=plan, kind="progress", due_on=DAY + timedelta(days=3))


def test_the_daily_sweep_run_twice_sends_nothing_new(world, enterprise, plan, sweep,
                                                     mailoutbox):
    _everything(world, enterprise, plan)
    first = sweep(engine.daily_sweep, DAY)
    assert first == {"follow_ups": 1, "escalations": 1, "waiting": 1, "reports_due": 2,
                     "reports_late": 0, "opportunities_expired": 0,
                     "opportunities_expiring": 0, "activity_outcomes": 0,
                     "instalments_due": 0}
    counts = (Reminder.objects.count(), Notification.objects.count(), len(mailoutbox))
    assert counts == (5, 5, 5)
    assert set(sweep(engine.daily_sweep, DAY).values()) == {0}
    assert (Reminder.objects.count(), Notification.objects.count(), len(mailoutbox)) == counts


def test_the_task_sweeps_the_given_day_or_today_in_montreal(world, enterprise, plan,
                                                            django_capture_on_commit_callbacks,
                                                            mailoutbox, monkeypatch):
    _everything(world, enterprise, plan)
    with django_capture_on_commit_callbacks(execute=True):
        result = tasks.daily_reminders.delay(DAY.isoformat()).get()
    assert result["escalations"] == 1
    monkeypatch.setattr(engine, "today_in_montreal", lambda: DAY)
    assert set(tasks.daily_reminders.delay().get().values()) == {0}


def test_today_in_montreal_is_not_the_utc_date(settings):
    from datetime import UTC, datetime

    from django.utils import timezone

    # 1:30 UTC on 12 June is still the evening of 11 June in Montreal.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: datetime(2025, 6, 12, 1, 30, tzinfo=UTC))
        assert engine.today_in_montreal() == date(2025, 6, 11)


def test_the_beat_schedule_runs_in_montreal_time():
    from portal.celery import app

    assert app.conf.timezone == "America/Montreal"
    schedule = app.conf.beat_schedule
    assert schedule["daily-reminders"]["task"] == "notifications.tasks.daily_reminders"
    assert schedule["daily-reminders"]["schedule"].hour == {6}
    assert schedule["daily-email-digests"]["task"] == "notifications.tasks.send_email_digests"
    assert schedule["daily-email-digests"]["schedule"].hour == {7}


# --------------------------------------------------------------------------------------------
# Email preferences
# --------------------------------------------------------------------------------------------


def _prefer(user, mode, muted=()):
    notification_services.notification_preference_set(user=user, email_mode=mode,
                                                       muted_kinds=muted)


def test_daily_mode_sends_no_immediate_email_and_one_digest(world, enterprise, plan, sweep,
                                                            mailoutbox):
    _everything(world, enterprise, plan)
    adviser = world["users"]["adviser"]
    _prefer(adviser, "daily")
    sweep(engine.daily_sweep, DAY)
    assert adviser.email not in [m.to[0] for m in mailoutbox]
    assert Notification.objects.filter(recipient=adviser).count() == 2  # digest + report due
    before = len(mailoutbox)

    assert notification_services.email_digests_send(day=DAY) == 1
    assert notification_services.email_digests_send(day=DAY) == 0  # run twice: one email
    digest, = mailoutbox[before:]
    assert digest.to == [adviser.email]
    assert "Your follow-ups: 1 due today, 1 overdue." in digest.body
    assert digest.body.startswith("Vos notifications du jour (2)")
    assert not Notification.objects.filter(recipient=adviser, emailed_at__isnull=True)
    assert EmailDigest.objects.get(user=adviser).notification_count == 2


def test_a_digest_carries_only_what_was_not_emailed(world, enterprise, sweep, mailoutbox):
    adviser = world["users"]["adviser"]
    _case(enterprise, adviser)
    _prefer(adviser, "daily")
    assert notification_services.email_digests_send(day=DAY) == 0  # nothing yet: no email
    sweep(reminders.sweep_follow_ups, DAY)
    assert notification_services.email_digests_send(day=DAY) == 1
    sweep(reminders.sweep_follow_ups, DAY + timedelta(days=1))
    assert notification_services.email_digests_send(day=DAY + timedelta(days=1)) == 1
    english = [m.body.split("(English follows)")[1] for m in mailoutbox]
    assert [text.count("Your follow-ups") for text in english] == [1, 1]


def test_off_mode_sends_no_email_at_all(world, enterprise, sweep, mailoutbox):
    adviser = world["users"]["adviser"]
    _case(enterprise, adviser)
    _prefer(adviser, "off")
    assert sweep(reminders.sweep_follow_ups, DAY) == 1
    assert notification_services.email_digests_send(day=DAY) == 0
    assert mailoutbox == []
    assert Notification.objects.filter(recipient=adviser).exists()  # still in the portal


def test_a_muted_kind_is_not_emailed_but_still_shown(world, enterprise, sweep, mailoutbox):
    reminder_settings(escalation_business_days=1)
    manager = world["users"]["sit_manager"]
    _prefer(manager, "immediate", muted=["reminder_escalation"])
    _case(enterprise, manager, next_follow_up=DAY - timedelta(days=7))
    assert sweep(engine.daily_sweep, DAY)["escalations"] == 1
    assert {n.kind for n in Notification.objects.filter(recipient=manager)} == {
        "reminder_follow_ups", "reminder_escalation"}
    email, = mailoutbox  # the digest of follow-ups only
    assert "follow-ups" in email.body
    assert NotificationPreference.objects.get(user=manager).muted_kinds == [
        "reminder_escalation"]
