from django import forms
from django.conf import settings

from pbc.choices import ImportKind

MAX_ORGANISATION_FILE_BYTES = 20 * 1024 * 1024


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label="What the file holds", choices=ImportKind.choices)
    file = forms.FileField(
        label="CSV file",
        help_text=(
            "List sizes: NHS Digital layout with CODE, NUMBER_OF_PATIENTS, EXTRACT_DATE. "
            "Practices: CODE, NAME and optionally LOCALITY, POSTCODE, OPEN_DATE, CLOSE_DATE."
        ),
    )
    dry_run = forms.BooleanField(
        label="Check only (do not import)",
        required=False,
        help_text="Report errors without changing anything.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = min(MAX_ORGANISATION_FILE_BYTES, settings.PBC_MAX_UPLOAD_BYTES)
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {upload.size / 1_048_576:.1f} MB; the limit is {limit / 1_048_576:.0f} MB."
            )
        if upload.size == 0:
            raise forms.ValidationError("The file is empty.")
        return upload
