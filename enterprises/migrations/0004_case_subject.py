"""Cases get a subject line (required for new cases). Existing cases get one made of their
help kinds and topics, in French, the portal's first language (« Accompagnement : recruter,
intégrer »): the rows keep what they said, and the lists have something to show."""

from django.db import migrations, models

HELP_KINDS = {"information": "Information", "referral": "Aiguillage",
              "accompaniment": "Accompagnement"}
TOPICS = {"attraction": "attirer", "recruitment": "recruter", "reception": "accueillir",
          "integration": "intégrer", "retention": "retenir"}


def subject_of(help_kinds, topics) -> str:
    helps = ", ".join(HELP_KINDS.get(v, v) for v in help_kinds or []) or "Demande"
    about = ", ".join(TOPICS.get(v, v) for v in topics or [])
    return (f"{helps} : {about}" if about else helps)[:200]


def fill_subjects(apps, schema_editor):
    Case = apps.get_model("enterprises", "Case")
    rows = list(Case.objects.only("pk", "help_kinds", "topics"))
    for case in rows:
        case.subject = subject_of(case.help_kinds, case.topics)
    Case.objects.bulk_update(rows, ["subject"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ("enterprises", "0003_move_reminders_to_notifications"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="subject",
            field=models.CharField(default="", max_length=200, verbose_name="subject"),
            preserve_default=False,
        ),
        migrations.RunPython(fill_subjects, migrations.RunPython.noop),
    ]
