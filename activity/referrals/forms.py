from django import forms


class ReferralUploadForm(forms.Form):
    """The size limit and every refusal are the service's (shown as this form's errors)."""

    file = forms.FileField(
        label="Referral extract",
        help_text="One row per referral, as CSV (comma, pipe or tab delimited) or XLSX, with one header row.",
    )
