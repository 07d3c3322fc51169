"""Costing activity at tariff (pure, vectorised): normalised extract rows in, priced rows out.

Every input row ends in exactly one :class:`Outcome`, decided in this order:

1. ``rejected`` — the row cannot be trusted: the reader found a code that breaks its pattern or a value longer
   than where it is stored (column ``invalid``, which takes precedence); activity date (APC discharge, OP appointment, A&E arrival) or
   APC admission date missing / unparseable / HES-invalid (1801-01-01); ``SPELDUR`` unparseable; an impossible
   stay (discharge before admission, negative ``SPELDUR``, a stay over 100 years); activity date outside the
   financial year or after ``today``; a missing record key only when ``require_record_key`` is set (by
   default a keyless row is kept and simply cannot be checked for duplicates, so that keyless extracts still
   load).
2. ``duplicate`` — its record key is in ``loaded_keys`` (already stored), or it repeats the key of an earlier
   row of the frame; rejected rows do not count as first occurrences, so a corrected re-send later in the same
   file is kept.
3. ``unattributed`` — practice code missing, not a letter and five digits, a default code (V81997/8/9), or
   (when ``all_known_practices`` is given) a well-formed code that is not a known practice.
4. ``non_pct`` — a real practice outside the PCT.
5. ``uncosted`` — no price: reasons that no tariff can cure (no HRG, did not attend, unknown attendance,
   unknown first/follow-up, unknown A&E department type) first, then ``no_tariff_for_year`` when the year has
   no tariff for the dataset, then HRG/treatment function not in the tariff, or no price for the POD.
6. ``costed``.

Unattributed and non-PCT rows are priced too when they can be (``price_pence`` set, outcome unchanged): the
PCT may share unattributed activity pro rata, so it needs its value. ``price_reason`` says why any row that
reached pricing has no price. Rejected and duplicate rows are never priced.

Price of a spell (DOMAIN 4): spell tariff for the POD + max(0, LOS − trim point) × excess bed day rate (none
for day cases or SSEM), × provider MFF, rounded half-up to the penny once, at the end, in exact int64
arithmetic: ``(pence × mff_scaled + 50_000) // 100_000``. Tariff bounds (tariff_files) and the 100-year stay
limit keep every product below 2**63.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from activity.extract_schema import (
    AE_TYPE_1_2,
    AE_TYPE_3,
    DEFAULT_PRACTICE_CODES,
    ELECTIVE_ADMIMETH,
    INVALID_DATES,
    NORMALISED,
    NULL_DATES,
    NULL_TOKENS,
    OP_ATTENDED,
    OP_FIRST,
    OP_FOLLOW_UP,
    OP_NOT_ATTENDED,
    POD_AE,
    POD_DC,
    POD_EL,
    POD_NEL,
    POD_OPFA,
    POD_OPFUP,
    PODS,
    PRACTICE_CODE,
    Dataset,
    Outcome,
    Reason,
)
from activity.tariff_files import MAX_TRIM_DAYS, MFF_SCALE, TariffTables
from pbc.fiscal import FinancialYear

__all__ = [
    "AE_TYPES",
    "GRAIN",
    "MEASURES",
    "REASON_UNKNOWN_ATTENDANCE",
    "TARIFF_INDEPENDENT_REASONS",
    "aggregate_costed",
    "cost_activity",
    "data_quality_summary",
    "problem_rows",
    "recost_aggregates",
]

OUTCOMES: tuple[Outcome, ...] = tuple(Outcome)
REASONS: tuple[Reason, ...] = tuple(Reason)
AE_TYPES = ("TYPE_1_2", "TYPE_3")
# extract_schema has no reason for an unknown ATTENDED code yet; use the dedicated one once it exists.
REASON_UNKNOWN_ATTENDANCE: Reason = getattr(Reason, "UNKNOWN_ATTENDANCE", Reason.VALUE_UNPARSEABLE)
# Reasons a different year's tariff cannot change: such rows stay unpriced when re-costed.
TARIFF_INDEPENDENT_REASONS = frozenset(
    {
        Reason.NO_HRG,
        Reason.NOT_ATTENDED,
        Reason.UNKNOWN_FIRST_FOLLOW_UP,
        Reason.UNKNOWN_DEPARTMENT_TYPE,
        REASON_UNKNOWN_ATTENDANCE,
    }
)

# Stored aggregate grain: enough to re-cost at another year's tariff exactly (see aggregate_costed).
GRAIN = (
    "practice", "month", "pod", "provider", "tretspef", "hrg", "ae_type", "los_days", "ssem_eligible",
    "outcome", "reason", "price_reason", "mff_defaulted",
)  # fmt: skip
MEASURES = ("activity", "price_pence", "excess_days")

_O = {o: i for i, o in enumerate(OUTCOMES)}
_R = {r: i for i, r in enumerate(REASONS)}
_P = {p: i for i, p in enumerate(PODS)}
_NONE = _R[Reason.NONE]
_APC_PODS = (_P[POD_EL], _P[POD_DC], _P[POD_NEL])
_OP_PODS = (_P[POD_OPFA], _P[POD_OPFUP])
_PRACTICE_RE = re.compile(rf"^(?:{PRACTICE_CODE})$")
_INT_RE = re.compile(r"^-?\d{1,9}$")
_ACTIVITY_DATE = {Dataset.APC: "disdate", Dataset.OP: "apptdate", Dataset.AE: "arrivaldate"}
_OK, _MISSING, _BAD = 0, 1, 2
_HALF = MFF_SCALE // 2


# ------------------------------------------------------------------------------------- per-unique helpers
# Extract columns repeat a few thousand distinct values (dates, practices, providers, codes): each helper
# works on the distinct values once and broadcasts back with the factorize codes, so nothing loops per row.
def _per_unique(series: pd.Series, fn, fill, dtype) -> np.ndarray:
    """``fn`` of each distinct value, broadcast to rows; ``fill`` for <NA> (code -1 takes the last slot)."""
    codes, uniques = pd.factorize(series)
    values = np.array([fn(u) for u in uniques] + [fill], dtype=dtype)
    return values[codes]


def _text(value: object) -> str | None:
    """Trimmed upper-case text, or None for HES null tokens."""
    text = str(value).strip()
    return None if text in NULL_TOKENS else text.upper()


@dataclass(frozen=True)
class _Coded:
    """A text column as codes into its distinct clean values (-1 = unknown), factorized once and reused."""

    codes: np.ndarray  # int64, -1 for <NA> and HES null tokens
    uniques: np.ndarray  # object: distinct trimmed upper-case values

    @classmethod
    def of(cls, series: pd.Series) -> _Coded:
        codes, raw = pd.factorize(series)
        cleaned = np.array([_text(u) for u in raw] + [None], dtype=object)
        canonical, uniques = pd.factorize(cleaned)  # 'rth' and 'RTH ' become one value; None → -1
        return cls(canonical.astype("int64")[codes], np.asarray(uniques, dtype=object))

    def take(self, rows: np.ndarray) -> _Coded:
        return _Coded(self.codes[rows], self.uniques)

    def isna(self) -> np.ndarray:
        return self.codes < 0

    def positions_in(self, index: pd.Index) -> np.ndarray:
        """Position of each row's value in ``index`` (-1 when absent or unknown)."""
        found = index.get_indexer(self.uniques) if len(self.uniques) else np.zeros(0, dtype="int64")
        return np.append(found, -1)[self.codes]

    def series(self, index: pd.Index) -> pd.Series:
        values = pd.array([*self.uniques, None], dtype="string")
        return pd.Series(values.take(np.where(self.codes < 0, len(self.uniques), self.codes)), index=index)


