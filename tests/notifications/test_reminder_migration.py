"""Moving Reminder and ReminderSettings from enterprises to notifications (enterprises 0003,
notifications 0003) keeps every row with its id, the unique natural key and the single-row
check, and the content types (permissions, audit log) that point at them: no reminder already
sent is sent again. And back. Transactional: it migrates the schema back and forth."""

from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from accounts.models import User
from notifications import reminders
from notifications.models import Notification, Reminder, ReminderSettings

BEFORE = [("enterprises", "0002_remindersettings_opportunity_expiry_days_and_more"),
          ("notifications", "0002_emaildigest_notificationpreference")]
MOVED = ("reminder", "remindersettings")

pytestmark = pytest.mark.django_db(transaction=True)


def _migrate(targets=None):
    """Migrate to ``targets`` (every app's latest migration by default); the apps of then."""
    executor = MigrationExecutor(connection)
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.fixture
def before():
    """The apps as they were before the move; every app's latest migration afterwards."""
    try:
        yield _migrate(BEFORE)
    finally:
        _migrate()


def _rows(model):
    return sorted(model.objects.values_list("pk", "recipient_id", "kind", "object_key", "day",
                                            "created_at"))


def test_the_move_keeps_every_reminder_and_the_settings(before):
    old_user = before.get_model("accounts", "User").objects.create(email="conseil@exemple.qc.ca")
    OldReminder = before.get_model("enterprises", "Reminder")
    keys = [("escalation", "case:7", date(2025, 5, 21)),
            ("follow_up_digest", "", date(2025, 6, 11)),
            ("report_due", "report:3", date(2025, 6, 1))]
    for kind, object_key, day in keys:
        OldReminder.objects.create(recipient_id=old_user.pk, kind=kind, object_key=object_key,
                                   day=day)
    OldReminder.objects.filter(kind="follow_up_digest").delete()  # ids with a gap
    expected = _rows(OldReminder)
    before.get_model("enterprises", "ReminderSettings").objects.create(
        pk=1, escalation_business_days=3, enterprise_waiting_days=9, report_due_days=21,
        opportunity_expiry_days=5)
    ContentType = before.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(model__in=MOVED).delete()  # as a database of before the move:
    old_types = {ContentType.objects.create(app_label="enterprises", model=model).pk: model
                 for model in MOVED}

    _migrate()

    assert _rows(Reminder) == expected
    current = ReminderSettings.current()
    assert (current.escalation_business_days, current.enterprise_waiting_days,
            current.report_due_days, current.opportunity_expiry_days) == (3, 9, 21, 5)
    from django.contrib.contenttypes.models import ContentType as CurrentContentType

    assert {ct.pk: ct.model for ct in CurrentContentType.objects.filter(
        app_label="notifications", model__in=MOVED)} == old_types
    assert not CurrentContentType.objects.filter(app_label="enterprises", model__in=MOVED)

    # A reminder sent before the move is not sent again ...
    user = User.objects.get(pk=old_user.pk)
    assert reminders.send_many(
        kind="escalation", notification_kind="reminder_escalation",
        items=[reminders.Due(user.pk, "case:7", date(2025, 5, 21), {}, "")]) == 0
    assert not Notification.objects.exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(recipient=user, kind="report_due", object_key="report:3",
                                day=date(2025, 6, 1))
    # ... a new one is, under a new id, after the kept ones.
    assert reminders.send_many(
        kind="escalation", notification_kind="reminder_escalation",
        items=[reminders.Due(user.pk, "case:8", date(2025, 5, 21), {}, "")]) == 1
    assert Reminder.objects.get(object_key="case:8").pk > max(row[0] for row in expected)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderSettings.objects.create(pk=2)


def test_the_move_can_be_undone_with_every_row(before):
    _migrate()
    user = User.objects.create(email="conseil@exemple.qc.ca")
    Reminder.objects.create(recipient=user, kind="escalation", object_key="case:7",
                            day=date(2025, 5, 21))
    ReminderSettings.objects.create(pk=1, report_due_days=30)
    expected = _rows(Reminder)

    old = _migrate(BEFORE)

    assert _rows(old.get_model("enterprises", "Reminder")) == expected
    assert old.get_model("enterprises", "ReminderSettings").objects.get().report_due_days == 30
    assert old.get_model("contenttypes", "ContentType").objects.filter(
        app_label="enterprises", model__in=MOVED).count() == 2
