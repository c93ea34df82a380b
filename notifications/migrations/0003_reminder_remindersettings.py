"""Reminder and ReminderSettings, moved here from enterprises (enterprises 0003 renamed their
tables to these models' names with every row): this migration adds them to this app's state
only, and moves their content types (with the admin permissions and the audit log entries that
point at them) from enterprises to notifications."""

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MODELS = ('reminder', 'remindersettings')


def move_content_types(from_app, to_app):
    def move(apps, schema_editor):
        ContentType = apps.get_model('contenttypes', 'ContentType')
        db = schema_editor.connection.alias
        for model in MODELS:
            if not ContentType.objects.using(db).filter(app_label=to_app, model=model).exists():
                ContentType.objects.using(db).filter(app_label=from_app, model=model).update(
                    app_label=to_app)
    return move


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('enterprises', '0003_move_reminders_to_notifications'),
        ('notifications', '0002_emaildigest_notificationpreference'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Reminder',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(max_length=30, verbose_name='kind')),
                        ('object_key', models.CharField(blank=True, max_length=50)),
                        ('day', models.DateField(verbose_name='day')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='sent')),
                        ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reminders', to=settings.AUTH_USER_MODEL, verbose_name='recipient')),
                    ],
                    options={
                        'verbose_name': 'reminder',
                        'verbose_name_plural': 'reminders',
                        'constraints': [models.UniqueConstraint(fields=('recipient', 'kind', 'object_key', 'day'), name='reminder_once_per_recipient_kind_object_day')],
                    },
                ),
                migrations.CreateModel(
                    name='ReminderSettings',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('escalation_business_days', models.PositiveSmallIntegerField(default=5, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(60)], verbose_name='escalate a case overdue by more than (business days)')),
                        ('enterprise_waiting_days', models.PositiveSmallIntegerField(default=7, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(90)], verbose_name='remind an enterprise a case has waited on it for (days)')),
                        ('report_due_days', models.PositiveSmallIntegerField(default=14, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(90)], verbose_name='remind of an action-plan report this many days before it is due')),
                        ('opportunity_expiry_days', models.PositiveSmallIntegerField(default=7, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(60)], verbose_name='remind an employer this many days before its regional opportunity expires')),
                    ],
                    options={
                        'verbose_name': 'reminder settings',
                        'verbose_name_plural': 'reminder settings',
                        'constraints': [models.CheckConstraint(condition=models.Q(('pk', 1)), name='reminder_settings_single_row')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types('enterprises', 'notifications'),
                             move_content_types('notifications', 'enterprises')),
    ]
