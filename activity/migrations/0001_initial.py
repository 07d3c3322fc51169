"""The tariff and activity models, moved from the budgets app. State only: their tables, rows and history
stay as they are (renamed to this app's names in 0002)."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('budgets', '0007_tariff_rows_national_first'),
        ('pbc', '0003_history_reasons_as_text'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ExtractUpload',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('dataset', models.CharField(choices=[('APC', 'Admitted patient care'), ('OP', 'Outpatients'), ('AE', 'A&E')], max_length=3)),
                        ('file', models.FileField(blank=True, upload_to='extracts/%Y/%m/')),
                        ('filename', models.CharField(max_length=255)),
                        ('size_bytes', models.BigIntegerField(default=0)),
                        ('checksum', models.CharField(db_index=True, max_length=64)),
                        ('status', models.CharField(choices=[('pending', 'Waiting to run'), ('running', 'Processing'), ('succeeded', 'Published'), ('failed', 'Failed')], default='pending', max_length=20)),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('created', models.DateTimeField(auto_now_add=True)),
                        ('started', models.DateTimeField(blank=True, null=True)),
                        ('finished', models.DateTimeField(blank=True, null=True)),
                        ('published_at', models.DateTimeField(blank=True, null=True)),
                        ('rows_read', models.PositiveBigIntegerField(default=0)),
                        ('bytes_read', models.PositiveBigIntegerField(default=0, help_text='Bytes of the file the job has read so far (its progress against size_bytes).')),
                        ('heartbeat', models.DateTimeField(blank=True, help_text='Last sign of life of the job processing it.', null=True)),
                        ('quality', models.JSONField(blank=True, default=dict, help_text='The data-quality report.')),
                        ('changes', models.JSONField(blank=True, default=dict, help_text='What publishing this upload changed.')),
                        ('error', models.TextField(blank=True)),
                        ('error_extra', models.JSONField(blank=True, default=dict)),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('pct', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='extract_uploads', to='pbc.pct')),
                        ('year', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='extract_uploads', to='pbc.financialyear')),
                    ],
                    options={
                        'db_table': 'budgets_extractupload',
                        'ordering': ['-created', '-pk'],
                        'permissions': [('upload_extract', 'Can upload activity extracts')],
                    },
                ),
                migrations.CreateModel(
                    name='HistoricalTariffVersion',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('version', models.PositiveIntegerField()),
                        ('is_current', models.BooleanField(default=True)),
                        ('created', models.DateTimeField(blank=True, editable=False)),
                        ('reason', models.CharField(blank=True, max_length=500)),
                        ('files', models.JSONField(blank=True, default=dict, help_text='File name and checksum per tariff kind.')),
                        ('counts', models.JSONField(blank=True, default=dict)),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.TextField(null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('actor', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('year', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pbc.financialyear')),
                    ],
                    options={
                        'verbose_name': 'historical tariff version',
                        'verbose_name_plural': 'historical tariff versions',
                        'db_table': 'budgets_historicaltariffversion',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='ProblemRow',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('line_no', models.PositiveBigIntegerField()),
                        ('outcome', models.CharField(max_length=20)),
                        ('reason', models.CharField(blank=True, max_length=40)),
                        ('fields', models.JSONField(default=dict)),
                        ('upload', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='problem_rows', to='activity.extractupload')),
                    ],
                    options={
                        'db_table': 'budgets_problemrow',
                        'ordering': ['upload', 'line_no'],
                    },
                ),
                migrations.CreateModel(
                    name='TariffVersion',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('version', models.PositiveIntegerField()),
                        ('is_current', models.BooleanField(default=True)),
                        ('created', models.DateTimeField(auto_now_add=True)),
                        ('reason', models.CharField(blank=True, max_length=500)),
                        ('files', models.JSONField(blank=True, default=dict, help_text='File name and checksum per tariff kind.')),
                        ('counts', models.JSONField(blank=True, default=dict)),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('year', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='tariff_versions', to='pbc.financialyear')),
                    ],
                    options={
                        'db_table': 'budgets_tariffversion',
                        'ordering': ['-year__start_year', '-version'],
                        'permissions': [('import_tariff', 'Can import tariff files')],
                    },
                ),
                migrations.CreateModel(
                    name='OutpatientTariff',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('provider', models.CharField(blank=True, help_text='Blank = national price.', max_length=3, null=True)),
                        ('row', models.PositiveIntegerField(help_text='Row number in the imported file.')),
                        ('tretspef', models.CharField(max_length=3, verbose_name='treatment function')),
                        ('first_pence', models.BigIntegerField(blank=True, null=True)),
                        ('follow_up_pence', models.BigIntegerField(blank=True, null=True)),
                        ('tariff', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='activity.tariffversion')),
                    ],
                    options={
                        'db_table': 'budgets_outpatienttariff',
                        'ordering': ['tariff', 'tretspef', models.OrderBy(models.F('provider'), nulls_first=True)],
                    },
                ),
                migrations.CreateModel(
                    name='MarketForcesFactor',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('provider', models.CharField(blank=True, help_text='Blank = national price.', max_length=3, null=True)),
                        ('row', models.PositiveIntegerField(help_text='Row number in the imported file.')),
                        ('mff_scaled', models.PositiveIntegerField(help_text='MFF × 100,000 (1.05 → 105000), so pricing stays exact.')),
                        ('tariff', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='activity.tariffversion')),
                    ],
                    options={
                        'verbose_name': 'market forces factor',
                        'db_table': 'budgets_marketforcesfactor',
                        'ordering': ['tariff', models.OrderBy(models.F('provider'), nulls_first=True)],
                    },
                ),
                migrations.AddField(
                    model_name='extractupload',
                    name='tariff',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='uploads', to='activity.tariffversion'),
                ),
                migrations.CreateModel(
                    name='AeTariff',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('provider', models.CharField(blank=True, help_text='Blank = national price.', max_length=3, null=True)),
                        ('row', models.PositiveIntegerField(help_text='Row number in the imported file.')),
                        ('hrg', models.CharField(max_length=5, verbose_name='HRG')),
                        ('type_1_2_pence', models.BigIntegerField(blank=True, null=True)),
                        ('type_3_pence', models.BigIntegerField(blank=True, null=True)),
                        ('tariff', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='activity.tariffversion')),
                    ],
                    options={
                        'verbose_name': 'A&E tariff',
                        'db_table': 'budgets_aetariff',
                        'ordering': ['tariff', 'hrg', models.OrderBy(models.F('provider'), nulls_first=True)],
                    },
                ),
                migrations.CreateModel(
                    name='AdmittedTariff',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('provider', models.CharField(blank=True, help_text='Blank = national price.', max_length=3, null=True)),
                        ('row', models.PositiveIntegerField(help_text='Row number in the imported file.')),
                        ('hrg', models.CharField(max_length=5, verbose_name='HRG')),
                        ('hrg_name', models.CharField(blank=True, max_length=255, verbose_name='HRG name')),
                        ('elective_pence', models.BigIntegerField(blank=True, null=True)),
                        ('non_elective_pence', models.BigIntegerField(blank=True, null=True)),
                        ('day_case_pence', models.BigIntegerField(blank=True, null=True)),
                        ('ordinary_elective_pence', models.BigIntegerField(blank=True, null=True)),
                        ('ssem_pence', models.BigIntegerField(blank=True, null=True, verbose_name='short-stay emergency tariff (pence)')),
                        ('elective_trim_days', models.IntegerField(blank=True, null=True)),
                        ('non_elective_trim_days', models.IntegerField(blank=True, null=True)),
                        ('excess_bed_day_pence', models.BigIntegerField(blank=True, null=True)),
                        ('tariff', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='activity.tariffversion')),
                    ],
                    options={
                        'db_table': 'budgets_admittedtariff',
                        'ordering': ['tariff', 'hrg', models.OrderBy(models.F('provider'), nulls_first=True)],
                    },
                ),
                migrations.CreateModel(
                    name='ActivityAggregate',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('dataset', models.CharField(choices=[('APC', 'Admitted patient care'), ('OP', 'Outpatients'), ('AE', 'A&E')], max_length=3)),
                        ('practice_code', models.CharField(blank=True, max_length=10)),
                        ('month', models.DateField(blank=True, null=True)),
                        ('pod', models.CharField(blank=True, max_length=6, verbose_name='POD')),
                        ('provider', models.CharField(blank=True, max_length=5)),
                        ('tretspef', models.CharField(blank=True, max_length=3, verbose_name='treatment function')),
                        ('hrg', models.CharField(blank=True, max_length=5, verbose_name='HRG')),
                        ('ae_type', models.CharField(blank=True, max_length=4)),
                        ('los_days', models.IntegerField(blank=True, null=True)),
                        ('ssem_eligible', models.BooleanField(default=False)),
                        ('outcome', models.CharField(max_length=20)),
                        ('reason', models.CharField(blank=True, max_length=40)),
                        ('price_reason', models.CharField(blank=True, max_length=40)),
                        ('mff_defaulted', models.BooleanField(default=False)),
                        ('activity', models.PositiveIntegerField()),
                        ('cost_pence', models.BigIntegerField()),
                        ('excess_days', models.BigIntegerField(default=0)),
                        ('is_current', models.BooleanField(default=False)),
                        ('pct', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='pbc.pct')),
                        ('practice', models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='activity', to='pbc.practice')),
                        ('upload', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='aggregates', to='activity.extractupload')),
                    ],
                    options={
                        'db_table': 'budgets_activityaggregate',
                        'ordering': ['month', 'practice_code', 'pod', 'provider'],
                        'indexes': [models.Index(fields=['pct', 'dataset', 'is_current', 'month'], name='budgets_act_pct_id_fbea09_idx'), models.Index(fields=['practice', 'month'], name='budgets_act_practic_ff3f04_idx'), models.Index(fields=['upload', 'provider', 'month'], name='budgets_act_upload__b5e2b4_idx')],
                        'constraints': [models.CheckConstraint(condition=models.Q(('cost_pence__gte', 0)), name='activity_cost_not_negative')],
                    },
                ),
                migrations.AddConstraint(
                    model_name='tariffversion',
                    constraint=models.UniqueConstraint(fields=('year', 'version'), name='tariff_version_unique'),
                ),
                migrations.AddConstraint(
                    model_name='tariffversion',
                    constraint=models.UniqueConstraint(condition=models.Q(('is_current', True)), fields=('year',), name='one_current_tariff_per_year'),
                ),
                migrations.AddIndex(
                    model_name='admittedtariff',
                    index=models.Index(fields=['tariff', 'hrg'], name='budgets_adm_tariff__67a4c5_idx'),
                ),
                migrations.AddConstraint(
                    model_name='admittedtariff',
                    constraint=models.CheckConstraint(condition=models.Q(('elective_pence__gte', 0), ('elective_pence__isnull', True), _connector='OR'), name='admitted_el_not_negative'),
                ),
                migrations.AddConstraint(
                    model_name='admittedtariff',
                    constraint=models.CheckConstraint(condition=models.Q(('non_elective_pence__gte', 0), ('non_elective_pence__isnull', True), _connector='OR'), name='admitted_nel_not_negative'),
                ),
            ],
            database_operations=[],
        ),
    ]
