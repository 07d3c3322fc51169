"""Money in the API: JSON strings of pounds with exactly two decimals, stored as whole pence."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from pbc.fiscal import FinancialYear
from pbc.money import MoneyError, parse_pounds, pence_to_str


@extend_schema_field({"type": "string", "pattern": r"^-?\d+\.\d{2}$", "example": "196000.00"})
class MoneyField(serializers.Field):
    """Reads and writes pence as a pounds string ("196000.00"); sub-penny input is refused."""

    default_error_messages = {
        "invalid": 'Give an amount in pounds with at most two decimals, e.g. "1234.50".'
    }

    def __init__(self, *, allow_negative: bool = False, **kwargs):
        self.allow_negative = allow_negative
        super().__init__(**kwargs)

    def to_representation(self, value):
        return pence_to_str(value)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int):
            self.fail("invalid")
        try:
            pence = parse_pounds(str(data))
        except MoneyError:
            self.fail("invalid")
        if pence < 0 and not self.allow_negative:
            raise serializers.ValidationError("The amount cannot be negative.")
        return pence


class FinancialYearInputField(serializers.RegexField):
    """A financial year written like 2007/08, given to services as a ``FinancialYear``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "Financial year, e.g. 2007/08.")
        super().__init__(r"^\d{4}/\d{2}$", max_length=7, **kwargs)

    def run_validation(self, data=serializers.empty):
        text = super().run_validation(data)  # the string, checked against the pattern
        if text is None:  # left out of an optional field, or null where allowed
            return None
        try:
            return FinancialYear.parse(text)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from exc


__all__ = ["FinancialYearInputField", "MoneyField", "OpenApiTypes"]
