"""The tariff and activity models now belong to the activity app (its 0001). State only: nothing in the
database changes here."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('activity', '0001_initial'),
        ('budgets', '0007_tariff_rows_national_first'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='admittedtariff',
                    name='tariff',
                ),
                migrations.RemoveField(
                    model_name='aetariff',
                    name='tariff',
                ),
                migrations.RemoveField(
                    model_name='extractupload',
                    name='actor',
                ),
                migrations.RemoveField(
                    model_name='extractupload',
                    name='pct',
                ),
                migrations.RemoveField(
                    model_name='extractupload',
                    name='tariff',
                ),
                migrations.RemoveField(
                    model_name='extractupload',
                    name='year',
                ),
                migrations.RemoveField(
                    model_name='problemrow',
                    name='upload',
                ),
                migrations.RemoveField(
                    model_name='historicaltariffversion',
                    name='actor',
                ),
                migrations.RemoveField(
                    model_name='historicaltariffversion',
                    name='history_user',
                ),
                migrations.RemoveField(
                    model_name='historicaltariffversion',
                    name='year',
                ),
                migrations.RemoveField(
                    model_name='marketforcesfactor',
                    name='tariff',
                ),
                migrations.RemoveField(
                    model_name='outpatienttariff',
                    name='tariff',
                ),
                migrations.RemoveField(
                    model_name='tariffversion',
                    name='actor',
                ),
                migrations.RemoveField(
                    model_name='tariffversion',
                    name='year',
                ),
                migrations.DeleteModel(
                    name='ActivityAggregate',
                ),
                migrations.DeleteModel(
                    name='AdmittedTariff',
                ),
                migrations.DeleteModel(
                    name='AeTariff',
                ),
                migrations.DeleteModel(
                    name='ExtractUpload',
                ),
                migrations.DeleteModel(
                    name='ProblemRow',
                ),
                migrations.DeleteModel(
                    name='HistoricalTariffVersion',
                ),
                migrations.DeleteModel(
                    name='MarketForcesFactor',
                ),
                migrations.DeleteModel(
                    name='OutpatientTariff',
                ),
                migrations.DeleteModel(
                    name='TariffVersion',
                ),
            ],
            database_operations=[],
        ),
    ]
