"""Budget categories: which activity each category holds. Pure, no ORM.

A PCT budgets by point of delivery (EL, DC, NEL, OPFA, OPFUP, OPPROC, AE) and may carve out specialty-defined
areas (BANES 2007/08: dermatology = treatment function 330). A category is either

- a **POD category**: the activity of some PODs (``pods``), with no treatment functions; or
- a **specialty category**: the activity of some treatment functions (``tretspefs``), optionally only within
  some PODs (``pods``; empty = any POD).

Every activity row goes to exactly one category: the first specialty category that matches its treatment
function and POD, else the POD category that holds its POD, else none (the PCT does not budget it; it is
counted and shown as "not in a budget category", never dropped silently). Categories are devolved to
practices or held at locality/consortium level (``devolved``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from activity.extract_schema import PODS
from budgets.constants import TOTAL

__all__ = [
    "DEFAULT_CATEGORY_SPECS",
    "CategoryError",
    "CategorySpec",
    "assign_categories",
    "category_of",
    "check_categories",
]

_CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]{0,9}$")
_TF_RE = re.compile(r"^\d{3}$")


class CategoryError(ValueError):
    """A set of categories that would not give every activity row exactly one category."""


@dataclass(frozen=True, kw_only=True)
class CategorySpec:
    code: str
    name: str
    pods: tuple[str, ...] = ()
    tretspefs: tuple[str, ...] = ()
    devolved: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "pods", tuple(self.pods))
        object.__setattr__(self, "tretspefs", tuple(self.tretspefs))

    @property
    def is_specialty(self) -> bool:
        return bool(self.tretspefs)

    def describe(self) -> str:
        """What the category holds, in words."""
        pods = ", ".join(self.pods) if self.pods else "any point of delivery"
        if self.is_specialty:
            return f"treatment function {', '.join(self.tretspefs)} ({pods})"
        return pods

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "pods": list(self.pods),
            "tretspefs": list(self.tretspefs),
            "devolved": self.devolved,
        }

    @classmethod
    def from_dict(cls, data: dict) -> CategorySpec:
        return cls(
            code=data["code"],
            name=data.get("name", data["code"]),
            pods=tuple(data.get("pods") or ()),
            tretspefs=tuple(data.get("tretspefs") or ()),
            devolved=bool(data.get("devolved", True)),
        )


DEFAULT_CATEGORY_SPECS: tuple[CategorySpec, ...] = (
    CategorySpec(code="EL", name="Elective inpatients", pods=("EL",)),
    CategorySpec(code="DC", name="Day cases", pods=("DC",)),
    CategorySpec(code="NEL", name="Non-elective admissions", pods=("NEL",)),
    CategorySpec(code="OPFA", name="Outpatient first attendances", pods=("OPFA",)),
    CategorySpec(code="OPFUP", name="Outpatient follow-ups", pods=("OPFUP",)),
    CategorySpec(code="OPPROC", name="Outpatient procedures", pods=("OPPROC",)),
    CategorySpec(code="AE", name="A&E attendances", pods=("AE",)),
)


def check_categories(specs: Sequence[CategorySpec]) -> None:
    """Raise :class:`CategoryError` unless every (POD, treatment function) maps to at most one category."""
    codes = [s.code for s in specs]
    if not specs:
        raise CategoryError("Give at least one budget category.")
    if len(set(codes)) != len(codes):
        raise CategoryError("Each category code may be used once.")
    pod_owner: dict[str, str] = {}
    specialty_cells: dict[tuple[str, str], str] = {}
    for spec in specs:
        if spec.code == TOTAL or not _CODE_RE.match(spec.code):
            raise CategoryError(
                f"'{spec.code}' is not a category code: up to 10 capital letters, digits or _, "
                f"starting with a letter, and not {TOTAL}."
            )
        unknown = sorted(set(spec.pods) - set(PODS))
        if unknown:
            raise CategoryError(f"{spec.code}: unknown point of delivery {', '.join(unknown)}.")
        bad_tf = [t for t in spec.tretspefs if not _TF_RE.match(t)]
        if bad_tf:
            raise CategoryError(
                f"{spec.code}: a treatment function is three digits, not {', '.join(bad_tf)}."
            )
        if spec.is_specialty:
            for pod in spec.pods or PODS:
                for tf in spec.tretspefs:
                    other = specialty_cells.setdefault((pod, tf), spec.code)
                    if other != spec.code:
                        raise CategoryError(
                            f"{spec.code} and {other} both claim treatment function {tf} in {pod}."
                        )
        else:
            if not spec.pods:
                raise CategoryError(f"{spec.code}: a category holds some PODs or some treatment functions.")
            for pod in spec.pods:
                other = pod_owner.setdefault(pod, spec.code)
                if other != spec.code:
                    raise CategoryError(f"{spec.code} and {other} both hold {pod}.")


def category_of(pod: str | None, tretspef: str | None, specs: Sequence[CategorySpec]) -> str | None:
    """The category of one activity row (scalar form of :func:`assign_categories`)."""
    for spec in specs:
        if spec.is_specialty and tretspef in spec.tretspefs and (not spec.pods or pod in spec.pods):
            return spec.code
    for spec in specs:
        if not spec.is_specialty and pod in spec.pods:
            return spec.code
    return None


def assign_categories(pod: Iterable, tretspef: Iterable, specs: Sequence[CategorySpec]) -> np.ndarray:
    """Vectorised :func:`category_of`: an object array of category codes (None = not budgeted).

    Works on the distinct (POD, treatment function) pairs only, so it costs little on a million rows.
    """
    pod_codes, pod_values = pd.factorize(pd.Series(pod, dtype="string"))
    tf_codes, tf_values = pd.factorize(pd.Series(tretspef, dtype="string"))
    if not len(pod_codes):
        return np.empty(0, dtype=object)
    width = len(tf_values) + 1
    pairs, inverse = np.unique((pod_codes.astype(np.int64) + 1) * width + tf_codes + 1, return_inverse=True)
    mapped = np.array(
        [
            category_of(
                None if pair // width == 0 else pod_values[pair // width - 1],
                None if pair % width == 0 else tf_values[pair % width - 1],
                specs,
            )
            for pair in pairs.tolist()
        ],
        dtype=object,
    )
    return mapped[inverse.reshape(-1)]
