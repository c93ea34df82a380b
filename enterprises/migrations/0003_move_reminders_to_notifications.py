"""Reminder and ReminderSettings move to the notifications app (the reminder engine belongs to
no domain). Their tables are renamed, not copied: every row keeps its id, and the unique
constraint of the natural key (recipient, kind, object_key, day) and the single-row check keep
their names, so no reminder already sent is sent again. notifications 0003 adds the models to
that app's state; this migration only renames the tables and drops the models from this app's
state. Works on PostgreSQL and SQLite (ALTER TABLE ... RENAME TO)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('enterprises', '0002_remindersettings_opportunity_expiry_days_and_more'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(name='Reminder', table='notifications_reminder'),
                migrations.AlterModelTable(name='ReminderSettings',
                                           table='notifications_remindersettings'),
            ],
            state_operations=[
                migrations.DeleteModel(name='Reminder'),
                migrations.DeleteModel(name='ReminderSettings'),
            ],
        ),
    ]
