"""Creating notifications and sending their emails, exactly once each.

The notification row is the email's outbox (``Notification.email_state``): the email is owed
from the transaction that inserts the notification, and stays owed until a sender, holding the
row's lock, sends it and marks it sent in the same transaction. The task enqueued after commit
is only the fast path: if it is lost (worker killed, broker restarted, broker unreachable at
commit), ``owed_emails_send`` (a periodic job, portal/celery.py) sends what is still owed."""

import logging
from collections.abc import Iterable
from datetime import timedelta
from functools import partial
from smtplib import SMTPException

from django.core.mail import EmailMultiAlternatives, send_mail
from django.db import IntegrityError, models, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.links import absolute_url
from accounts.models import User

from . import inbound, messages, tasks
from .models import EmailDigest, EmailMode, EmailState, Notification, NotificationPreference

logger = logging.getLogger(__name__)

#: A failed email is tried again after 1, 2, 4, 8, 16 minutes, then counted ``failed``.
EMAIL_MAX_ATTEMPTS = 6
EMAIL_RETRY_BASE = timedelta(minutes=1)
#: The recovery job leaves alone an email owed for less than this: its task is on its way.
OWED_EMAIL_DELAY = timedelta(minutes=2)
#: Emails the recovery job sends per chunk (one transaction each, the lock skipping rows
#: another sender holds).
OWED_EMAIL_CHUNK = 200
#: Exceptions that count as a failed attempt (the email may succeed later).
EMAIL_ERRORS = (SMTPException, OSError)


def _owes_email_now(recipient: User, kind: str) -> bool:
    preference = NotificationPreference.for_user(recipient)
    return preference.email_mode == EmailMode.IMMEDIATE and preference.emails(kind)


def _enqueue_email(notification_id: int) -> None:
    tasks.send_notification_email.delay(notification_id)


def notify(*, recipients: Iterable[User], key: str, kind: str, params: dict,
           url: str = "") -> list[Notification]:
    """Insert one notification per recipient for ``key``; return those inserted now. A
    recipient already notified for ``key`` is skipped, so calling twice notifies once. Each
    inserted notification's email is owed in the same transaction (unless a daily digest
    carries it or the person wants none) and sent by a task after commit. A broker that
    refuses the task does not undo nor fail the caller's work: it is logged, and the periodic
    ``owed_emails_send`` sends the email."""
    created = []
    for recipient in {r.pk: r for r in recipients if r.is_active}.values():
        owed = _owes_email_now(recipient, kind)
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    recipient=recipient, key=key, kind=kind, params=params, url=url,
                    email_state=EmailState.OWED if owed else EmailState.NOT_OWED)
        except IntegrityError:
            continue  # already notified: the unique (recipient, key) says so
        created.append(notification)
        if owed:
            transaction.on_commit(partial(_enqueue_email, notification.pk), robust=True)
    return created


def notification_email_send(*, notification_id: int) -> bool:
    """Email one notification if its email is owed; return whether an email left.

    The row is locked (``skip_locked``: a row another sender holds is being sent by it, so
    this call does nothing) and marked sent before the email goes, in the transaction that
    commits after it: two deliveries of the task, or the task and the recovery job at once,
    send one email, and a sender killed before its commit leaves the email owed. A failed
    send is counted on the row (attempts, error, next attempt with a doubling delay), and
    ``failed`` after ``EMAIL_MAX_ATTEMPTS``. Its link is on the portal's public address
    (``PORTAL_BASE_URL``): a task has no request. It carries the files its kind registered
    (``messages.register(..., attachments=...)``), and, when its kind says what a reply is
    about (``reply_to=``), the signed Reply-To and Message-ID of ``inbound.reply_headers``."""
    with transaction.atomic():
        notification = (Notification.objects.select_for_update(skip_locked=True, of=("self",))
                        .select_related("recipient")
                        .filter(pk=notification_id, email_state=EmailState.OWED).first())
        if notification is None:
            return False  # sent, not owed, given up, or being sent by another sender
        if not _owes_email_now(notification.recipient, notification.kind):
            # The person chose a digest (which will carry it) or no email since the insert.
            notification.email_state = EmailState.NOT_OWED
            notification.save(update_fields=["email_state"])
            return False
        texts = {}
        for key, language in (("fr", "fr-ca"), ("en", "en")):
            with translation.override(language):
                texts[key] = notification.message
        with translation.override("fr-ca"):
            body = render_to_string("notifications/email.txt", {
                "texts": texts,
                "url": absolute_url(notification.url) if notification.url else "",
            })
        notification.emailed_at = timezone.now()
        notification.email_state = EmailState.SENT
        notification.email_next_attempt_at = None
        try:
            with transaction.atomic():
                notification.save(update_fields=["emailed_at", "email_state",
                                                 "email_next_attempt_at"])
                reply = inbound.reply_headers(messages.reply_key(notification))
                email = EmailMultiAlternatives(
                    subject=f"Portail régionalisation — {texts['fr']}"[:150],
                    body=body, to=[notification.recipient.email], reply_to=reply.reply_to,
                    headers=reply.headers)
                for filename, content, mimetype in messages.attachments(notification):
                    email.attach(filename, content, mimetype)
                email.send()
        except EMAIL_ERRORS as error:
            _count_failed_attempt(notification, error)
            return False
    return True


