"""Creating notifications and sending their emails, exactly once each.

The notification row is the email's outbox (``Notification.email_state``): the email is owed
from the transaction that inserts the notification, and stays owed until a sender, holding the
row's lock, sends it and marks it sent in the same transaction. The task enqueued after commit
is only the fast path: if it is lost (worker killed, broker restarted, broker unreachable at
commit), ``owed_emails_send`` (a periodic job, portal/celery.py) sends what is still owed.

Notifications are inserted in bulk (``notify_many``: one ``INSERT … ON CONFLICT DO NOTHING
RETURNING`` for many (recipient, key) pairs, ``insert_new``), so a sweep that notifies thousands
of people pays a few statements per chunk, not a savepoint and an insert per person; ``notify``
is its form for one key."""

import logging
from collections.abc import Iterable, Sequence
from datetime import timedelta
from smtplib import SMTPException
from typing import NamedTuple

from django.core.mail import EmailMultiAlternatives, send_mail
from django.db import IntegrityError, connection, models, transaction
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


#: Rows per ``INSERT`` of ``insert_new`` (fewer where the database allows fewer parameters).
INSERT_BATCH = 1000


def insert_new(model: type[models.Model], rows: Sequence[dict], *, unique: Sequence[str],
               returning: Sequence[str], shared: dict | None = None) -> list[tuple]:
    """Insert ``rows`` (dicts of field names or attnames to values, all with the same keys;
    ``shared`` gives the values every row has, prepared once; the other fields take their
    defaults) with ``INSERT … ON CONFLICT (unique) DO NOTHING RETURNING returning``, and return
    the ``returning`` values of the rows inserted now. ``unique`` names, as ``rows`` and
    ``shared`` do, the fields of a unique constraint of ``model``: a row whose values there are
    already taken, by an earlier call or by a transaction committed meanwhile, is left out.
    PostgreSQL and SQLite (3.35 and later) both support the statement (the rows as arrays on
    PostgreSQL, as a VALUES list on SQLite).

    The rows are inserted in the order of their ``unique`` values, so two transactions
    inserting the same rows at once wait on each other row by row instead of deadlocking; and
    in one transaction (joining the caller's), in statements of ``INSERT_BATCH`` rows at most.
    This is ``bulk_create(ignore_conflicts=True)`` that also says which rows it inserted."""
    if not rows:
        return []
    meta = model._meta
    names = list(rows[0])
    given = [meta.get_field(name) for name in names]
    fixed = {meta.get_field(name): value for name, value in (shared or {}).items()}
    fixed.update({field: field.get_default() for field in meta.concrete_fields
                  if not field.primary_key and field not in given and field not in fixed})
    defaulted = list(fixed)
    constants = [field.get_db_prep_save(value, connection) for field, value in fixed.items()]
    returned = [meta.get_field(name) for name in returning]
    quote = connection.ops.quote_name

    def column_list(fields):
        return ", ".join(quote(field.column) for field in fields)

    # Identifiers come from the model's _meta, values are parameters.
    head = f"INSERT INTO {quote(meta.db_table)} ({column_list(given + defaulted)}) "
    tail = (f" ON CONFLICT ({column_list(meta.get_field(name) for name in unique)}) DO NOTHING"
            f" RETURNING {column_list(returned)}")
    if connection.vendor == "postgresql":
        # One array per column (unnest): as many parameters as columns however many rows.
        # psycopg parses the placeholders of a statement on each call (it caches short
        # statements only), which for thousands of them costs more than the insert itself.
        aliases = ", ".join(f"c{i}" for i in range(len(given)))
        arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in given)
        selected = ", ".join([aliases, *(f"%s::{field.db_type(connection)}"
                                         for field in defaulted)])
        source = f"SELECT {selected} FROM unnest({arrays}) AS r({aliases})"  # noqa: S608

        def statement(batch):
            return source, [*constants, *([field.get_db_prep_save(row[name], connection)
                                           for row in batch]
                                          for field, name in zip(given, names, strict=True))]
    else:
        row_sql = "(" + ", ".join(["%s"] * (len(given) + len(defaulted))) + ")"

        def statement(batch):
            params = []
            for row in batch:
                params.extend(field.get_db_prep_save(row[name], connection)
                              for field, name in zip(given, names, strict=True))
                params.extend(constants)
            return "VALUES " + ", ".join([row_sql] * len(batch)), params

    varying = [name for name in unique if name in names]
    rows = sorted(rows, key=lambda row: tuple(row[name] for name in varying))
    size = max(1, min(INSERT_BATCH, connection.ops.bulk_batch_size(given + defaulted, rows)))
    inserted = []
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            source_sql, params = statement(rows[start:start + size])
            cursor.execute(head + source_sql + tail, params)  # noqa: S608 (see above)
            inserted.extend(
                tuple(field.to_python(value)
                      for field, value in zip(returned, row, strict=True))
                for row in cursor.fetchall())
    return inserted


