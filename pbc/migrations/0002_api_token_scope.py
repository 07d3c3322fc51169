from django.db import migrations, models

SCOPE_FIELD = {
    "choices": [("read", "Read"), ("read-write", "Read and write")],
    "default": "read",
    "help_text": "A read token is refused every change, whatever its user's role allows.",
    "max_length": 10,
}


def keep_existing_writers(apps, schema_editor):
    """Tokens issued before scopes existed keep what their user's role allowed."""
    ApiToken = apps.get_model("pbc", "ApiToken")
    ApiToken.objects.filter(user__memberships__role="api_client_write").update(scope="read-write")


class Migration(migrations.Migration):
    dependencies = [
        ("pbc", "0001_initial"),
    ]

    operations = [
        migrations.AddField(model_name="apitoken", name="scope", field=models.CharField(**SCOPE_FIELD)),
        migrations.AddField(
            model_name="historicalapitoken", name="scope", field=models.CharField(**SCOPE_FIELD)
        ),
        migrations.RunPython(keep_existing_writers, migrations.RunPython.noop),
    ]
