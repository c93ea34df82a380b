"""The email outbox: every email the portal owes is recorded with its notification, sent once
under the row's lock, counted and tried again later when sending fails, given up after a few
attempts, and sent by the periodic job when its task was lost."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from notifications import services
from notifications.models import EmailMode, EmailState, Notification
from tests.factories.accounts import UserFactory

PARAMS = {"plan": "Plan d’accueil 2026", "organisation": "Accueil Trois-Rivières",
          "from": "submitted", "to": "in_review"}


def _notify(recipient, key="plan-event:1"):
    notification, = services.notify(recipients=[recipient], key=key, kind="plan_status",
                                    params=PARAMS, url="/plans/1/")
    return notification


def _age(notification, minutes):
    Notification.objects.filter(pk=notification.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes))


@pytest.fixture
def unreachable_smtp(settings):
    """A real SMTP backend aimed at a port nobody listens on: every send fails."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2


@pytest.mark.django_db
def test_a_notification_owes_its_email_until_it_is_sent(mailoutbox):
    # The task is enqueued after commit: in this test's transaction it has not run yet.
    notification = _notify(UserFactory())
    assert notification.email_state == EmailState.OWED
    assert mailoutbox == []
    assert services.notification_email_send(notification_id=notification.pk) is True
    notification.refresh_from_db()
    assert notification.email_state == EmailState.SENT
    assert notification.emailed_at is not None
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_digest_and_muted_notifications_are_not_owed_now(mailoutbox):
    daily, off, muted = UserFactory(), UserFactory(), UserFactory()
    services.notification_preference_set(user=daily, email_mode=EmailMode.DAILY, muted_kinds=[])
    services.notification_preference_set(user=off, email_mode=EmailMode.OFF, muted_kinds=[])
    services.notification_preference_set(user=muted, email_mode=EmailMode.IMMEDIATE,
                                         muted_kinds=["plan_status"])
    for person in (daily, off, muted):
        notification = _notify(person)
        _age(notification, 10)
        assert notification.email_state == EmailState.NOT_OWED
    assert services.owed_emails_send() == {"sent": 0, "not_sent": 0}
    assert mailoutbox == []
    # The digest still carries the daily person's notification, once, and counts it sent.
    assert services.email_digests_send(day=timezone.localdate()) == 1
    assert [m.to for m in mailoutbox] == [[daily.email]]
    assert Notification.objects.get(recipient=daily).email_state == EmailState.SENT


@pytest.mark.django_db
def test_someone_who_chose_a_digest_after_the_notification_is_not_emailed_twice(mailoutbox):
    person = UserFactory()
    notification = _notify(person)
    services.notification_preference_set(user=person, email_mode=EmailMode.DAILY,
                                          muted_kinds=[])
    assert services.notification_email_send(notification_id=notification.pk) is False
    notification.refresh_from_db()
    assert notification.email_state == EmailState.NOT_OWED
    assert services.email_digests_send(day=timezone.localdate()) == 1
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_the_recovery_job_sends_emails_whose_task_was_lost_after_the_delay(mailoutbox):
    lost, recent = _notify(UserFactory(), "plan-event:1"), _notify(UserFactory(), "plan-event:2")
    _age(lost, 3)  # owed for 3 minutes: its task is lost
    assert services.owed_emails_send() == {"sent": 1, "not_sent": 0}
    assert [m.to for m in mailoutbox] == [[lost.recipient.email]]
    # The recent one is left to its task, then recovered too once old enough ...
    _age(recent, 3)
    assert services.owed_emails_send(chunk=1) == {"sent": 1, "not_sent": 0}
    # ... and nothing is sent twice.
    assert services.owed_emails_send(older_than=timedelta(0)) == {"sent": 0, "not_sent": 0}
    assert len(mailoutbox) == 2
    assert set(Notification.objects.values_list("email_state", flat=True)) == {EmailState.SENT}


@pytest.mark.django_db
def test_a_failed_send_is_counted_retried_with_backoff_then_given_up(unreachable_smtp,
                                                                      settings):
    notification = _notify(UserFactory())
    _age(notification, 10)
    delays = []
    for attempt in range(1, services.EMAIL_MAX_ATTEMPTS + 1):
        before = timezone.now()
        assert services.notification_email_send(notification_id=notification.pk) is False
        notification.refresh_from_db()
        assert notification.email_attempts == attempt
        assert notification.emailed_at is None
        assert "Connection" in notification.email_last_error \
            or "refused" in notification.email_last_error.lower()
        delays.append(round((notification.email_next_attempt_at - before).total_seconds() / 60))
        if attempt < services.EMAIL_MAX_ATTEMPTS:
            assert notification.email_state == EmailState.OWED
            # Not due yet: the recovery job leaves it alone until its next attempt.
            assert services.owed_emails_send() == {"sent": 0, "not_sent": 0}
            Notification.objects.filter(pk=notification.pk).update(
                email_next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert delays[:5] == [1, 2, 4, 8, 16]
    assert notification.email_state == EmailState.FAILED
    # Given up: the job does not try it again, even once the SMTP server answers.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert services.owed_emails_send(older_than=timedelta(0)) == {"sent": 0, "not_sent": 0}


@pytest.mark.django_db
def test_a_failed_attempt_then_a_success_sends_one_email(unreachable_smtp, settings):
    from django.core import mail

    notification = _notify(UserFactory())
    _age(notification, 10)
    assert services.owed_emails_send() == {"sent": 0, "not_sent": 1}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    Notification.objects.filter(pk=notification.pk).update(
        email_next_attempt_at=timezone.now())
    assert services.owed_emails_send() == {"sent": 1, "not_sent": 0}
    notification.refresh_from_db()
    assert (notification.email_state, notification.email_attempts) == (EmailState.SENT, 1)
    assert len(mail.outbox) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_an_email_another_sender_holds_is_left_to_it(mailoutbox):
    notification = _notify(UserFactory())
    mailoutbox.clear()  # the eager task sent it: make it owed again, as if lost
    Notification.objects.filter(pk=notification.pk).update(email_state=EmailState.OWED,
                                                           emailed_at=None)
    locked, release = threading.Event(), threading.Event()

    def other_sender():  # holds the row's lock, as a sender in the middle of its send
        try:
            with transaction.atomic():
                Notification.objects.select_for_update().get(pk=notification.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_sender)
    thread.start()
    assert locked.wait(10)
    try:
        assert services.notification_email_send(notification_id=notification.pk) is False
        assert services.owed_emails_send(older_than=timedelta(0)) == {"sent": 0,
                                                                       "not_sent": 1}
        assert mailoutbox == []
    finally:
        release.set()
        thread.join()
    # The other sender gave up without sending: the email is still owed, and goes once.
    assert services.notification_email_send(notification_id=notification.pk) is True
    assert len(mailoutbox) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_send_once(mailoutbox):
    notifications = [_notify(UserFactory(), f"plan-event:{i}") for i in range(20)]
    mailoutbox.clear()
    Notification.objects.update(email_state=EmailState.OWED, emailed_at=None)
    start = threading.Barrier(2)
    results = []

    def sender():
        try:
            start.wait(10)
            results.append(services.owed_emails_send(older_than=timedelta(0), chunk=5))
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r["sent"] for r in results) == 20
    assert sorted(m.to[0] for m in mailoutbox) == sorted(n.recipient.email for n in notifications)
