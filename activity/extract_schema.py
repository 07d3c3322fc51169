"""The shape of activity extracts after reading: canonical columns, aliases, outcomes.

This is the contract between the extract reader (files → normalised frames) and the costing engine
(normalised frames → priced rows with one outcome each). Pure constants: no Django, no I/O.
"""

from __future__ import annotations

from enum import StrEnum


class Dataset(StrEnum):
    APC = "APC"  # admitted patient care (spells or HES episodes)
    OP = "OP"  # outpatient attendances
    AE = "AE"  # accident and emergency attendances
    # A referral extract (Choose and Book / referral management: one row per referral). Read by the same
    # reader with the same rules, never costed (activity.referrals).
    REF = "REF"


# The datasets of costed activity (uploads, costing, dataset detection); REF is read, never costed.
ACTIVITY_DATASETS = (Dataset.APC, Dataset.OP, Dataset.AE)


class Outcome(StrEnum):
    """Exactly one per input row."""

    COSTED = "costed"
    UNCOSTED = "uncosted"
    UNATTRIBUTED = "unattributed"
    NON_PCT = "non_pct"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"


# Reasons, stored with the outcome so the data-quality report can explain every row.
class Reason(StrEnum):
    NONE = ""
    # uncosted
    NO_HRG = "no_hrg"
    HRG_NOT_IN_TARIFF = "hrg_not_in_tariff"
    NO_PRICE_FOR_POD = "no_price_for_pod"
    NO_OP_PRICE = "no_op_price_for_treatment_function"
    UNKNOWN_FIRST_FOLLOW_UP = "unknown_first_or_follow_up"
    NOT_ATTENDED = "did_not_attend_not_charged"
    UNKNOWN_ATTENDANCE = "unknown_attendance_status"
    UNKNOWN_DEPARTMENT_TYPE = "unknown_ae_department_type"
    NO_TARIFF_FOR_YEAR = "no_tariff_for_year"
    # unattributed
    PRACTICE_MISSING = "practice_code_missing"
    PRACTICE_INVALID = "practice_code_invalid"
    PRACTICE_DEFAULT = "practice_code_default"
    # non-PCT
    PRACTICE_OUTSIDE_PCT = "practice_outside_pct"
    # rejected
    DATE_MISSING = "date_missing"
    DATE_UNPARSEABLE = "date_unparseable"
    DATE_OUTSIDE_YEAR = "date_outside_financial_year"
    DATE_IN_FUTURE = "date_in_future"
    IMPOSSIBLE_STAY = "impossible_stay"
    VALUE_UNPARSEABLE = "value_unparseable"
    RECORD_KEY_MISSING = "record_key_missing"
    MALFORMED_ROW = "malformed_row_wrong_number_of_fields"
    PROVIDER_INVALID = "provider_code_invalid"
    TRETSPEF_INVALID = "treatment_function_invalid"
    HRG_INVALID = "hrg_code_invalid"
    VALUE_TOO_LONG = "value_too_long"
    # duplicate
    DUPLICATE_IN_FILE = "duplicate_key_in_file"
    DUPLICATE_LOADED = "duplicate_key_already_loaded"


# How outcomes and reasons read on pages and in the data-quality report.
OUTCOME_LABELS = {
    Outcome.COSTED: "Costed",
    Outcome.UNCOSTED: "Uncosted",
    Outcome.UNATTRIBUTED: "Unattributed",
    Outcome.NON_PCT: "Non-PCT",
    Outcome.REJECTED: "Rejected",
    Outcome.DUPLICATE: "Duplicate",
}
_REASON_WORDS = {"hrg": "HRG", "pod": "POD", "op": "outpatient", "ae": "A&E", "pct": "PCT"}


def outcome_label(code: str) -> str:
    return OUTCOME_LABELS.get(code, code.replace("_", " ").capitalize())


