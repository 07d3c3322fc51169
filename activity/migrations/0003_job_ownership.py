"""Job ownership: uploads get an owner and a lease; stored rows carry the attempt that stored them.

Rows stored before this migration belong to their upload's last attempt, so every published figure stays
published."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('activity', '0002_tables_renamed'),
    ]

    operations = [
        migrations.AddField(
            model_name='activityaggregate',
            name='attempt',
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='extractupload',
            name='lease_until',
            field=models.DateTimeField(blank=True, editable=False, help_text='The owner holds the job until then unless it renews.', null=True),
        ),
        migrations.AddField(
            model_name='extractupload',
            name='owner',
            field=models.CharField(blank=True, editable=False, help_text='The execution holding the job.', max_length=32),
        ),
        migrations.AddField(
            model_name='problemrow',
            name='attempt',
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AlterField(
            model_name='extractupload',
            name='attempts',
            field=models.PositiveSmallIntegerField(default=0, help_text='Executions that claimed the job; the last one is the attempt whose rows count.'),
        ),
        migrations.RunSQL(
            "UPDATE activity_activityaggregate SET attempt = COALESCE((SELECT u.attempts FROM activity_extractupload u"
            " WHERE u.id = activity_activityaggregate.upload_id), 0)",
            migrations.RunSQL.noop,
        ),
        migrations.RunSQL(
            "UPDATE activity_problemrow SET attempt = COALESCE((SELECT u.attempts FROM activity_extractupload u"
            " WHERE u.id = activity_problemrow.upload_id), 0)",
            migrations.RunSQL.noop,
        ),
    ]
