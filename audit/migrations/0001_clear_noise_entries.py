"""Remove the change entries recorded before the trail dropped noise as it is written: entries
whose every « change » is an empty related manager (``None → app.Model.None``), an empty value
on both sides or the same value twice (``audit.display.is_noise``)."""

import json

from django.db import migrations

UPDATE = 1


def clear_noise(apps, schema_editor):
    from django.apps import apps as live_apps

    from audit.display import meaningful_changes

    LogEntry = apps.get_model("auditlog", "LogEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    models = {}
    for content_type in ContentType.objects.all():
        try:
            models[content_type.pk] = live_apps.get_model(content_type.app_label,
                                                          content_type.model)
        except LookupError:
            models[content_type.pk] = None
    noise = []
    entries = LogEntry.objects.filter(action=UPDATE).values_list("pk", "content_type_id",
                                                                 "changes", "changes_text")
    for pk, content_type_id, changes, changes_text in entries.iterator(chunk_size=2000):
        if changes is None:
            try:
                changes = json.loads(changes_text or "{}")
            except ValueError:
                continue
        if isinstance(changes, dict) and not meaningful_changes(models.get(content_type_id),
                                                                changes):
            noise.append(pk)
    for start in range(0, len(noise), 1000):
        LogEntry.objects.filter(pk__in=noise[start:start + 1000]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("auditlog", "0017_add_actor_email"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(clear_noise, migrations.RunPython.noop)]
