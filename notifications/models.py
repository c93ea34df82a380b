from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from portal.files import private_storage
from portal.scoping import visible_offices


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        """A person sees only their own notifications."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class EmailState(models.TextChoices):
    """Where a notification's email stands: the outbox (see ``notifications.services``)."""

    OWED = "owed", _("To send")
    SENT = "sent", _("Emailed")
    FAILED = "failed", _("Email failed")
    NOT_OWED = "not_owed", _("Not emailed (digest or preference)")


class Notification(models.Model):
    """Something a person should know, shown in the portal and sent by email.

    ``key`` is the natural key of what is notified (``plan-event:42``, later
    ``reminder:case:7:2026-11-26``): with the recipient it is unique, so a notification is
    inserted once and its email sent only by the call that inserted it, however many times a
    task runs. The text is rendered when shown, in the reader's language, from ``kind`` and
    ``params`` (see ``notifications.messages``).

    The row is also the email's outbox: ``email_state`` is ``owed`` from the insert when the
    person wants an email of it now, ``not_owed`` when a daily digest carries it or they want
    none; the sender turns ``owed`` into ``sent`` (with ``emailed_at``) in the transaction that
    holds the row's lock, or counts a failed attempt (``email_attempts``, ``email_last_error``,
    ``email_next_attempt_at``) and gives up (``failed``) after ``EMAIL_MAX_ATTEMPTS``.
    """

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recipient"),
                                  on_delete=models.CASCADE, related_name="notifications")
    key = models.CharField(max_length=150)
    kind = models.CharField(_("kind"), max_length=50)
    params = models.JSONField(default=dict)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)
    email_state = models.CharField(_("email"), max_length=10, choices=EmailState.choices,
                                   default=EmailState.OWED)
    email_attempts = models.PositiveSmallIntegerField(_("failed email attempts"), default=0)
    email_last_error = models.CharField(_("last email error"), max_length=300, blank=True)
    email_next_attempt_at = models.DateTimeField(_("next email attempt"), null=True,
                                                 blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"],
                                    name="notification_once_per_recipient_and_key"),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"]),
            # The recovery job's walk: owed emails, oldest first.
            models.Index(fields=["email_state", "created_at"], name="notification_outbox"),
        ]

    def __str__(self):
        return f"{self.recipient} — {self.key}"

    @property
    def message(self) -> str:
        from .messages import render

        return render(self.kind, self.params)


class EmailMode(models.TextChoices):
    IMMEDIATE = "immediate", _("An email for each notification")
    DAILY = "daily", _("One daily digest email")
    OFF = "off", _("No email (the portal only)")


class NotificationPreference(models.Model):
    """How a person wants to be emailed: each notification, one daily digest, or not at all;
    and the kinds they do not want by email (``muted_kinds``: notification kinds, filled by
    groups from ``notifications.messages.kind_groups()``). Muted kinds are still shown in the
    portal. Nobody has a row until they change something: the default is an email for each
    notification."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("person"),
                                on_delete=models.CASCADE, related_name="notification_preference")
    email_mode = models.CharField(_("emails"), max_length=10, choices=EmailMode.choices,
                                  default=EmailMode.IMMEDIATE)
    muted_kinds = models.JSONField(_("kinds not emailed"), default=list, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.CheckConstraint(condition=models.Q(email_mode__in=EmailMode.values),
                                   name="notification_preference_mode_known"),
        ]

    def __str__(self):
        return f"{self.user} — {self.email_mode}"

    @classmethod
    def for_user(cls, user) -> "NotificationPreference":
        """The person's preferences, or the defaults (not saved) when they have none."""
        return cls.objects.filter(user=user).first() or cls(user=user)

    def emails(self, kind: str) -> bool:
        """Whether a notification of ``kind`` is to be emailed at all (now or in the digest)."""
        return self.email_mode != EmailMode.OFF and kind not in self.muted_kinds


