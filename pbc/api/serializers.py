from rest_framework import serializers

from pbc import ods
from pbc.choices import ImportKind
from pbc.models import ApiToken, ImportRun, ListSize, Locality, Pct, Practice, Provider


class ErrorSerializer(serializers.Serializer):
    message = serializers.CharField()
    errors = serializers.DictField(help_text="Field messages: a list of strings per field (nested for rows).")
    extra = serializers.DictField()


class PctOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Pct
        fields = ["code", "name", "open_date", "close_date"]


class LocalityOutputSerializer(serializers.ModelSerializer):
    pct = serializers.CharField(source="pct.code")

    class Meta:
        model = Locality
        fields = ["code", "name", "kind", "pct", "open_date", "close_date"]


class PracticeOutputSerializer(serializers.ModelSerializer):
    pct = serializers.CharField(source="pct.code")
    locality = serializers.CharField(source="locality.code", allow_null=True, default=None)
    current_list_size = serializers.IntegerField(allow_null=True, read_only=True)

    class Meta:
        model = Practice
        fields = [
            "code",
            "name",
            "pct",
            "locality",
            "postcode",
            "open_date",
            "close_date",
            "current_list_size",
        ]


class PracticeInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=6)
    name = serializers.CharField(max_length=200)
    locality = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    postcode = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    open_date = serializers.DateField(required=False, allow_null=True, default=None)
    close_date = serializers.DateField(required=False, allow_null=True, default=None)

    def validate_code(self, value):
        value = ods.normalise(value)
        ods.validate_practice_code(value)
        return value


class PracticeUpdateSerializer(PracticeInputSerializer):
    code = None
    name = serializers.CharField(max_length=200, required=False)
    postcode = serializers.CharField(max_length=10, required=False, allow_blank=True)
    open_date = serializers.DateField(required=False, allow_null=True)
    close_date = serializers.DateField(required=False, allow_null=True)


class ListSizeOutputSerializer(serializers.ModelSerializer):
    practice = serializers.CharField(source="practice.code")

    class Meta:
        model = ListSize
        fields = ["practice", "extract_date", "patients"]


class ListSizeInputSerializer(serializers.Serializer):
    practice = serializers.CharField(max_length=6)
    extract_date = serializers.DateField()
    patients = serializers.IntegerField(min_value=0, max_value=1_000_000)


class ProviderOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Provider
        fields = ["code", "name", "open_date", "close_date"]


class ProviderInputSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=3)
    name = serializers.CharField(max_length=200)

    def validate_code(self, value):
        value = ods.normalise(value)
        ods.validate_org3_code(value)
        return value


class ImportRunOutputSerializer(serializers.ModelSerializer):
    pct = serializers.CharField(source="pct.code")
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)

    class Meta:
        model = ImportRun
        fields = [
            "id",
            "kind",
            "pct",
            "filename",
            "checksum",
            "actor",
            "status",
            "dry_run",
            "created",
            "started",
            "finished",
            "rows_read",
            "rows_imported",
            "rows_skipped",
            "errors",
            "summary",
        ]


class ImportRunInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ImportKind.choices)
    file = serializers.FileField(help_text="List sizes or practices CSV, as on the import page.")
    dry_run = serializers.BooleanField(default=False, help_text="Check only: report errors, change nothing.")


class ApiTokenOutputSerializer(serializers.ModelSerializer):
    """A token as its owner sees it: never the key (only its first eight characters)."""

    is_active = serializers.BooleanField(read_only=True)
    replaced_by = serializers.IntegerField(source="replaced_by_id", allow_null=True, read_only=True)

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "scope",
            "created",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "replaced_by",
            "is_active",
        ]


class ApiTokenRotatedOutputSerializer(serializers.Serializer):
    token = ApiTokenOutputSerializer(help_text="The new token.")
    key = serializers.CharField(help_text="The new key, shown once: only its hash is kept.")
    previous = ApiTokenOutputSerializer(help_text="The rotated token, valid until its grace period ends.")


class EventQuerySerializer(serializers.Serializer):
    since = serializers.DateTimeField(required=False, help_text="Only events after this time (ISO 8601).")
    kind = serializers.MultipleChoiceField(
        choices=[], required=False, help_text="One or more kinds (repeat the parameter); all when absent."
    )

    def __init__(self, *args, **kwargs):
        from pbc.events import kinds

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds()

    def to_internal_value(self, data):
        if hasattr(data, "getlist") and "kind" in data:
            data = {**data.dict(), "kind": data.getlist("kind")}
        return super().to_internal_value(data)


class EventOutputSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="kind:record id, stable.")
    kind = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    pct = serializers.CharField(help_text="ODS code of the PCT.")
    practice = serializers.CharField(allow_blank=True)
    summary = serializers.CharField()