def _parse_dates(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Days since 1970-01-01 and a status (_OK / _MISSING / _BAD) for ``YYYY-MM-DD`` or ``DD/MM/YYYY`` text."""
    codes, uniques = pd.factorize(series)
    texts = pd.Series(pd.array(uniques, dtype="string")).str.strip()
    iso = pd.to_datetime(texts, format="%Y-%m-%d", errors="coerce")
    uk = pd.to_datetime(texts, format="%d/%m/%Y", errors="coerce")
    parsed = iso.where(iso.notna(), uk)
    days = parsed.to_numpy().astype("datetime64[D]").astype("int64")  # any resolution, no ns overflow
    missing = texts.isin(NULL_DATES | NULL_TOKENS).to_numpy()
    bad = (parsed.isna() | texts.isin(INVALID_DATES)).to_numpy() & ~missing
    status = np.where(missing, _MISSING, np.where(bad, _BAD, _OK)).astype("int8")
    days = np.where(status == _OK, days, 0)
    return np.append(days, 0)[codes], np.append(status, _MISSING).astype("int8")[codes]


def _int_or_status(value: object) -> tuple[int, int]:
    text = str(value).strip()
    if text in NULL_TOKENS:
        return 0, _MISSING
    return (int(text), _OK) if _INT_RE.match(text) else (0, _BAD)


def _parse_ints(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    pairs = _per_unique(series, _int_or_status, (0, _MISSING), "int64")
    return pairs[:, 0], pairs[:, 1].astype("int8")


def _age(value: object) -> int:
    """Age in years from STARTAGE: 7001–7007 are under one year; anything else unusable is -1 (unknown)."""
    years, status = _int_or_status(value)
    if status != _OK:
        return -1
    if 7001 <= years <= 7007:
        return 0
    return years if 0 <= years <= 150 else -1


def _days(day: date) -> int:
    return int(np.datetime64(day, "D").astype("int64"))


# --------------------------------------------------------------------------------------------- pricing
@dataclass
class _Priced:
    """Pricing of n rows: ``reason == NONE`` ⇔ priced; ``excess_ok`` marks spells (OP and A&E have none)."""

    n: int
    price: np.ndarray = field(init=False)
    reason: np.ndarray = field(init=False)
    excess: np.ndarray = field(init=False)
    excess_ok: np.ndarray = field(init=False)
    mff_defaulted: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.price = np.zeros(self.n, dtype="int64")
        self.reason = np.full(self.n, _NONE, dtype="int16")
        self.excess = np.zeros(self.n, dtype="int64")
        self.excess_ok = np.zeros(self.n, dtype=bool)
        self.mff_defaulted = np.zeros(self.n, dtype=bool)


def _table_positions(table: pd.DataFrame, key_column: str, keys: _Coded, providers: _Coded) -> np.ndarray:
    """Row position in ``table`` for each (key, provider): the provider's local row, else the national one."""
    table_keys = table[key_column].to_numpy(dtype=object)
    table_providers = table["provider"].to_numpy(dtype=object, na_value=None)
    is_local = table["provider"].notna().to_numpy()
    national_rows = np.append(np.flatnonzero(~is_local), -1)
    positions = national_rows[keys.positions_in(pd.Index(table_keys[~is_local]))]

    local_rows = np.flatnonzero(is_local)
    if len(local_rows) and len(providers.uniques) and len(keys.uniques):
        # (key, provider) pairs as one integer, matched by binary search against the local rows.
        radix = len(providers.uniques)
        k = pd.Index(keys.uniques).get_indexer(table_keys[local_rows])
        p = pd.Index(providers.uniques).get_indexer(table_providers[local_rows])
        usable = (k >= 0) & (p >= 0)
        pairs = k[usable].astype("int64") * radix + p[usable]
        order = np.argsort(pairs)
        pairs, pair_rows = pairs[order], local_rows[usable][order]
        if len(pairs):
            row_pairs = keys.codes * radix + providers.codes
            hit = np.minimum(np.searchsorted(pairs, row_pairs), len(pairs) - 1)
            matched = (keys.codes >= 0) & (providers.codes >= 0) & (pairs[hit] == row_pairs)
            positions = np.where(matched, pair_rows[hit], positions)
    return positions


def _column(table: pd.DataFrame, name: str, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Values (0 where absent) and presence of a nullable tariff column at ``positions`` (-1 = no row)."""
    if name not in table.columns:
        return np.zeros(len(positions), dtype="int64"), np.zeros(len(positions), dtype=bool)
    column = table[name]
    values = np.append(column.to_numpy(dtype="int64", na_value=0), 0)
    present = np.append(column.notna().to_numpy(), False)
    return values[positions], present[positions]


def _mff(mff: pd.DataFrame | None, providers: _Coded) -> tuple[np.ndarray, np.ndarray]:
    """Scaled MFF per row; providers missing from the file (or a missing file) get 1.00000 and a flag."""
    if mff is None or not len(mff):
        return np.full(len(providers.codes), MFF_SCALE, dtype="int64"), np.ones(
            len(providers.codes), dtype=bool
        )
    position = providers.positions_in(pd.Index(mff["provider"].to_numpy(dtype=object)))
    scaled = np.append(mff["mff_scaled"].to_numpy(dtype="int64"), MFF_SCALE)[position]
    return scaled, position < 0


def _apply_mff(result: _Priced, pence: np.ndarray, providers: _Coded, mff: pd.DataFrame | None) -> None:
    scaled, defaulted = _mff(mff, providers)
    # Exact: int64 product, half-up division (values are never negative).
    result.price = (pence * scaled + _HALF) // MFF_SCALE
    result.mff_defaulted = defaulted & (result.reason == _NONE)


def _price_admitted(
    tariff: TariffTables,
    hrg: _Coded,
    provider: _Coded,
    pod: np.ndarray,
    los: np.ndarray,
    ssem: np.ndarray,
) -> _Priced:
    result = _Priced(len(pod))
    no_hrg = hrg.isna()
    table = tariff.admitted
    if table is None:
        result.reason[:] = np.where(no_hrg, _R[Reason.NO_HRG], _R[Reason.NO_TARIFF_FOR_YEAR])
        return result
    pos = _table_positions(table, "hrg", hrg, provider)

    def col(name: str) -> tuple[np.ndarray, np.ndarray]:
        return _column(table, name, pos)

    elective, elective_ok = col("elective_pence")
    day_case, day_case_ok = col("day_case_pence")
    ordinary, ordinary_ok = col("ordinary_elective_pence")
    non_elective, non_elective_ok = col("non_elective_pence")
    short_stay, short_stay_ok = col("ssem_pence")
    bed_day, bed_day_ok = col("excess_bed_day_pence")
    el_trim, el_trim_ok = col("elective_trim_days")
    nel_trim, nel_trim_ok = col("non_elective_trim_days")

    is_dc, is_el = pod == _P[POD_DC], pod == _P[POD_EL]
    use_ssem = (pod == _P[POD_NEL]) & ssem & short_stay_ok
    base = np.select(
        [is_dc, is_el],
        [np.where(day_case_ok, day_case, elective), np.where(ordinary_ok, ordinary, elective)],
        np.where(use_ssem, short_stay, non_elective),
    )
    base_ok = np.select(
        [is_dc, is_el], [day_case_ok | elective_ok, ordinary_ok | elective_ok], use_ssem | non_elective_ok
    )
    trim = np.where(is_el, el_trim, nel_trim)
    trim_applies = np.where(is_el, el_trim_ok, nel_trim_ok) & ~is_dc & ~use_ssem
    result.excess = np.where(trim_applies, np.maximum(los - trim, 0), 0)
    result.excess_ok[:] = True  # a spell's excess days are known (0 when no trim point applies)
    pence = base + result.excess * np.where(bed_day_ok, bed_day, 0)
    result.reason[:] = np.select(
        [no_hrg, pos < 0, ~base_ok],
        [_R[Reason.NO_HRG], _R[Reason.HRG_NOT_IN_TARIFF], _R[Reason.NO_PRICE_FOR_POD]],
        _NONE,
    )
    _apply_mff(result, pence, provider, tariff.mff)
    return result


def _price_outpatient(tariff: TariffTables, tretspef: _Coded, provider: _Coded, pod: np.ndarray) -> _Priced:
    result = _Priced(len(pod))
    table = tariff.outpatient
    if table is None:
        result.reason[:] = _R[Reason.NO_TARIFF_FOR_YEAR]
        return result
    pos = _table_positions(table, "tretspef", tretspef, provider)
    first, first_ok = _column(table, "first_pence", pos)
    follow_up, follow_up_ok = _column(table, "follow_up_pence", pos)
    is_first = pod == _P[POD_OPFA]
    priced = np.where(is_first, first_ok, follow_up_ok)
    result.reason[:] = np.where(priced, _NONE, _R[Reason.NO_OP_PRICE])
    _apply_mff(result, np.where(is_first, first, follow_up), provider, tariff.mff)
    return result


def _price_ae(tariff: TariffTables, hrg: _Coded, provider: _Coded, ae_type: np.ndarray) -> _Priced:
    result = _Priced(len(ae_type))
    no_hrg = hrg.isna()
    table = tariff.ae
    if table is None:
        result.reason[:] = np.where(no_hrg, _R[Reason.NO_HRG], _R[Reason.NO_TARIFF_FOR_YEAR])
        return result
    pos = _table_positions(table, "hrg", hrg, provider)
    type_1_2, type_1_2_ok = _column(table, "type_1_2_pence", pos)
    type_3, type_3_ok = _column(table, "type_3_pence", pos)
    is_type_1_2 = ae_type == 0
    result.reason[:] = np.select(
        [no_hrg, pos < 0, ~np.where(is_type_1_2, type_1_2_ok, type_3_ok)],
        [_R[Reason.NO_HRG], _R[Reason.HRG_NOT_IN_TARIFF], _R[Reason.NO_PRICE_FOR_POD]],
        _NONE,
    )
    _apply_mff(result, np.where(is_type_1_2, type_1_2, type_3), provider, tariff.mff)
    return result


def _price(
    tariff: TariffTables,
    *,
    pod: np.ndarray,
    hrg: _Coded,
    provider: _Coded,
    tretspef: _Coded,
    ae_type: np.ndarray,
    los: np.ndarray,
    ssem: np.ndarray,
    pre_reason: np.ndarray,
    active: np.ndarray,
) -> _Priced:
    """Price each active row whose ``pre_reason`` is NONE by its POD family; others keep ``pre_reason``."""
    result = _Priced(len(pod))
    result.reason[:] = pre_reason
    todo = active & (pre_reason == _NONE)
    families = (
        (np.isin(pod, _APC_PODS), lambda i: _price_admitted(tariff, hrg.take(i), provider.take(i), pod[i], los[i], ssem[i])),
        (np.isin(pod, _OP_PODS), lambda i: _price_outpatient(tariff, tretspef.take(i), provider.take(i), pod[i])),
        (pod == _P[POD_AE], lambda i: _price_ae(tariff, hrg.take(i), provider.take(i), ae_type[i])),
    )  # fmt: skip
    for in_family, price_family in families:
        rows = np.flatnonzero(todo & in_family)
        if not len(rows):
            continue
        part = price_family(rows)
        for name in ("price", "reason", "excess", "excess_ok", "mff_defaulted"):
            getattr(result, name)[rows] = getattr(part, name)
    return result


# ------------------------------------------------------------------------------------------ cost_activity
def _first_reason(conditions: list[tuple[np.ndarray, Reason]], n: int) -> np.ndarray:
    if not conditions:
        return np.full(n, _NONE, dtype="int16")
    masks, reasons = zip(*conditions, strict=True)
    return np.select(list(masks), [_R[r] for r in reasons], _NONE).astype("int16")


def _date_rejections(status: np.ndarray) -> list[tuple[np.ndarray, Reason]]:
    return [(status == _MISSING, Reason.DATE_MISSING), (status == _BAD, Reason.DATE_UNPARSEABLE)]


def _practices(
    gpprac: pd.Series, pct_practices: frozenset[str], all_known: frozenset[str] | None, index: pd.Index
) -> tuple[pd.Series, np.ndarray]:
    """Clean practice code (<NA> unless attributable) and a reason: NONE (PCT), outside PCT or unattributed."""
    pct = {c.strip().upper() for c in pct_practices}
    known = None if all_known is None else {c.strip().upper() for c in all_known} | pct

    def classify(code: str) -> int:
        if code in DEFAULT_PRACTICE_CODES:
            return _R[Reason.PRACTICE_DEFAULT]
        if not _PRACTICE_RE.match(code) or (known is not None and code not in known):
            return _R[Reason.PRACTICE_INVALID]
        return _NONE if code in pct else _R[Reason.PRACTICE_OUTSIDE_PCT]

    coded = _Coded.of(gpprac)
    per_code = np.array([classify(c) for c in coded.uniques] + [_R[Reason.PRACTICE_MISSING]], dtype="int16")
    reason = per_code[coded.codes]
    attributable = (reason == _NONE) | (reason == _R[Reason.PRACTICE_OUTSIDE_PCT])
    practice = _Coded(np.where(attributable, coded.codes, -1), coded.uniques).series(index)
    return practice, reason


def practice_reasons(gpprac: pd.Series, pct_practices: frozenset[str]) -> pd.Series:
    """Per row, why the practice code is not one of the PCT's ("" when it is): the attribution rule of
    DOMAIN 9 as costing applies it, for readers of other extracts (referrals)."""
    _, reason = _practices(gpprac, pct_practices, None, gpprac.index)
    return pd.Series(np.asarray([r.value for r in REASONS], dtype=object)[reason], index=gpprac.index)


def _categorical(codes: np.ndarray, categories: tuple, index: pd.Index) -> pd.Series:
    values = [c.value if hasattr(c, "value") else c for c in categories]
    return pd.Series(pd.Categorical.from_codes(codes.astype("int64"), categories=values), index=index)


def _nullable(values: np.ndarray, present: np.ndarray, index: pd.Index) -> pd.Series:
    return pd.Series(pd.arrays.IntegerArray(values.astype("int64"), ~present), index=index)


def cost_activity(
    frame: pd.DataFrame,
    dataset: Dataset | str,
    *,
    tariff: TariffTables | None,
    financial_year: FinancialYear,
    pct_practices: frozenset[str],
    all_known_practices: frozenset[str] | None,
    today: date,
    loaded_keys: frozenset[str] = frozenset(),
    require_record_key: bool = False,
) -> pd.DataFrame:
    """Give every row of a normalised extract one outcome, a reason and (when priceable) a price.

    Returns the input columns plus: ``outcome``, ``reason``, ``price_reason``, ``pod`` (categoricals of the
    extract_schema values), ``month`` (datetime64, first of the activity month, NaT if the date is unusable),
    ``practice``, ``provider``, ``tretspef``, ``hrg`` (clean upper-case strings, <NA> when unknown),
    ``ae_type`` (TYPE_1_2 / TYPE_3 / NaN), ``los_days`` (Int64, APC), ``ssem_eligible`` (bool: NEL, age ≥ 19,
    stay < 2 days), ``excess_days`` (Int64: days over the trim point of priced spells, 0 when none applies —
    day cases, SSEM, no trim point; counted even where the HRG has no excess bed day rate), ``price_pence``
    (Int64, <NA> when not priced) and ``mff_defaulted`` (bool: priced at MFF 1.00000 for want of one).
    """
    dataset = Dataset(dataset)
    missing = [c for c in NORMALISED[dataset] if c not in frame.columns]
    if missing:
        raise ValueError(f"The {dataset} frame lacks normalised columns {missing}.")
    tariff = tariff or TariffTables()
    n, index = len(frame), frame.index
    fy_start, fy_end, last_day = _days(financial_year.start), _days(financial_year.end), _days(today)

    day, day_status = _parse_dates(frame[_ACTIVITY_DATE[dataset]])
    rejections = _date_rejections(day_status)
    hrg = _Coded.of(frame["hrg"])
    provider = _Coded.of(frame["procode3"])
    tretspef = _Coded.of(frame["tretspef"])
    pod = np.full(n, -1, dtype="int64")
    ae_type = np.full(n, -1, dtype="int64")
    los = np.zeros(n, dtype="int64")
    los_ok = np.zeros(n, dtype=bool)
    ssem = np.zeros(n, dtype=bool)
    pre_reason = np.full(n, _NONE, dtype="int16")

    if dataset is Dataset.APC:
        admitted, admitted_status = _parse_dates(frame["admidate"])
        speldur, speldur_status = _parse_ints(frame["speldur"])
        dates_ok = (day_status == _OK) & (admitted_status == _OK)
        los = np.where(speldur_status == _OK, speldur, day - admitted)
        impossible = dates_ok & (
            (day < admitted) | ((speldur_status == _OK) & (speldur < 0)) | (los > MAX_TRIM_DAYS)
        )
        rejections += _date_rejections(admitted_status)
        rejections += [
            (speldur_status == _BAD, Reason.VALUE_UNPARSEABLE),
            (impossible, Reason.IMPOSSIBLE_STAY),
        ]
        los_ok = dates_ok & (speldur_status != _BAD) & ~impossible
        los = np.where(los_ok, los, 0)
        elective = _per_unique(frame["admimeth"], lambda v: _text(v) in ELECTIVE_ADMIMETH, False, bool)
        day_case = _per_unique(frame["classpat"], lambda v: _text(v) == "2", False, bool)
        pod = np.where(elective, np.where(day_case, _P[POD_DC], _P[POD_EL]), _P[POD_NEL])
        adult = _per_unique(frame["startage"], _age, -1, "int64") >= 19
        ssem = (pod == _P[POD_NEL]) & adult & los_ok & (los < 2)
    elif dataset is Dataset.OP:

        def attendance(value: object) -> int:
            code = _text(value)
            if code in OP_ATTENDED:
                return _NONE
            return _R[Reason.NOT_ATTENDED] if code in OP_NOT_ATTENDED else _R[REASON_UNKNOWN_ATTENDANCE]

        def first_or_follow_up(value: object) -> int:
            code = _text(value)
            return _P[POD_OPFA] if code in OP_FIRST else _P[POD_OPFUP] if code in OP_FOLLOW_UP else -1

        pod = _per_unique(frame["firstatt"], first_or_follow_up, -1, "int64")
        attended = _per_unique(frame["attended"], attendance, _R[REASON_UNKNOWN_ATTENDANCE], "int16")
        pre_reason = np.where(
            attended != _NONE, attended, np.where(pod < 0, _R[Reason.UNKNOWN_FIRST_FOLLOW_UP], _NONE)
        ).astype("int16")
    else:

        def department(value: object) -> int:
            code = _text(value)
            return 0 if code in AE_TYPE_1_2 else 1 if code in AE_TYPE_3 else -1

        pod = np.full(n, _P[POD_AE], dtype="int64")
        ae_type = _per_unique(frame["aedepttype"], department, -1, "int64")
        pre_reason = np.where(ae_type < 0, _R[Reason.UNKNOWN_DEPARTMENT_TYPE], _NONE).astype("int16")

    in_time = day_status == _OK
    rejections += [
        (in_time & ((day < fy_start) | (day > fy_end)), Reason.DATE_OUTSIDE_YEAR),
        (in_time & (day > last_day), Reason.DATE_IN_FUTURE),
    ]
    key = frame["record_key"]
    key_missing = (key.isna() | (key.astype("string").str.strip() == "")).to_numpy(dtype=bool, na_value=True)
    if require_record_key:
        rejections.append((key_missing, Reason.RECORD_KEY_MISSING))
    invalid = _per_unique(frame["invalid"], lambda v: _R[Reason(v)], _NONE, "int16")
    reject_reason = np.where(invalid != _NONE, invalid, _first_reason(rejections, n)).astype("int16")
    rejected = reject_reason != _NONE

    candidates = ~rejected & ~key_missing
    loaded = np.zeros(n, dtype=bool)
    if loaded_keys:
        loaded = candidates & key.isin(list(loaded_keys)).to_numpy(dtype=bool, na_value=False)
    repeated = np.zeros(n, dtype=bool)
    first_seen = np.flatnonzero(candidates & ~loaded)
    repeated[first_seen] = key.iloc[first_seen].duplicated(keep="first").to_numpy()
    duplicate = loaded | repeated

    practice, practice_reason = _practices(frame["gpprac"], pct_practices, all_known_practices, index)
    active = ~rejected & ~duplicate
    priced = _price(
        tariff,
        pod=pod,
        hrg=hrg,
        provider=provider,
        tretspef=tretspef,
        ae_type=ae_type,
        los=los,
        ssem=ssem,
        pre_reason=pre_reason,
        active=active,
    )
    has_price = active & (priced.reason == _NONE)
    unattributed = (practice_reason != _NONE) & (practice_reason != _R[Reason.PRACTICE_OUTSIDE_PCT])
    non_pct = practice_reason == _R[Reason.PRACTICE_OUTSIDE_PCT]
    buckets = [rejected, duplicate, unattributed, non_pct, ~has_price]
    outcome = np.select(
        buckets,
        [_O[Outcome.REJECTED], _O[Outcome.DUPLICATE], _O[Outcome.UNATTRIBUTED], _O[Outcome.NON_PCT], _O[Outcome.UNCOSTED]],
        _O[Outcome.COSTED],
    )  # fmt: skip
    duplicate_reason = np.where(loaded, _R[Reason.DUPLICATE_LOADED], _R[Reason.DUPLICATE_IN_FILE])
    reason = np.select(
        buckets, [reject_reason, duplicate_reason, practice_reason, practice_reason, priced.reason], _NONE
    )
    price_reason = np.where(active, priced.reason, _NONE)

    month = (day.astype("datetime64[D]").astype("datetime64[M]").astype("datetime64[D]")).astype(
        "datetime64[s]"
    )
    month = np.where(in_time, month, np.datetime64("NaT", "s"))
    out = frame.copy(deep=False)
    added = {
        "outcome": _categorical(outcome, OUTCOMES, index),
        "reason": _categorical(reason, REASONS, index),
        "price_reason": _categorical(price_reason, REASONS, index),
        "pod": _categorical(pod, PODS, index),
        "month": pd.Series(month, index=index),
        "practice": practice,
        "provider": provider.series(index),
        "tretspef": tretspef.series(index),
        "hrg": hrg.series(index),
        "ae_type": _categorical(ae_type, AE_TYPES, index),
        "los_days": _nullable(los, los_ok, index),
        "ssem_eligible": pd.Series(ssem & ~rejected, index=index),
        "excess_days": _nullable(priced.excess, has_price & priced.excess_ok, index),
        "price_pence": _nullable(priced.price, has_price, index),
        "mff_defaulted": pd.Series(priced.mff_defaulted & has_price, index=index),
    }
    for name, column in added.items():
        out[name] = column
    return out


# ------------------------------------------------------------------------------------------- aggregation
def _grain_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Grain columns, with stay length kept only where a price can depend on it (EL and NEL spells)."""
    grain = frame[list(GRAIN)].copy()
    stay_priced = frame["pod"].isin([POD_EL, POD_NEL]) & ~frame["outcome"].isin(
        [Outcome.REJECTED.value, Outcome.DUPLICATE.value]
    )
    grain["los_days"] = frame["los_days"].where(stay_priced)
    return grain


def aggregate_costed(frame: pd.DataFrame) -> pd.DataFrame:
    """Priced rows → the stored grain: ``GRAIN`` columns + ``activity``, ``price_pence``, ``excess_days``.

    The grain is what re-costing at another year's tariff needs and no more: a spell's price depends on
    POD, HRG, provider (local prices, MFF), stay length (trim points, SSEM) and SSEM eligibility (age ≥ 19 and
    stay < 2 days); OP on treatment function and POD; A&E on HRG and department type. Rows equal on all of
    these have equal prices, so ``activity × unit price`` re-costs a group exactly. ``los_days`` is kept
    only for EL and NEL spells (day cases, OP and A&E are <NA>) and ``price_reason`` keeps apart the
    unattributed rows that no tariff can price (e.g. did not attend). Stays cluster on a few days, so
    keeping them adds few groups: the grain is set by practice × month × HRG × provider × specialty.
    Groups come sorted by the grain columns (<NA> first).
    """
    grain = _grain_frame(frame)
    grain["activity"] = np.ones(len(frame), dtype="int64")
    grain["price_pence"] = frame["price_pence"]
    grain["excess_days"] = frame["excess_days"]
    return _group(grain)


def _ordered_codes(column: pd.Series) -> tuple[np.ndarray, int]:
    """Codes that sort like the values, <NA> as 0 (first), and how many there can be."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy().astype("int64") + 1, len(column.cat.categories) + 1
    codes, uniques = pd.factorize(column, sort=True)
    return codes.astype("int64") + 1, len(uniques) + 1


def _reduce(keys: pd.DataFrame, measures: dict[str, pd.Series]) -> pd.DataFrame:
    """Group ``keys`` (ordered by the key values, <NA> first) and sum integer ``measures`` exactly.

    The key columns combine into one int64 (mixed radix, re-densified before it could overflow), so the
    grouping is a single integer sort instead of a many-column hash; sums stay in int64, never float. A
    nullable measure sums to <NA> in a group where it is <NA> on every row.
    """
    n = len(keys)
    ids = np.zeros(n, dtype="int64")
    size = 1
    for name in keys.columns:
        codes, count = _ordered_codes(keys[name])
        if size * count >= 2**62:
            size_before, ids = size, np.unique(ids, return_inverse=True)[1].astype("int64")
            size = int(ids.max()) + 1 if n else 1
            assert size <= size_before
        ids = ids * count + codes
        size *= count
    order = np.argsort(ids, kind="stable")
    ordered = ids[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if n else np.zeros(0, dtype="int64")
    result = keys.iloc[order[starts]].reset_index(drop=True)
    for name, measure in measures.items():
        present = measure.notna().to_numpy()
        values = measure.to_numpy(dtype="int64", na_value=0)[order]
        total = np.add.reduceat(values, starts) if n else np.zeros(0, dtype="int64")
        if measure.dtype == "Int64":
            counted = np.add.reduceat(present[order].astype("int64"), starts) if n else total
            result[name] = pd.arrays.IntegerArray(total, counted == 0)
        else:
            result[name] = total
    return result


def _group(grain: pd.DataFrame) -> pd.DataFrame:
    return _reduce(
        grain[list(GRAIN)],
        {name: grain[name] for name in MEASURES},
    )


def recost_aggregates(agg: pd.DataFrame, *, tariff: TariffTables | None) -> pd.DataFrame:
    """The stored grain priced at another tariff (e.g. base-year activity at the target year's prices).

    Rejected and duplicate rows stay unpriced; rows unpriced for a reason no tariff can cure keep it.
    Costed and uncosted rows become costed or uncosted by the new tariff; unattributed and non-PCT rows keep
    their outcome with the new price. ``price_pence`` and ``excess_days`` are unit values × ``activity``.
    """
    tariff = tariff or TariffTables()
    agg = agg.reset_index(drop=True)
    outcome = agg["outcome"].astype(object).to_numpy()
    active = ~np.isin(outcome, [Outcome.REJECTED.value, Outcome.DUPLICATE.value])
    old_reason = agg["price_reason"].astype(object).fillna("").to_numpy()
    kept = np.isin(old_reason, [r.value for r in TARIFF_INDEPENDENT_REASONS])
    pre_reason = np.where(
        kept, pd.Categorical(old_reason, categories=[r.value for r in REASONS]).codes, _NONE
    )
    pod = pd.Categorical(agg["pod"].astype(object), categories=list(PODS)).codes.astype("int64")
    ae_type = pd.Categorical(agg["ae_type"].astype(object), categories=list(AE_TYPES)).codes.astype("int64")
    los = agg["los_days"].astype("Int64").to_numpy(dtype="int64", na_value=0)
    priced = _price(
        tariff,
        pod=pod,
        hrg=_Coded.of(agg["hrg"]),
        provider=_Coded.of(agg["provider"]),
        tretspef=_Coded.of(agg["tretspef"]),
        ae_type=ae_type,
        los=los,
        ssem=agg["ssem_eligible"].to_numpy(dtype=bool),
        pre_reason=pre_reason.astype("int16"),
        active=active,
    )
    has_price = active & (priced.reason == _NONE)
    activity = agg["activity"].to_numpy(dtype="int64")
    if has_price.any() and int(priced.price[has_price].max()) * int(activity.max()) > np.iinfo("int64").max:
        raise OverflowError("A group's value does not fit in 64-bit pence.")  # pragma: no cover
    new_reason = np.array([r.value for r in REASONS], dtype=object)[priced.reason]
    attributed = np.isin(outcome, [Outcome.COSTED.value, Outcome.UNCOSTED.value])
    out = agg.copy()
    out["outcome"] = np.where(
        attributed, np.where(has_price, Outcome.COSTED.value, Outcome.UNCOSTED.value), outcome
    )
    out["reason"] = np.where(attributed, new_reason, agg["reason"].astype(object).to_numpy())
    out["price_reason"] = np.where(active, new_reason, old_reason)
    out["outcome"] = pd.Categorical(out["outcome"], categories=[o.value for o in OUTCOMES])
    for name in ("reason", "price_reason"):
        out[name] = pd.Categorical(out[name], categories=[r.value for r in REASONS])
    out["mff_defaulted"] = priced.mff_defaulted & has_price
    out["price_pence"] = _nullable(priced.price * activity, has_price, out.index)
    out["excess_days"] = _nullable(priced.excess * activity, has_price & priced.excess_ok, out.index)
    return _group(out)


# ------------------------------------------------------------------------------------------ data quality
def _records(table: pd.DataFrame) -> list[dict]:
    """Plain Python values (str/int/None, months as ISO dates) for JSON and templates."""
    records = []
    for row in table.to_dict("records"):
        clean = {}
        for name, value in row.items():
            if value is pd.NA or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
                clean[name] = None
            elif isinstance(value, pd.Timestamp):
                clean[name] = value.date().isoformat()
            elif isinstance(value, np.integer):
                clean[name] = int(value)
            else:
                clean[name] = value
        records.append(clean)
    return records


def data_quality_summary(frame: pd.DataFrame) -> dict:
    """Counts and values (pence) of every outcome and reason, provider × month coverage, MFF defaults.

    Works on costed rows, or on aggregates (a frame with an ``activity`` column, ``price_pence`` summed),
    so an upload's report can be built from what it stored. ``rows`` always equals the sum of
    ``by_outcome[*]["rows"]``: nothing is dropped silently. Coverage counts rows that are neither
    rejected nor duplicate; ``coverage_gaps`` lists, per provider, months with no activity between its
    first and last month (a missing extract shows up there).
    """
    value = frame["price_pence"].astype("Int64").fillna(0)
    if "activity" in frame.columns:
        counts = frame["activity"].astype("int64").reset_index(drop=True)
    else:
        counts = pd.Series(np.ones(len(frame), dtype="int64"))
    measures = {
        "rows": counts,
        "value_pence": value.reset_index(drop=True),
    }
    keys = frame[["outcome", "reason", "provider", "month"]].reset_index(drop=True)

    by_outcome = {o.value: {"rows": 0, "value_pence": 0} for o in OUTCOMES}
    for record in _records(_reduce(keys[["outcome"]], measures)):
        by_outcome[record["outcome"]] = {"rows": record["rows"], "value_pence": record["value_pence"]}
    by_reason = _records(_reduce(keys[["outcome", "reason"]], measures))

    in_use = (
        ~keys["outcome"].isin([Outcome.REJECTED.value, Outcome.DUPLICATE.value]) & keys["month"].notna()
    ).to_numpy()
    coverage = _records(
        _reduce(keys.loc[in_use, ["provider", "month"]], {k: m[in_use] for k, m in measures.items()})
    )
    gaps: dict[str, list[str]] = {}
    months_by_provider: dict[str | None, set[str]] = {}
    for cell in coverage:
        months_by_provider.setdefault(cell["provider"], set()).add(cell["month"])
    for provider, months in months_by_provider.items():
        span = pd.period_range(min(months), max(months), freq="M")
        missing = [
            p.start_time.date().isoformat() for p in span if p.start_time.date().isoformat() not in months
        ]
        if missing:
            gaps[provider or ""] = missing

    defaulted = frame["mff_defaulted"].to_numpy(dtype=bool)
    mff_defaulted = _records(
        _reduce(keys.loc[defaulted, ["provider"]], {k: m[defaulted] for k, m in measures.items()})
    )
    total = sum(v["rows"] for v in by_outcome.values())
    rows = int(counts.sum())
    if total != rows:  # pragma: no cover - an outcome outside Outcome would be a programming error
        raise AssertionError(f"{rows - total} rows have no outcome.")
    return {
        "rows": rows,
        "by_outcome": by_outcome,
        "by_reason": by_reason,
        "coverage": coverage,
        "coverage_gaps": gaps,
        "mff_defaulted_providers": mff_defaulted,
    }


_ADDED = {
    "outcome", "reason", "price_reason", "pod", "month", "practice", "provider", "ae_type", "los_days",
    "ssem_eligible", "excess_days", "price_pence", "mff_defaulted", "patient_key",
    "invalid",  # the row's reason already says it
}  # fmt: skip


def problem_rows(
    frame: pd.DataFrame,
    limit: int = 1000,
    outcomes: tuple[Outcome, ...] = (
        Outcome.REJECTED,
        Outcome.DUPLICATE,
        Outcome.UNATTRIBUTED,
        Outcome.UNCOSTED,
    ),
) -> pd.DataFrame:
    """The first ``limit`` rows (by file line) in ``outcomes``, with their reason and the fields as read.

    The patient key is left out: the list is shown to people fixing extracts, who need no patient link.
    """
    mask = frame["outcome"].astype(object).isin([o.value for o in outcomes])
    raw = [c for c in frame.columns if c not in _ADDED and c != "line_no"]
    columns = ["line_no", "outcome", "reason", *raw, "price_pence"]
    return frame.loc[mask, columns].sort_values("line_no", kind="stable").head(limit).reset_index(drop=True)