def _count_failed_attempt(notification: Notification, error: Exception) -> None:
    attempts = notification.email_attempts + 1
    now = timezone.now()
    Notification.objects.filter(pk=notification.pk).update(
        emailed_at=None,
        email_attempts=attempts,
        email_last_error=f"{type(error).__name__}: {error}"[:300],
        email_state=EmailState.FAILED if attempts >= EMAIL_MAX_ATTEMPTS else EmailState.OWED,
        email_next_attempt_at=now + EMAIL_RETRY_BASE * 2 ** (attempts - 1),
    )
    logger.warning("Notification %s: email attempt %s failed: %s", notification.pk, attempts,
                   error)


def owed_emails_send(*, older_than: timedelta = OWED_EMAIL_DELAY,
                     chunk: int = OWED_EMAIL_CHUNK) -> dict:
    """Send every email owed for longer than ``older_than`` whose next attempt is due, oldest
    first, ``chunk`` rows per query, each under the row lock of ``notification_email_send``
    (an email whose task runs now is sent once). How many were sent and failed now."""
    now = timezone.now()
    due = (Notification.objects.filter(email_state=EmailState.OWED,
                                       created_at__lte=now - older_than)
           .filter(models.Q(email_next_attempt_at__isnull=True)
                   | models.Q(email_next_attempt_at__lte=now)))
    counts = {"sent": 0, "not_sent": 0}
    last = 0
    while True:
        ids = list(due.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:chunk])
        if not ids:
            return counts
        for notification_id in ids:
            sent = notification_email_send(notification_id=notification_id)
            counts["sent" if sent else "not_sent"] += 1
        last = ids[-1]


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.for_user(user).unread()
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


# --------------------------------------------------------------------------------------------
# Preferences and the daily digest
# --------------------------------------------------------------------------------------------


def notification_preference_set(*, user: User, email_mode: str,
                                muted_kinds: Iterable[str]) -> NotificationPreference:
    """Record how ``user`` wants to be emailed and which kinds they do not want by email."""
    preference = NotificationPreference.for_user(user)
    preference.email_mode = email_mode
    preference.muted_kinds = sorted(set(muted_kinds))
    preference.full_clean(exclude=["user"])
    preference.save()
    return preference


#: Users walked per query by the digest task.
DIGEST_CHUNK = 500


def email_digests_send(*, day) -> int:
    """Send today's digest to every person who chose a daily digest and has notifications not
    yet emailed; return how many digests were sent now. Safe to run twice or at once."""
    sent = 0
    last = 0
    while True:
        user_ids = list(
            NotificationPreference.objects.filter(email_mode=EmailMode.DAILY, user_id__gt=last,
                                                  user__is_active=True)
            .order_by("user_id").values_list("user_id", flat=True)[:DIGEST_CHUNK])
        if not user_ids:
            return sent
        for user_id in user_ids:
            sent += email_digest_send(user_id=user_id, day=day)
        last = user_ids[-1]


def email_digest_send(*, user_id: int, day) -> bool:
    """One email with every notification of the person not yet emailed (and not muted), sent
    only by the call that inserted the person's ``EmailDigest`` row for ``day``. The row, the
    email and the notifications marked emailed are one transaction: a failed send leaves
    nothing done, for the retry. Links are on the portal's public address."""
    with transaction.atomic():
        preference = (NotificationPreference.objects.select_related("user")
                      .filter(user_id=user_id, email_mode=EmailMode.DAILY).first())
        if preference is None:
            return False
        try:
            with transaction.atomic():
                digest = EmailDigest.objects.create(user_id=user_id, day=day)
        except IntegrityError:
            return False  # already sent today
        notifications = list(
            Notification.objects.select_for_update().filter(recipient_id=user_id,
                                                            emailed_at__isnull=True)
            .exclude(kind__in=preference.muted_kinds).order_by("created_at", "pk"))
        if not notifications:
            digest.delete()  # nothing to say: a later run today may still have something
            return False
        lines = {}
        for key, language in (("fr", "fr-ca"), ("en", "en")):
            with translation.override(language):
                lines[key] = [(n.message, absolute_url(n.url) if n.url else "")
                              for n in notifications]
        with translation.override("fr-ca"):
            body = render_to_string("notifications/digest.txt", {"lines": lines,
                                                                 "count": len(notifications)})
        send_mail(subject=f"Portail régionalisation — {len(notifications)} notification(s) "
                          f"/ {day:%Y-%m-%d}",
                  message=body, from_email=None, recipient_list=[preference.user.email])
        Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(
            emailed_at=timezone.now(), email_state=EmailState.SENT)
        digest.notification_count = len(notifications)
        digest.save(update_fields=["notification_count"])
    return True
