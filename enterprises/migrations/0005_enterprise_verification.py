"""A self-registered enterprise is unverified until an adviser of its territory confirms it.
The enterprises already in the portal (made by staff, the demo, or registered before the
confirmation existed and in use since) are marked confirmed at their creation."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def confirm_existing(apps, schema_editor):
    Enterprise = apps.get_model("enterprises", "Enterprise")
    Enterprise.objects.filter(verified_at__isnull=True).update(
        verified_at=models.F("created_at"))


class Migration(migrations.Migration):

    dependencies = [
        ('enterprises', '0004_case_subject'),
        ('partners', '0002_invitation_sent_at'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='enterprise',
            name='verified_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='confirmed'),
        ),
        migrations.AddField(
            model_name='enterprise',
            name='verified_by',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='confirmed by'),
        ),
        migrations.AddConstraint(
            model_name='enterprise',
            constraint=models.CheckConstraint(condition=models.Q(('verified_by__isnull', True), ('verified_at__isnull', False), _connector='OR'), name='enterprise_confirmer_has_a_date'),
        ),
        migrations.RunPython(confirm_existing, migrations.RunPython.noop),
    ]
