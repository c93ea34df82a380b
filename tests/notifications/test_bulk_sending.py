"""Sending in bulk: a sweep inserts the reminders of a chunk in one statement and notifies the
people of exactly those it inserted (``reminders.send_many``, ``services.notify_count``; the
others call ``notify_many``), so what a chunk costs does not grow with the reminders in it;
each reminder, notification and email still goes out once."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from enterprises.models import CaseStatus
from notifications import reminders, services, tasks
from notifications.models import EmailMode, EmailState, Notification, Reminder
from tests.factories.accounts import UserFactory
from tests.factories.antennes import office
from tests.factories.enterprises import CaseFactory, EnterpriseFactory
from tests.factories.notifications import reminder_settings
from tests.factories.partners import PartnerUserFactory

#: A Wednesday of no particular kind.
DAY = date(2025, 6, 11)

PARAMS = {"plan": "Plan d’accueil 2026", "organisation": "Accueil Trois-Rivières",
          "from": "submitted", "to": "in_review"}


def _notice(person, key="plan-event:1"):
    return services.Notice(person.pk, key, "plan_status", PARAMS, "/plans/1/")


def _escalation(person, case_pk):
    return reminders.Due(person.pk, f"case:{case_pk}", DAY,
                         {"case": case_pk, "organisation": "Soudure Mauricie",
                          "due": "2025-06-02"}, f"/dossiers/{case_pk}/")


# --------------------------------------------------------------------------------------------
# Notifications in bulk
# --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_notify_many_inserts_each_new_pair_once_for_active_people_only():
    first, second = UserFactory(), UserFactory()
    gone = UserFactory(is_active=False)
    services.notify(recipients=[first], key="plan-event:1", kind="plan_status", params=PARAMS)

    created = services.notify_many([
        _notice(first),  # notified already
        _notice(first, "plan-event:2"),
        _notice(second), _notice(second),  # twice in one call: once
        _notice(gone),
    ])

    assert sorted((n.recipient_id, n.key) for n in created) == [
        (first.pk, "plan-event:2"), (second.pk, "plan-event:1")]
    assert Notification.objects.count() == 3
    for notification in created:  # what is returned is what was stored
        stored = Notification.objects.get(pk=notification.pk)
        assert (stored.recipient_id, stored.key, stored.kind, stored.params, stored.url,
                stored.email_state, stored.created_at) == (
            notification.recipient_id, notification.key, "plan_status", PARAMS, "/plans/1/",
            EmailState.OWED, notification.created_at)
    assert services.notify_many([_notice(first, "plan-event:2"), _notice(second)]) == []


@pytest.mark.django_db
def test_each_person_s_email_is_owed_as_they_chose_and_read_in_the_same_queries_for_many():
    def notify_people(count, key):
        people = [UserFactory() for _ in range(count)]
        chosen = {people[0]: EmailMode.DAILY, people[1]: EmailMode.OFF}
        for person, mode in chosen.items():
            services.notification_preference_set(user=person, email_mode=mode, muted_kinds=[])
        services.notification_preference_set(user=people[2], email_mode=EmailMode.IMMEDIATE,
                                             muted_kinds=["plan_status"])
        with CaptureQueriesContext(connection) as queries:
            created = services.notify_many(_notice(person, key) for person in people)
        states = {n.recipient_id: n.email_state for n in created}
        assert [states[p.pk] for p in people[:4]] == [EmailState.NOT_OWED] * 3 + [EmailState.OWED]
        assert len(created) == count
        return len(queries)

    assert notify_people(4, "plan-event:1") == notify_people(40, "plan-event:2")


@pytest.mark.django_db
def test_the_emails_go_after_commit_once_each(django_capture_on_commit_callbacks, mailoutbox):
    people = [UserFactory() for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.notify_many(_notice(person) for person in people)
        assert mailoutbox == []  # not before the commit
    assert len(callbacks) == 1  # one enqueueing for the whole batch
    assert sorted(m.to[0] for m in mailoutbox) == sorted(p.email for p in people)
    assert set(Notification.objects.values_list("email_state", flat=True)) == {EmailState.SENT}


@pytest.mark.django_db
def test_a_broker_that_refuses_the_emails_leaves_them_owed_for_the_recovery_job(
        django_capture_on_commit_callbacks, mailoutbox, monkeypatch):
    people = [UserFactory() for _ in range(3)]

    def refuse(notification_id):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.send_notification_email, "delay", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        created = services.notify_many(_notice(person) for person in people)
    assert len(created) == 3  # the notifications stay: the refusal undid nothing
    assert mailoutbox == []
    monkeypatch.undo()
    Notification.objects.update(created_at=timezone.now() - timedelta(minutes=3))
    assert services.owed_emails_send() == {"sent": 3, "not_sent": 0}
    assert sorted(m.to[0] for m in mailoutbox) == sorted(p.email for p in people)


# --------------------------------------------------------------------------------------------
# Reminders in bulk
# --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_send_many_notifies_exactly_the_reminders_it_inserted(django_capture_on_commit_callbacks,
                                                              mailoutbox):
    manager, other = UserFactory(), UserFactory()
    earlier = Reminder.objects.create(recipient=manager, kind="escalation", object_key="case:1",
                                      day=DAY)  # sent by an earlier run
    with django_capture_on_commit_callbacks(execute=True):
        sent = reminders.send_many(
            kind="escalation", notification_kind="reminder_escalation",
            items=[_escalation(manager, 1), _escalation(manager, 2), _escalation(other, 1),
                   _escalation(other, 1)])
    assert sent == 2
    new = Reminder.objects.exclude(pk=earlier.pk)
    assert sorted(new.values_list("recipient_id", "kind", "object_key", "day")) == sorted([
        (manager.pk, "escalation", "case:2", DAY), (other.pk, "escalation", "case:1", DAY)])
    assert sorted(Notification.objects.values_list("recipient_id", "key", "kind", "url")) == \
        sorted((r.recipient_id, f"reminder:{r.pk}", "reminder_escalation",
                f"/dossiers/{r.object_key.split(':')[1]}/") for r in new)
    assert sorted(m.to[0] for m in mailoutbox) == sorted([manager.email, other.email])
    assert reminders.send_many(kind="escalation", notification_kind="reminder_escalation",
                               items=[_escalation(manager, 2), _escalation(other, 1)]) == 0


@pytest.mark.django_db(transaction=True)
def test_a_reminder_is_never_recorded_without_its_notification(monkeypatch):
    manager = UserFactory()

    def fail(notices):
        list(notices)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(reminders, "notify_count", fail)
    with pytest.raises(RuntimeError):
        reminders.send_many(kind="escalation", notification_kind="reminder_escalation",
                            items=[_escalation(manager, 1), _escalation(manager, 2)])
    assert not Reminder.objects.exists()  # the next run sends them


@pytest.mark.django_db
def test_the_daily_sweep_asks_as_many_queries_for_fifty_cases_as_for_five(world):
    """Follow-ups, escalations and waiting enterprises: the queries of a sweep depend on its
    chunks, not on the reminders in them."""
    reminder_settings(escalation_business_days=1, enterprise_waiting_days=7)
    enterprise = EnterpriseFactory(organisation__office=office("trois-rivieres")).organisation
    PartnerUserFactory(organisation=enterprise)
    adviser, manager = world["users"]["adviser"], world["users"]["sit_manager"]

    def add_cases(count):
        for i in range(count):
            late = i % 2 == 0
            CaseFactory(organisation=enterprise, adviser=adviser,
                        status=CaseStatus.WAITING if i % 5 == 0 else CaseStatus.IN_PROGRESS,
                        waiting_since=DAY - timedelta(days=10) if i % 5 == 0 else None,
                        next_follow_up=DAY - timedelta(days=7) if late else DAY)

    def sweep():
        Reminder.objects.all().delete()
        Notification.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            counts = reminders.daily_sweep(DAY)
        return counts, len(queries)

    add_cases(5)
    few, few_queries = sweep()
    add_cases(45)
    many, many_queries = sweep()
    assert (few["follow_ups"], few["escalations"], few["waiting"]) == (1, 3, 1)
    assert (many["follow_ups"], many["escalations"], many["waiting"]) == (1, 26, 10)
    assert Notification.objects.filter(recipient=manager).count() == 26
    assert many_queries == few_queries


@pytest.mark.django_db
@pytest.mark.parametrize(("viewname", "args"), [
    ("enterprises:case_detail", [42]),
    ("programs:report_detail", [7, 1234]),
    ("regionalisation:opportunity_detail", [3]),
    ("regionalisation:activity_outcomes", [5, 12]),
])
def test_the_links_a_sweep_makes_are_those_reverse_gives(viewname, args):
    make = reminders.url_maker(viewname, arity=len(args))
    assert make(*args) == reverse(viewname, args=args)
    assert make(*[a + 1 for a in args]) == reverse(viewname, args=[a + 1 for a in args])
