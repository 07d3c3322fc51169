"""NHS organisation (ODS) codes: the keys by which the PCT, its practices and providers are known."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

PRACTICE_CODE_RE = re.compile(r"^[A-Z]\d{5}$")
ORG3_CODE_RE = re.compile(r"^[A-Z0-9]{3}$")
LOCALITY_SUFFIX_RE = re.compile(r"^[A-Z0-9]{1,8}$")
# Codes that look like practices but mean "not known", "not applicable", "not registered".
DEFAULT_PRACTICE_CODES = frozenset({"V81997", "V81998", "V81999"})


def normalise(code: str | None) -> str:
    return (code or "").strip().upper()


def validate_practice_code(value: str) -> None:
    if not PRACTICE_CODE_RE.match(value or ""):
        raise ValidationError(
            "'%(value)s' is not a practice code: it must be one letter and five digits, e.g. M85001.",
            code="invalid_practice_code",
            params={"value": value},
        )
    if value in DEFAULT_PRACTICE_CODES:
        raise ValidationError(
            "'%(value)s' is a default code (not known / not applicable / not registered), not a practice.",
            code="default_practice_code",
            params={"value": value},
        )


def validate_org3_code(value: str) -> None:
    """PCT and provider codes: three letters or digits, e.g. 5FL or RTH."""
    if not ORG3_CODE_RE.match(value or ""):
        raise ValidationError(
            "'%(value)s' is not a PCT or provider code: it must be three letters or digits, e.g. RTH.",
            code="invalid_org_code",
            params={"value": value},
        )


def validate_locality_code(value: str, pct_code: str) -> None:
    """A locality's code is the PCT's own: its PCT code, a hyphen and up to eight letters or digits."""
    prefix = f"{pct_code}-"
    if not (value or "").startswith(prefix) or not LOCALITY_SUFFIX_RE.match(value[len(prefix) :]):
        raise ValidationError(
            "'%(value)s' is not a locality code of PCT %(pct)s: write it as %(pct)s-NAME, "
            "with up to eight letters or digits after the hyphen (e.g. %(pct)s-NORTH).",
            code="invalid_locality_code",
            params={"value": value, "pct": pct_code},
        )


def is_valid_practice_code(value: str | None) -> bool:
    return bool(value) and bool(PRACTICE_CODE_RE.match(value)) and value not in DEFAULT_PRACTICE_CODES
