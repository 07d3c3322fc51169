"""Search parameters of the FHIR facade, parsed to plain values (no ORM): paging, identifiers, references
and dates. Anything the facade does not understand is a :class:`SearchError` (HTTP 400)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from fhir_api.builders import ODS_SYSTEM

DEFAULT_COUNT = 20
MAX_COUNT = 100
COMMON = {"_count", "_page", "_format"}
JSON_FORMATS = {"json", "application/json", "application/fhir+json"}


class SearchError(ValueError):
    """A search parameter the facade cannot answer."""


@dataclass(frozen=True)
class Paging:
    count: int = DEFAULT_COUNT
    page: int = 1

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.count


@dataclass(frozen=True)
class Search:
    """The parsed query: single values by name, repeated ``period`` values, and the paging."""

    values: dict[str, str] = field(default_factory=dict)
    periods: tuple[str, ...] = ()
    paging: Paging = Paging()

    def as_query(self) -> list[tuple[str, str]]:
        """The parameters to repeat in the Bundle's links (paging added by the caller)."""
        return [*sorted(self.values.items()), *(("period", p) for p in self.periods)]


def _int(name: str, text: str, low: int) -> int:
    if not re.fullmatch(r"\d{1,9}", text or "") or int(text) < low:
        raise SearchError(f"{name} must be a whole number of at least {low}.")
    return int(text)


def check_format(query) -> None:
    fmt = query.get("_format")
    if fmt is not None and fmt not in JSON_FORMATS:
        raise SearchError("Only JSON is served (_format=json).")


def parse(query, allowed: set[str], *, repeatable: frozenset[str] = frozenset()) -> Search:
    """``query`` is a Django QueryDict; ``allowed`` the resource's own parameters."""
    check_format(query)
    unknown = sorted(set(query) - allowed - COMMON)
    if unknown:
        supported = ", ".join(sorted(allowed | {"_count", "_page"}))
        raise SearchError(f"Unsupported search parameter(s): {', '.join(unknown)}. Supported: {supported}.")
    values, periods = {}, []
    for name in query:
        items = query.getlist(name)
        if name in repeatable:
            periods.extend(items)
            continue
        if len(items) > 1:
            raise SearchError(f"{name} may be given once.")
        if name not in COMMON:
            values[name] = items[0]
    count = _int("_count", query["_count"], 0) if "_count" in query else DEFAULT_COUNT
    page = _int("_page", query["_page"], 1) if "_page" in query else 1
    return Search(values=values, periods=tuple(periods), paging=Paging(min(count, MAX_COUNT), page))


def ods_code(token: str) -> str | None:
    """``system|value`` or ``value`` of an ODS identifier → the code; ``None`` when it names another
    system (no organisation can match). ``system|`` (any value) gives ``""``."""
    if "|" in token:
        system, value = token.split("|", 1)
        if system != ODS_SYSTEM:
            return None
        return value.strip().upper()
    if not token.strip():
        raise SearchError("identifier needs a value (system|value or value).")
    return token.strip().upper()


_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")


def organization_id(reference: str, name: str) -> str:
    """``Organization/<id>`` or ``<id>`` → the id."""
    text = reference.strip()
    if text.startswith("Organization/"):
        text = text.removeprefix("Organization/")
    elif "/" in text:
        raise SearchError(f"{name} must reference an Organization (Organization/<id>).")
    if not _ID.fullmatch(text):
        raise SearchError(f"{name} is not a valid Organization reference.")
    return text


_DATE = re.compile(r"(?P<prefix>eq|ge|gt|le|lt)?(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2}))?)?")


def _first_of_month(day: date) -> date:
    return day.replace(day=1)


def _range(y: int, m: int | None, d: int | None) -> tuple[date, date]:
    if m is None:
        return date(y, 1, 1), date(y, 12, 31)
    if d is None:
        start = date(y, m, 1)
        following = date(y + (m == 12), m % 12 + 1, 1)
        return start, following - timedelta(days=1)
    day = date(y, m, d)
    return day, day


def month_bounds(period: str) -> dict[str, date]:
    """A ``period`` search value (``ge2007-04-01``, ``le2007-06``, ``2007-05``…) as lookups on the first
    day of a month-long report period (``month_start__gte`` etc.): ge/le/gt/lt/eq with FHIR's range
    semantics (eq: the report's month lies within the value's range)."""
    match = _DATE.fullmatch(period.strip())
    if not match:
        raise SearchError("period is [ge|gt|le|lt|eq]YYYY[-MM[-DD]], e.g. period=ge2007-04-01.")
    try:
        start, end = _range(
            int(match["y"]), int(match["m"]) if match["m"] else None, int(match["d"]) if match["d"] else None
        )
    except ValueError as exc:
        raise SearchError(f"period {period!r} is not a date.") from exc
    after_end = _first_of_month(end + timedelta(days=1))
    prefix = match["prefix"] or "eq"
    if prefix == "ge":  # the month ends on or after the start of the value
        return {"month_start__gte": _first_of_month(start)}
    if prefix == "gt":  # the month ends after the end of the value
        return {"month_start__gte": after_end}
    if prefix == "le":  # the month starts on or before the end of the value
        return {"month_start__lte": end}
    if prefix == "lt":  # the month starts before the start of the value
        return {"month_start__lt": start}
    return {"month_start__gte": start, "month_start__lt": after_end}
