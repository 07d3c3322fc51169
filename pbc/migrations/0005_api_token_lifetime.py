# Tokens expire, rotate with a grace period, and record their last use (issue 14 item 6).

from datetime import timedelta

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

import pbc.models

EXPIRES_HELP = "After this the token is refused (401). A rotated token expires when its grace period ends."
LAST_USED_HELP = "Recorded at most once a minute, not on every request."
REPLACED_HELP = "The token issued when this one was rotated."


def give_existing_tokens_a_lifetime(apps, schema_editor):
    """Tokens issued before expiry existed get a full lifetime from today, so no running system is cut off
    by the upgrade; their history rows take the same date."""
    ApiToken = apps.get_model("pbc", "ApiToken")
    HistoricalApiToken = apps.get_model("pbc", "HistoricalApiToken")
    expires = timezone.now() + timedelta(days=settings.PBC_API_TOKEN_LIFETIME_DAYS)
    ApiToken.objects.filter(expires_at__isnull=True).update(expires_at=expires)
    HistoricalApiToken.objects.filter(expires_at__isnull=True).update(expires_at=expires)


class Migration(migrations.Migration):
    dependencies = [
        ("pbc", "0004_import_kind_providers"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="apitoken",
            options={"ordering": ["-created", "-pk"], "verbose_name": "API token"},
        ),
        migrations.RenameField(model_name="apitoken", old_name="last_used", new_name="last_used_at"),
        migrations.RenameField(model_name="historicalapitoken", old_name="last_used", new_name="last_used_at"),
        migrations.AlterField(
            model_name="apitoken",
            name="last_used_at",
            field=models.DateTimeField(blank=True, help_text=LAST_USED_HELP, null=True),
        ),
        migrations.AlterField(
            model_name="historicalapitoken",
            name="last_used_at",
            field=models.DateTimeField(blank=True, help_text=LAST_USED_HELP, null=True),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(help_text=EXPIRES_HELP, null=True),
        ),
        migrations.AddField(
            model_name="historicalapitoken",
            name="expires_at",
            field=models.DateTimeField(help_text=EXPIRES_HELP, null=True),
        ),
        migrations.RunPython(give_existing_tokens_a_lifetime, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(default=pbc.models.api_token_expiry, help_text=EXPIRES_HELP),
        ),
        migrations.AlterField(
            model_name="historicalapitoken",
            name="expires_at",
            field=models.DateTimeField(default=pbc.models.api_token_expiry, help_text=EXPIRES_HELP),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="replaced_by",
            field=models.OneToOneField(
                blank=True,
                help_text=REPLACED_HELP,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="replaces",
                to="pbc.apitoken",
            ),
        ),
        migrations.AddField(
            model_name="historicalapitoken",
            name="replaced_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                help_text=REPLACED_HELP,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="pbc.apitoken",
            ),
        ),
    ]