class EmailDigest(models.Model):
    """The daily digest email of one person for one day: inserted before it is sent, under a
    unique (user, day), so the digest task run twice or on two workers sends it once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"),
                             on_delete=models.CASCADE, related_name="email_digests")
    day = models.DateField(_("day"))
    notification_count = models.PositiveIntegerField(_("notifications"), default=0)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("email digest")
        verbose_name_plural = _("email digests")
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="email_digest_once_per_day"),
        ]

    def __str__(self):
        return f"{self.user} — {self.day}"


class ReminderSettings(models.Model):
    """The delays administrators set for reminders and escalation (one row). The reminder
    engine (``notifications.reminders``) is shared; each delay is read by the domain sweep it
    concerns."""

    escalation_business_days = models.PositiveSmallIntegerField(
        _("escalate a case overdue by more than (business days)"), default=5,
        validators=[MinValueValidator(1), MaxValueValidator(60)])
    #: A case of high or urgent priority escalates sooner (``enterprises.reminders``); a
    #: delay longer than the normal one is not used (the shorter applies).
    escalation_business_days_high = models.PositiveSmallIntegerField(
        _("escalate a high-priority case overdue by more than (business days)"), default=3,
        validators=[MinValueValidator(1), MaxValueValidator(60)])
    escalation_business_days_urgent = models.PositiveSmallIntegerField(
        _("escalate an urgent case overdue by more than (business days)"), default=1,
        validators=[MinValueValidator(1), MaxValueValidator(60)])
    enterprise_waiting_days = models.PositiveSmallIntegerField(
        _("remind an enterprise a case has waited on it for (days)"), default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)])
    report_due_days = models.PositiveSmallIntegerField(
        _("remind of an action-plan report this many days before it is due"), default=14,
        validators=[MinValueValidator(1), MaxValueValidator(90)])
    opportunity_expiry_days = models.PositiveSmallIntegerField(
        _("remind an employer this many days before its regional opportunity expires"),
        default=7, validators=[MinValueValidator(1), MaxValueValidator(60)])

    class Meta:
        verbose_name = _("reminder settings")
        verbose_name_plural = _("reminder settings")
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="reminder_settings_single_row"),
        ]

    def __str__(self):
        return str(_("Reminder settings"))

    @classmethod
    def current(cls) -> "ReminderSettings":
        return cls.objects.get_or_create(pk=1)[0]


class Reminder(models.Model):
    """A reminder sent, under its natural key (recipient, kind, object, day): a sweep inserts
    it and sends it only if the insert happened, so running a sweep twice, or two at once,
    sends each reminder once (``notifications.reminders.send_many``).

    ``kind`` is declared, with its label, by the domain app whose sweep sends it
    (``reminders.kinds(...)`` in ``<app>/reminders.py``); this model lists none of them."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recipient"),
                                  on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("kind"), max_length=30)
    #: What the reminder is about: "case:42", "report:7", "opportunity:3", "activity:5", or
    #: "" for a digest.
    object_key = models.CharField(max_length=50, blank=True)
    day = models.DateField(_("day"))
    created_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "kind", "object_key", "day"],
                                    name="reminder_once_per_recipient_kind_object_day"),
        ]

    def __str__(self):
        return f"{self.kind} {self.object_key} {self.day} → {self.recipient_id}"


# --------------------------------------------------------------------------------------------
# Mail in: every message read from the portal's IMAP mailbox (``notifications.inbound``)
# --------------------------------------------------------------------------------------------


class InboundState(models.TextChoices):
    """Where a message read from the mailbox stands. ``received`` is the inbox of the
    processing step: a message is inserted once (unique ``message_key``) and processed once,
    in the transaction that writes what it became."""

    RECEIVED = "received", _("To process")
    PROCESSED = "processed", _("Processed")
    TO_SORT = "to_sort", _("To sort")
    DISCARDED = "discarded", _("Discarded")
    REFUSED = "refused", _("Refused")
    FAILED = "failed", _("Could not be processed")


#: The states an adviser or an administrator still has to look at.
INBOUND_OPEN_STATES = (InboundState.TO_SORT, InboundState.REFUSED, InboundState.FAILED)


def inbound_message_path(instance, filename):
    import uuid

    return f"mail/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.eml"


class InboundMessageQuerySet(models.QuerySet):
    def for_user(self, user):
        """Staff see the mail that came to the offices they serve (an administrator: all of
        it, mail no office could be found for included); partner users see none."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.role == Role.ADMIN:
            return self.all()
        if user.role in (Role.SIT_MANAGER, Role.ADVISER):
            return self.filter(office__in=visible_offices(user).values("pk"))
        return self.none()

    def to_sort(self):
        return self.filter(state=InboundState.TO_SORT)


class InboundMessage(models.Model):
    """One email read from the portal's mailbox, kept as received (``raw``, the original
    message, in private storage) with what the portal made of it.

    ``message_key`` is the message's ``Message-ID`` (or, when it has none, ``sha256:`` of its
    bytes): unique, so a message read twice (a poller killed before it could mark the message
    read on the server) is inserted once and processed once. ``target`` names what the
    message became (``case:42`` opened, ``case-note:7`` added), ``error`` why it could not be
    (a refusal, a message that cannot be read)."""

    message_key = models.CharField(_("message identifier"), max_length=255, unique=True)
    raw = models.FileField(_("original message"), upload_to=inbound_message_path,
                           max_length=200, storage=private_storage, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    from_address = models.CharField(_("from"), max_length=254, blank=True)
    from_name = models.CharField(_("sender's name"), max_length=200, blank=True)
    to_addresses = models.CharField(_("to"), max_length=1000, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)
    #: The office whose address it was sent to (or whose case it answers); none: only
    #: administrators see it.
    office = models.ForeignKey("antennes.Office", verbose_name=_("office"),
                               on_delete=models.PROTECT, null=True, blank=True,
                               related_name="inbound_messages")
    state = models.CharField(_("state"), max_length=12, choices=InboundState.choices,
                             default=InboundState.RECEIVED)
    target = models.CharField(_("became"), max_length=60, blank=True)
    error = models.CharField(_("reason"), max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(_("processing attempts"), default=0)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    #: Who sorted or discarded it (none: the poller).
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("handled by"),
                                   on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    objects = InboundMessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("email received")
        verbose_name_plural = _("emails received")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(state__in=InboundState.values),
                                   name="inbound_message_state_known"),
        ]
        indexes = [
            models.Index(fields=["state", "office", "-received_at"],
                         name="inbound_message_queue"),
        ]

    def __str__(self):
        return f"{self.from_address} — {self.subject}"
