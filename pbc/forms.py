from django import forms
from django.conf import settings

from pbc.choices import ImportKind
from pbc.money import MoneyError, parse_pounds, pence_to_str

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


# The largest id a database key can hold; SQLite raises OverflowError on an ``IN`` list holding a bigger one.
_MAX_ID = 2**63 - 1


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's field, refusing ids outside the key range as invalid choices before it queries."""

    def _check_values(self, value):
        if (self.to_field_name or "pk") == "pk":
            for pk in value:
                try:
                    out_of_range = abs(int(str(pk))) > _MAX_ID
                except ValueError:
                    continue  # Django's own check reports it
                if out_of_range:
                    raise forms.ValidationError(
                        self.error_messages["invalid_choice"], code="invalid_choice", params={"value": pk}
                    )
        return super()._check_values(value)


class PoundsField(forms.CharField):
    """Pounds typed by a person ("1,234.50", "£12,500"), cleaned to whole pence; shows pence as pounds.

    A blank optional field cleans to ``blank_pence`` (``None`` unless the form wants 0)."""

    def __init__(self, *, allow_negative: bool = False, blank_pence: int | None = None, **kwargs):
        self.allow_negative = allow_negative
        self.blank_pence = blank_pence
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return pence_to_str(value)
        return value

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return self.blank_pence
        try:
            pence = parse_pounds(value)
        except MoneyError as exc:
            raise forms.ValidationError(
                f"“{value}” is not an amount in pounds: write it like 250000 or 1,234.50.", code="invalid"
            ) from exc
        if pence < 0 and not self.allow_negative:
            raise forms.ValidationError("The amount cannot be negative.", code="negative")
        return pence


class YearChoiceField(forms.ModelChoiceField):
    """A financial year, shown by its label (2007/08)."""

    def label_from_instance(self, obj):
        return obj.label


class FinancialYearFilter(forms.Form):
    """A filter form's ``financial_year`` written like 2007/08; this year when left blank."""

    financial_year = forms.RegexField(
        regex=r"^\d{4}/\d{2}$", required=False, label="Financial year", help_text="e.g. 2007/08"
    )

    def clean_financial_year(self):
        from django.utils import timezone

        from pbc.fiscal import FinancialYear, fy_of

        value = self.cleaned_data.get("financial_year")
        if not value:
            return fy_of(timezone.localdate())
        try:
            return FinancialYear.parse(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
