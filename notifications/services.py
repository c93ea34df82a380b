"""Creating notifications and sending their emails, exactly once each."""

from collections.abc import Iterable

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.links import absolute_url
from accounts.models import User

from . import tasks
from .models import EmailDigest, EmailMode, Notification, NotificationPreference


def notify(*, recipients: Iterable[User], key: str, kind: str, params: dict,
           url: str = "") -> list[Notification]:
    """Insert one notification per recipient for ``key``; return those inserted now. A
    recipient already notified for ``key`` is skipped, so calling twice notifies once. Each
    inserted notification's email is sent by a task after commit."""
    created = []
    for recipient in {r.pk: r for r in recipients if r.is_active}.values():
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    recipient=recipient, key=key, kind=kind, params=params, url=url)
        except IntegrityError:
            continue  # already notified: the unique (recipient, key) says so
        created.append(notification)
        tasks.send_notification_email.delay_on_commit(notification.pk)
    return created


def notification_email_send(*, notification_id: int) -> bool:
    """Email one notification unless it was already emailed. The row is locked while sending
    and marked in the same transaction, so two deliveries of the task send one email. Its link
    is on the portal's public address (``PORTAL_BASE_URL``): a task has no request."""
    with transaction.atomic():
        notification = (Notification.objects.select_for_update().select_related("recipient")
                        .filter(pk=notification_id).first())
        if notification is None or notification.emailed_at is not None:
            return False
        preference = NotificationPreference.for_user(notification.recipient)
        if preference.email_mode != EmailMode.IMMEDIATE or not preference.emails(
                notification.kind):
            return False  # a daily digest will carry it, or the person wants no email of it
        texts = {}
        for key, language in (("fr", "fr-ca"), ("en", "en")):
            with translation.override(language):
                texts[key] = notification.message
        with translation.override("fr-ca"):
            body = render_to_string("notifications/email.txt", {
                "texts": texts,
                "url": absolute_url(notification.url) if notification.url else "",
            })
        send_mail(
            subject=f"Portail régionalisation — {texts['fr']}"[:150],
            message=body,
            from_email=None,
            recipient_list=[notification.recipient.email],
        )
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    return True


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
            emailed_at=timezone.now())
        digest.notification_count = len(notifications)
        digest.save(update_fields=["notification_count"])
    return True
