"""Codes shown with their names: treatment functions ("300 General Internal Medicine") and providers
("RD1 Royal Devon and Exeter NHS Foundation Trust"). Pages (through the ``treatment_function`` and
``provider_label`` template filters), tables and exports all label codes here, so a code reads the same
everywhere; an unknown code is shown alone.

Treatment functions are the NHS Data Dictionary's Treatment Function Code list, shipped as
``pbc/data/treatment_functions.csv`` (code,name) and read once per process. Provider names are
organisation data (imported with ``import_organisations providers``); :func:`pbc.selectors.provider_names`
reads the names a table needs in one query.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from functools import cache
from pathlib import Path

__all__ = ["provider_label", "treatment_function_label", "treatment_function_name", "treatment_functions"]

TREATMENT_FUNCTIONS_FILE = Path(__file__).parent / "data" / "treatment_functions.csv"


@cache
def treatment_functions() -> Mapping[str, str]:
    """Every treatment function code with its name, read from the shipped list once."""
    with TREATMENT_FUNCTIONS_FILE.open(encoding="utf-8", newline="") as fh:
        return {row["code"].strip(): row["name"].strip() for row in csv.DictReader(fh)}


def _label(code, name: str | None) -> str:
    code = "" if code is None else str(code).strip()
    return f"{code} {name}" if code and name else code


def treatment_function_name(code) -> str:
    """The treatment function's name, or "" when the code is not on the list."""
    return treatment_functions().get("" if code is None else str(code).strip(), "")


def treatment_function_label(code) -> str:
    """``"300 General Internal Medicine"``; the code alone when it is not on the list."""
    return _label(code, treatment_function_name(code))


def provider_label(code, names: Mapping[str, str] | None = None) -> str:
    """``"RD1 Royal Devon ..."`` from a code and the names :func:`pbc.selectors.provider_names` read; the
    code alone when the provider has no name."""
    return _label(code, (names or {}).get("" if code is None else str(code).strip().upper()))
