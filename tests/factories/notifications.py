"""Reminder settings for tests: ``reminder_settings(escalation_business_days=2)`` sets the
delays of the single ``ReminderSettings`` row the sweeps read."""

from notifications.models import ReminderSettings


def reminder_settings(**values) -> ReminderSettings:
    current = ReminderSettings.current()
    for name, value in values.items():
        setattr(current, name, value)
    current.save()
    return current