def _owes_email_now(preference: NotificationPreference, kind: str) -> bool:
    return preference.email_mode == EmailMode.IMMEDIATE and preference.emails(kind)


def _enqueue_emails(notification_ids: list[int]) -> None:
    """Enqueue the email task of each notification. Called after commit (``robust``): a
    broker that refuses one ends the loop with the error logged, and the periodic
    ``owed_emails_send`` sends what was not enqueued, since each email is owed in its row."""
    for notification_id in notification_ids:
        tasks.send_notification_email.delay(notification_id)


class Notice(NamedTuple):
    """One notification to insert with ``notify_many``."""

    recipient_id: int
    key: str
    kind: str
    params: dict
    url: str = ""


def notify_many(notices: Iterable[Notice]) -> list[Notification]:
    """Insert the notification of each notice whose recipient is active and has none for its
    key yet, in one statement per ``INSERT_BATCH`` (``insert_new`` on the unique (recipient,
    key)); return those inserted now. So calling twice, or two callers at once, notify once.

    Each inserted notification's email is owed in the same transaction (unless a daily digest
    carries it or the person wants none: their preferences are read in one query for all the
    recipients) and its task is enqueued after commit, by one callback for all of them. A
    broker that refuses the task does not undo nor fail the caller's work: it is logged, and
    the periodic ``owed_emails_send`` sends the email."""
    now = timezone.now()
    created = []
    for pk, row in _insert_notifications(notices, now):
        notification = Notification(pk=pk, created_at=now, **row)
        notification._state.adding = False
        notification._state.db = connection.alias
        created.append(notification)
    return created


def notify_count(notices: Iterable[Notice]) -> int:
    """``notify_many`` for a caller that needs only how many were inserted (a sweep of tens
    of thousands of reminders): no model instance is built."""
    return len(_insert_notifications(notices, timezone.now()))


def _insert_notifications(notices: Iterable[Notice], now) -> list[tuple[int, dict]]:
    """What ``notify_many`` does, returning (id, field values) of each inserted row."""
    first = {}
    for notice in notices:  # a pair given twice is one notification
        first.setdefault((notice.recipient_id, notice.key), notice)
    active = set(User.objects.filter(pk__in={recipient for recipient, _key in first},
                                     is_active=True).values_list("pk", flat=True))
    preferences = {preference.user_id: preference for preference
                   in NotificationPreference.objects.filter(user_id__in=active)}
    default = NotificationPreference()
    states = {}  # (recipient id, kind) -> email state: a sweep notifies a few people often
    rows = {}
    for (recipient_id, key), notice in first.items():
        if recipient_id in active:
            if (recipient_id, notice.kind) not in states:
                owed = _owes_email_now(preferences.get(recipient_id, default), notice.kind)
                states[recipient_id, notice.kind] = (EmailState.OWED if owed
                                                     else EmailState.NOT_OWED)
            rows[recipient_id, key] = {
                "recipient_id": recipient_id, "key": key, "kind": notice.kind,
                "params": notice.params, "url": notice.url,
                "email_state": states[recipient_id, notice.kind]}
    with transaction.atomic(savepoint=False):
        inserted = [(pk, rows[recipient_id, key]) for pk, recipient_id, key in insert_new(
            Notification, list(rows.values()), unique=("recipient_id", "key"),
            returning=("id", "recipient_id", "key"), shared={"created_at": now})]
        owed = [pk for pk, row in inserted if row["email_state"] == EmailState.OWED]
        if owed:
            # A function, not a partial: a robust hook that fails is logged by its
            # __qualname__, which a partial lacks (Django then raises AttributeError instead).
            def enqueue_owed_emails():
                _enqueue_emails(owed)

            transaction.on_commit(enqueue_owed_emails, robust=True)
    return inserted


def notify(*, recipients: Iterable[User], key: str, kind: str, params: dict,
           url: str = "") -> list[Notification]:
    """Notify each of ``recipients`` of ``key`` (``notify_many``): those inserted now, with
    their recipient. A recipient already notified for ``key``, or inactive, is skipped."""
    people = {recipient.pk: recipient for recipient in recipients}
    created = notify_many(Notice(pk, key, kind, params, url) for pk in people)
    for notification in created:
        notification.recipient = people[notification.recipient_id]
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
        if not _owes_email_now(NotificationPreference.for_user(notification.recipient),
                               notification.kind):
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
