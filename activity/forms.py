from django import forms
from django.conf import settings

from activity.choices import DatasetChoice, TariffKind
from pbc.forms import YearChoiceField
from pbc.models import FinancialYear


class TariffImportForm(forms.Form):
    year = YearChoiceField(queryset=FinancialYear.objects.all(), label="Financial year", empty_label=None)
    admitted = forms.FileField(label="Admitted tariff (CSV or XLSX)", required=False)
    outpatient = forms.FileField(label="Outpatient tariff (CSV or XLSX)", required=False)
    ae = forms.FileField(label="A&E tariff (CSV or XLSX)", required=False)
    mff = forms.FileField(label="Market forces factors (CSV or XLSX)", required=False)
    reason = forms.CharField(
        label="Reason for a new version",
        required=False,
        max_length=500,
        help_text="Required when the year already has a tariff: the new version replaces it, with history kept.",
    )

    def clean(self):
        cleaned = super().clean()
        if not any(cleaned.get(kind) for kind in TariffKind.values):
            raise forms.ValidationError("Choose at least one tariff file.")
        for kind in TariffKind.values:
            upload = cleaned.get(kind)
            if upload and upload.size > 50 * 1024 * 1024:
                self.add_error(kind, "A tariff file is at most 50 MB.")
        return cleaned


class ExtractUploadForm(forms.Form):
    dataset = forms.ChoiceField(label="Dataset", choices=DatasetChoice.choices)
    year = YearChoiceField(queryset=FinancialYear.objects.all(), label="Financial year", empty_label=None)
    file = forms.FileField(
        label="Extract file",
        help_text="HES or SUS extract as CSV, pipe- or tab-delimited text, or XLSX, with one header row.",
    )
    confirm_restate = forms.BooleanField(
        label="Replace the provider-months shown above with this file's figures",
        required=False,
        help_text="Only asked when the file would shrink or empty months already published.",
    )

    def __init__(self, *args, restatement: list | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if not restatement and not (self.data or {}).get("confirm_restate"):
            self.fields["confirm_restate"].widget = forms.HiddenInput()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.PBC_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {upload.size / 1_048_576:.1f} MB; the limit is {limit / 1_048_576:.0f} MB."
            )
        return upload
