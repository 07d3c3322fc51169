"""The moved models take this app's table and index names, and their content types (so their permissions
and the groups holding them) follow them from budgets to activity. Rows are renamed with their tables,
never copied."""

from django.db import migrations


MOVED = [
    "activityaggregate",
    "admittedtariff",
    "aetariff",
    "extractupload",
    "historicaltariffversion",
    "marketforcesfactor",
    "outpatienttariff",
    "problemrow",
    "tariffversion",
]


def relabel(apps, schema_editor, *, source: str, target: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.using(schema_editor.connection.alias).filter(app_label=source, model__in=MOVED).update(
        app_label=target
    )


def forwards(apps, schema_editor):
    relabel(apps, schema_editor, source="budgets", target="activity")


def backwards(apps, schema_editor):
    relabel(apps, schema_editor, source="activity", target="budgets")


class Migration(migrations.Migration):

    dependencies = [
        ('activity', '0001_initial'),
        ('budgets', '0008_activity_models_moved'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.RenameIndex(
            model_name='activityaggregate',
            new_name='activity_ac_pct_id_b3fa16_idx',
            old_name='budgets_act_pct_id_fbea09_idx',
        ),
        migrations.RenameIndex(
            model_name='activityaggregate',
            new_name='activity_ac_practic_23cdb8_idx',
            old_name='budgets_act_practic_ff3f04_idx',
        ),
        migrations.RenameIndex(
            model_name='activityaggregate',
            new_name='activity_ac_upload__2804da_idx',
            old_name='budgets_act_upload__b5e2b4_idx',
        ),
        migrations.RenameIndex(
            model_name='admittedtariff',
            new_name='activity_ad_tariff__193bde_idx',
            old_name='budgets_adm_tariff__67a4c5_idx',
        ),
        migrations.AlterModelTable(
            name='activityaggregate',
            table=None,
        ),
        migrations.AlterModelTable(
            name='admittedtariff',
            table=None,
        ),
        migrations.AlterModelTable(
            name='aetariff',
            table=None,
        ),
        migrations.AlterModelTable(
            name='extractupload',
            table=None,
        ),
        migrations.AlterModelTable(
            name='historicaltariffversion',
            table=None,
        ),
        migrations.AlterModelTable(
            name='marketforcesfactor',
            table=None,
        ),
        migrations.AlterModelTable(
            name='outpatienttariff',
            table=None,
        ),
        migrations.AlterModelTable(
            name='problemrow',
            table=None,
        ),
        migrations.AlterModelTable(
            name='tariffversion',
            table=None,
        ),
    ]
