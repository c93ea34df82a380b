from django.db import migrations

KEYS = ["regionalisation", "plans-by-region", "plans-by-program", "plans-by-axis",
        "cohort-presence"]


def create_rows(apps, schema_editor):
    """One row per table, unpublished: the administrator ticks what to publish."""
    PublishedTable = apps.get_model("opendata", "PublishedTable")
    PublishedTable.objects.bulk_create([PublishedTable(key=key) for key in KEYS],
                                       ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("opendata", "0001_initial")]

    operations = [migrations.RunPython(create_rows, migrations.RunPython.noop)]