def reason_label(code: str) -> str:
    """``no_op_price_for_treatment_function`` → "No outpatient price for treatment function"."""
    words = [_REASON_WORDS.get(w, w) for w in (code or "").split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


# Canonical column → accepted header names (matched case-insensitively, surrounding spaces ignored).
# The first alias that is present wins.
ALIASES: dict[str, tuple[str, ...]] = {
    "gpprac": ("GPPRAC", "GP_PRACTICE_CODE", "GP_PRACTICE", "PRACTICE_CODE"),
    "procode3": ("PROCODE3", "PROCODE", "PROVIDER_CODE"),
    "procode5": ("PROCODE5",),  # only used to derive procode3 when it is absent
    "tretspef": ("TRETSPEF",),
    "mainspef": ("MAINSPEF",),  # fallback for tretspef
    "hrg": ("SUSHRG", "HRG", "SUSCOREHRG", "SPELL_CORE_HRG"),
    "record_key": ("SUSSPELLID", "EPIKEY", "ATTENDKEY", "AEKEY"),
    "spell_id": ("SUSSPELLID",),
    "patient": ("PSEUDO_HESID", "HESID", "TOKEN_PERSON_ID"),
    # APC
    "admidate": ("ADMIDATE",),
    "disdate": ("DISDATE",),
    "epiend": ("EPIEND",),  # fallback for disdate
    "admimeth": ("ADMIMETH",),
    "classpat": ("CLASSPAT",),
    "speldur": ("SPELDUR",),
    "startage": ("STARTAGE",),
    "epiorder": ("EPIORDER",),
    # OP
    "apptdate": ("APPTDATE",),
    "firstatt": ("FIRSTATT",),
    "attended": ("ATTENDED",),
    # OP, kept for referrals (DOMAIN 10); REF shares them
    "refsourc": ("REFSOURC", "REFERRAL_SOURCE", "SOURCE_OF_REFERRAL"),
    "reqdate": ("REQDATE", "REFERRAL_DATE", "REFERRAL_REQUEST_RECEIVED_DATE"),
    "priority": ("PRIORITY", "PRIORITY_TYPE", "REFERRAL_PRIORITY"),
    # REF
    "referral_id": ("REFERRAL_ID", "UBRN", "REFERRAL_KEY"),
    "referrer": ("REFERRER", "REFERRER_CODE", "REFERRING_GP", "GP_CODE"),
    "first_attendance": ("FIRST_ATTENDANCE", "LED_TO_FIRST_ATTENDANCE", "ATTENDED_FIRST"),
    # AE
    "arrivaldate": ("ARRIVALDATE",),
    "aeattendcat": ("AEATTENDCAT",),
    "aedepttype": ("AEDEPTTYPE",),
}

# Columns a file must carry (after aliasing and fallbacks) to be read as each dataset at all.
REQUIRED: dict[Dataset, tuple[str, ...]] = {
    Dataset.APC: ("gpprac", "procode3", "admidate", "disdate", "admimeth"),
    Dataset.OP: ("gpprac", "procode3", "apptdate", "tretspef", "firstatt", "attended"),
    Dataset.AE: ("gpprac", "procode3", "arrivaldate", "aedepttype"),
    Dataset.REF: ("referral_id", "reqdate", "gpprac", "procode3", "tretspef", "refsourc"),
}

# Columns each dataset's normalised frame has (all pandas string dtype, <NA> for HES nulls), plus:
#   line_no        int64   the row's line number in the file (header is line 1; first data row is 2)
#   record_key     string  the record key, or <NA>
#   patient_key    string  keyed hash of the patient pseudonym (never the pseudonym itself), or <NA>
#   referral_key   string  keyed hash of the referral identifier (REF), or <NA>
#   invalid        string  a rejected-row ``Reason`` when a code breaks its pattern (CODE_PATTERNS) or a value
#                          is longer than where it is stored; that value is then <NA> in its own column
#   invalid_value  string  which value, for the person fixing the file: ``PROCODE3: =HYPERLINK("X")``
#                          (shortened to INVALID_VALUE_CHARS), or <NA>
_COMMON = ("line_no", "record_key", "patient_key", "gpprac", "procode3", "tretspef", "hrg")
_CHECKS = ("invalid", "invalid_value")
NORMALISED: dict[Dataset, tuple[str, ...]] = {
    Dataset.APC: (
        *_COMMON, "admidate", "disdate", "admimeth", "classpat", "speldur", "startage", *_CHECKS,
    ),
    Dataset.OP: (*_COMMON, "apptdate", "firstatt", "attended", "refsourc", "reqdate", "priority", *_CHECKS),
    Dataset.AE: (*_COMMON, "arrivaldate", "aeattendcat", "aedepttype", *_CHECKS),
    Dataset.REF: (
        "line_no", "referral_key", "gpprac", "referrer", "procode3", "tretspef", "reqdate", "priority",
        "refsourc", "first_attendance", *_CHECKS,
    ),
}  # fmt: skip

# Code patterns (whole value, after stripping and upper-casing; HES nulls are not checked). A value that
# breaks its pattern rejects the row with the reason (DOMAIN 4: row-level problems reject the row).
PRACTICE_CODE = r"[A-Z]\d{5}"  # GP practice ODS code: a letter and five digits (not rejected: unattributed)
PROVIDER_CODE = r"[A-Z0-9]{3}"  # ODS provider (trust) code, PROCODE3
PROVIDER_SITE_CODE = r"[A-Z0-9]{5}"  # PROCODE5: provider + site; its first 3 characters are the provider
TREATMENT_FUNCTION = r"\d{3}"  # TRETSPEF / MAINSPEF, e.g. 300; "&" (not known) is a null
HRG_CODE = r"[A-Z]{2}\d{2}[A-Z]|[A-Z]\d{2}"  # HRG4 (HA11A) or HRG v3.5 (F06)
CODE_PATTERNS: dict[str, tuple[str, Reason]] = {
    "procode3": (PROVIDER_CODE, Reason.PROVIDER_INVALID),
    "procode5": (PROVIDER_SITE_CODE, Reason.PROVIDER_INVALID),
    "tretspef": (TREATMENT_FUNCTION, Reason.TRETSPEF_INVALID),
    "hrg": (HRG_CODE, Reason.HRG_INVALID),
}
INVALID_VALUE_CHARS = 40  # how much of an invalid value is kept to show (it may be megabytes of junk)

# HES conventions for "no value".
NULL_TOKENS = frozenset({"", "&", "null", "NULL"})
NULL_DATES = frozenset({"1800-01-01", "01/01/1800"})
INVALID_DATES = frozenset({"1801-01-01", "01/01/1801"})  # as the reader leaves them: ISO
DEFAULT_PRACTICE_CODES = frozenset({"V81997", "V81998", "V81999"})

# Points of delivery = budget categories of activity.
POD_EL, POD_DC, POD_NEL = "EL", "DC", "NEL"
POD_OPFA, POD_OPFUP, POD_OPPROC, POD_AE = "OPFA", "OPFUP", "OPPROC", "AE"
PODS = (POD_EL, POD_DC, POD_NEL, POD_OPFA, POD_OPFUP, POD_OPPROC, POD_AE)

ELECTIVE_ADMIMETH = frozenset({"11", "12", "13"})
EMERGENCY_ADMIMETH = frozenset({"21", "22", "23", "24", "25", "28", "2A", "2B", "2C", "2D"})
OP_FIRST = frozenset({"1", "3"})
OP_FOLLOW_UP = frozenset({"2", "4"})
OP_ATTENDED = frozenset({"5", "6"})
OP_NOT_ATTENDED = frozenset({"2", "3", "4", "7"})
AE_TYPE_1_2 = frozenset({"01", "02", "1", "2"})
AE_TYPE_3 = frozenset({"03", "04", "3", "4"})
