import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('regions', '0002_cohortimport_cohortstatistic_and_more'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='DashboardSettings',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('montreal_area', models.CharField(choices=[('06', 'The Montréal administrative region (06)'), ('06+13', 'Montréal (06) and Laval (13)'), ('cmm', 'The Montréal metropolitan community (CMM)')], default='06', help_text='Cohort figures are per administrative region. The CMM covers all of Montréal (06) and Laval (13) but only part of Lanaudière (14), Laurentides (15) and Montérégie (16): for it the dashboard gives the exact range the regional figures allow, not a single number.', max_length=5, verbose_name='« Montréal » in the share of immigrants living outside Montréal')),
            ],
            options={
                'verbose_name': 'cohort dashboard settings',
                'verbose_name_plural': 'cohort dashboard settings',
                'constraints': [
                    models.CheckConstraint(condition=models.Q(('pk', 1)), name='dashboard_settings_single_row'),
                    models.CheckConstraint(condition=models.Q(('montreal_area__in', ['06', '06+13', 'cmm'])), name='dashboard_settings_montreal_area_known'),
                ],
            },
        ),
        migrations.AlterField(
            model_name='cohortimport',
            name='uploaded_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='uploaded by'),
        ),
        migrations.AlterField(
            model_name='cohortimport',
            name='status',
            field=models.CharField(choices=[('previewed', 'Previewed, waiting for confirmation'), ('queued', 'Queued'), ('running', 'Importing'), ('done', 'Imported'), ('failed', 'Failed'), ('cancelled', 'Cancelled'), ('expired', 'Expired without confirmation')], default='previewed', max_length=20, verbose_name='status'),
        ),
        migrations.RemoveConstraint(
            model_name='cohortimport',
            name='cohort_import_status_known',
        ),
        migrations.AddConstraint(
            model_name='cohortimport',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['previewed', 'queued', 'running', 'done', 'failed', 'cancelled', 'expired'])), name='cohort_import_status_known'),
        ),
    ]
