from rest_framework import serializers

from activity.choices import DatasetChoice
from pbc.api.fields import MoneyField


class TariffVersionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    year = serializers.CharField(source="year.label")
    version = serializers.IntegerField()
    is_current = serializers.BooleanField()
    created = serializers.DateTimeField()
    reason = serializers.CharField()
    files = serializers.DictField()
    counts = serializers.DictField()


class TariffImportInputSerializer(serializers.Serializer):
    year = serializers.RegexField(r"^\d{4}/\d{2}$", help_text="Financial year, e.g. 2007/08.")
    admitted = serializers.FileField(required=False)
    outpatient = serializers.FileField(required=False)
    ae = serializers.FileField(required=False)
    mff = serializers.FileField(required=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class UploadOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    pct = serializers.CharField(source="pct.code")
    dataset = serializers.CharField()
    year = serializers.CharField(source="year.label")
    filename = serializers.CharField()
    size_bytes = serializers.IntegerField()
    checksum = serializers.CharField()
    status = serializers.CharField()
    attempts = serializers.IntegerField()
    created = serializers.DateTimeField()
    finished = serializers.DateTimeField(allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)
    rows_read = serializers.IntegerField()
    bytes_read = serializers.IntegerField(help_text="Bytes of the file the job has read so far.")
    progress_percent = serializers.IntegerField(
        allow_null=True, help_text="Whole percent of the file read (null: not known yet)."
    )
    error = serializers.CharField()
    quality = serializers.DictField(
        help_text="Data-quality report: rows and value (pence) by outcome and reason, coverage."
    )
    changes = serializers.DictField(help_text="What publishing changed, per provider and month.")


class ProblemRowOutputSerializer(serializers.Serializer):
    line = serializers.IntegerField(source="line_no", help_text="Line number in the uploaded file.")
    outcome = serializers.CharField()
    reason = serializers.CharField()
    fields = serializers.DictField(help_text="The row's fields as read, without patient identifiers.")


class UploadInputSerializer(serializers.Serializer):
    dataset = serializers.ChoiceField(choices=DatasetChoice.choices)
    year = serializers.RegexField(r"^\d{4}/\d{2}$", help_text="Financial year, e.g. 2007/08.")
    file = serializers.FileField()
    confirm_restate = serializers.BooleanField(
        default=False,
        help_text="Send true to replace provider-months the file would shrink to under the PCT's share or empty "
        "(answered 409 with the slices otherwise).",
    )


class ActivityOutputSerializer(serializers.Serializer):
    practice = serializers.CharField(source="practice_code")
    month = serializers.DateField(allow_null=True)
    pod = serializers.CharField()
    provider = serializers.CharField()
    treatment_function = serializers.CharField(source="tretspef")
    hrg = serializers.CharField()
    outcome = serializers.CharField()
    reason = serializers.CharField()
    activity = serializers.IntegerField()
    cost = MoneyField(source="cost_pence")
