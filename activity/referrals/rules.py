"""The counting rules of referrals (DOMAIN 10), pure: plain frames and values in and out, no ORM, no I/O.

* **Referral extract rows** (:func:`classify_extract_rows`): one row per referral. A row is loaded unless it
  is rejected (no referral identifier; referral date missing, invalid ``1801-01-01``, unparseable or in the
  future; a source or first-attendance flag that cannot be read), a duplicate (its hashed identifier earlier
  in the file, or already loaded by another upload of the PCT), unattributed (practice code missing,
  malformed or a V8199x default) or another PCT's practice (DOMAIN 9).
* **GP referrals from HES/SUS outpatients** (:func:`outpatient_referrals`): a first attendance (``FIRSTATT``
  1 or 3), attended or not, is a referral; ``REFSOURC`` 03 makes it a GP referral, any other value another
  source. Its date is ``REQDATE`` when that is a valid date (not the null ``1800-01-01``, not the invalid
  ``1801-01-01``, parseable), else the appointment date; its specialty the treatment function (the reader
  has already fallen back to ``MAINSPEF`` when ``TRETSPEF`` is blank or ``&``); its priority ``PRIORITY``
  (1 routine, 2 urgent, 3 two-week wait, anything else unknown).
* **Rates** (:func:`rate_per_1000`, :func:`rate_table`): referrals per 1,000 registered patients,
  ``Decimal`` rounded half-up to 2 dp; the peer median of those rates; the funnel-plot position against the
  locality and the PCT (:mod:`pbc.funnel`, Poisson limits: a patient can be referred more than once).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from activity.extract_schema import INVALID_DATES, NULL_DATES, OP_FIRST, Outcome, Reason
from activity.referrals.choices import ReferralPriority, ReferralSource, SourceGroup
from pbc.funnel import funnel_position, funnel_statuses

__all__ = [
    "LOADED",
    "classify_extract_rows",
    "outpatient_referrals",
    "rate_table",
    "priority_of",
    "rate_per_1000",
    "source_group",
    "source_of",
    "valid_dates",
]

LOADED = "loaded"  # the outcome of a referral row that is stored
GP_REFSOURC = "03"
CENT = Decimal("0.01")

# HES REFSOURC (source of referral for outpatients) → referral source. Everything else is "other".
_REFSOURC = {
    "03": ReferralSource.GP,  # GMP (general medical practitioner)
    "04": ReferralSource.AE,  # A&E department
    "10": ReferralSource.AE,  # following an A&E attendance
    "01": ReferralSource.CONSULTANT,  # following an emergency admission
    "02": ReferralSource.CONSULTANT,  # following a domiciliary consultation
    "05": ReferralSource.CONSULTANT,  # a consultant, other than in A&E
    "11": ReferralSource.CONSULTANT,  # other, initiated by the consultant responsible
    "06": ReferralSource.SELF,
}
# A referral extract may write its source as a word instead of a REFSOURC code.
_SOURCE_WORDS = {
    "GP": ReferralSource.GP,
    "GMP": ReferralSource.GP,
    "A&E": ReferralSource.AE,
    "AE": ReferralSource.AE,
    "A AND E": ReferralSource.AE,
    "CONSULTANT": ReferralSource.CONSULTANT,
    "C2C": ReferralSource.CONSULTANT,
    "CONSULTANT-TO-CONSULTANT": ReferralSource.CONSULTANT,
    "CONSULTANT TO CONSULTANT": ReferralSource.CONSULTANT,
    "SELF": ReferralSource.SELF,
    "SELF-REFERRAL": ReferralSource.SELF,
    "OTHER": ReferralSource.OTHER,
}
_PRIORITY = {
    "1": ReferralPriority.ROUTINE,
    "ROUTINE": ReferralPriority.ROUTINE,
    "2": ReferralPriority.URGENT,
    "URGENT": ReferralPriority.URGENT,
    "3": ReferralPriority.TWO_WEEK_WAIT,
    "2WW": ReferralPriority.TWO_WEEK_WAIT,
    "TWO WEEK WAIT": ReferralPriority.TWO_WEEK_WAIT,
    "TWO-WEEK WAIT": ReferralPriority.TWO_WEEK_WAIT,
}
_YES = frozenset({"Y", "YES", "1", "TRUE", "T"})
_NO = frozenset({"N", "NO", "0", "FALSE", "F"})


def _code(value: object) -> str:
    """A REFSOURC-style code as HES writes it: ``3`` (a spreadsheet dropped the zero) → ``03``."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    text = str(value).strip().upper()
    return text.zfill(2) if text.isdigit() and len(text) < 2 else text


def source_of(value: object, *, words: bool = False) -> str | None:
    """The referral source of a REFSOURC code (any other code: "other"); with ``words``, also the words a
    referral extract may use. None: blank, or (``words``) neither a code nor a known word."""
    code = _code(value)
    if not code:
        return None
    if code in _REFSOURC:
        return _REFSOURC[code].value
    if words:
        if code in _SOURCE_WORDS:
            return _SOURCE_WORDS[code].value
        return ReferralSource.OTHER.value if code.isdigit() else None
    return ReferralSource.OTHER.value


def source_group(source: str) -> str:
    """GP referrals apart from every other source."""
    return SourceGroup.GP.value if source == ReferralSource.GP else SourceGroup.OTHER.value


def priority_of(value: object) -> str:
    """PRIORITY 1 routine, 2 urgent, 3 two-week wait (or the words); 9, blank or anything else unknown."""
    code = _code(value)
    if code.isdigit():
        code = code.lstrip("0")
    return _PRIORITY.get(code, ReferralPriority.UNKNOWN).value


def valid_dates(values: pd.Series) -> pd.Series:
    """HES date text → datetime64 (NaT for blank, the null 1800-01-01, the invalid 1801-01-01 and text
    that is not a ``YYYY-MM-DD`` date). The reader has already turned ``D/M/YYYY`` into ISO."""
    text = values.astype("string").str.strip()
    unusable = text.isin(list(NULL_DATES | INVALID_DATES)).fillna(True).to_numpy(dtype=bool)
    parsed = pd.to_datetime(text.where(~unusable), errors="coerce", format="%Y-%m-%d")
    return parsed.astype("datetime64[ns]")


def _per_value(values: pd.Series, fn) -> pd.Series:
    """``fn`` applied once per distinct value (codes repeat a million times)."""
    as_object = values.astype(object).where(values.notna(), None)
    uniques = {v: fn(v) for v in pd.unique(as_object)}
    return as_object.map(uniques)


def classify_extract_rows(
    frame: pd.DataFrame,
    *,
    practice_reasons: pd.Series,
    loaded_keys: Iterable[str],
    today: date,
) -> pd.DataFrame:
    """One outcome and reason per referral extract row, and the values a stored referral keeps.

    ``frame`` is the reader's normalised REF frame; ``practice_reasons`` says per row why the practice is
    not the PCT's ("" when it is; the costing engine's rule); ``loaded_keys`` are the hashed identifiers
    the PCT already holds. Returns ``line_no``, ``outcome``, ``reason``, ``referral_key``, ``practice``,
    ``referrer``, ``provider``, ``specialty``, ``referral_date`` (datetime64), ``priority``, ``source`` and
    ``led_to_first_attendance`` (bool). Rows keep the file's order; a repeat within the file is the
    duplicate, its first occurrence is kept.
    """
    n = len(frame)
    out = pd.DataFrame(index=frame.index)
    out["line_no"] = frame["line_no"].astype("int64")
    out["referral_key"] = frame["referral_key"].astype(object)
    out["practice"] = frame["gpprac"].astype(object)
    out["referrer"] = frame["referrer"].astype("string").fillna("").astype(object)
    out["provider"] = frame["procode3"].astype("string").fillna("").astype(object)
    out["specialty"] = frame["tretspef"].astype("string").fillna("").astype(object)
    out["priority"] = _per_value(frame["priority"], priority_of)
    out["source"] = _per_value(frame["refsourc"], lambda v: source_of(v, words=True))
    flag = frame["first_attendance"].astype("string").str.strip().str.upper()
    out["led_to_first_attendance"] = flag.isin(list(_YES)).fillna(False).to_numpy(dtype=bool)
    bad_flag = (flag.notna() & ~flag.isin(list(_YES | _NO))).fillna(False).to_numpy(dtype=bool)

    raw_date = frame["reqdate"].astype("string").str.strip()
    out["referral_date"] = valid_dates(raw_date)
    date_missing = raw_date.isna().to_numpy(dtype=bool)
    date_bad = ~date_missing & out["referral_date"].isna().to_numpy(dtype=bool)
    future = (out["referral_date"] > pd.Timestamp(today)).fillna(False).to_numpy(dtype=bool)
    key_missing = out["referral_key"].isna().to_numpy(dtype=bool)
    source_bad = out["source"].isna().to_numpy(dtype=bool)

    reason = np.full(n, Reason.NONE.value, dtype=object)
    outcome = np.full(n, LOADED, dtype=object)
    # The first rule that applies names the row's reason (most basic first).
    for mask, why in reversed(
        [
            (key_missing, Reason.RECORD_KEY_MISSING),
            (date_missing, Reason.DATE_MISSING),
            (date_bad, Reason.DATE_UNPARSEABLE),
            (future, Reason.DATE_IN_FUTURE),
            (source_bad | bad_flag, Reason.VALUE_UNPARSEABLE),
        ]
    ):
        reason[mask] = why.value
        outcome[mask] = Outcome.REJECTED.value
    if (
        "invalid" in frame
    ):  # a code that breaks its pattern, or a value too long to store (the reader's check)
        code_bad = frame["invalid"].notna().to_numpy(dtype=bool) & (reason == Reason.NONE.value)
        reason[code_bad] = frame["invalid"].to_numpy(dtype=object)[code_bad]
        outcome[code_bad] = Outcome.REJECTED.value
    candidates = outcome == LOADED
    keys = out["referral_key"]
    loaded = candidates & keys.isin(set(loaded_keys)).to_numpy(dtype=bool)
    repeated = np.zeros(n, dtype=bool)
    fresh = np.flatnonzero(candidates & ~loaded)
    repeated[fresh] = keys.iloc[fresh].duplicated(keep="first").to_numpy()
    outcome[loaded | repeated] = Outcome.DUPLICATE.value
    reason[loaded] = Reason.DUPLICATE_LOADED.value
    reason[repeated] = Reason.DUPLICATE_IN_FILE.value
    practice_reason = practice_reasons.astype(object).to_numpy()
    attributable = outcome == LOADED
    elsewhere = attributable & (practice_reason == Reason.PRACTICE_OUTSIDE_PCT.value)
    unattributed = attributable & (practice_reason != Reason.NONE.value) & ~elsewhere
    outcome[elsewhere] = Outcome.NON_PCT.value
    outcome[unattributed] = Outcome.UNATTRIBUTED.value
    reason[elsewhere | unattributed] = practice_reason[elsewhere | unattributed]
    out["outcome"] = outcome
    out["reason"] = reason
    return out


def outpatient_referrals(lines: pd.DataFrame) -> pd.DataFrame:
    """The referrals among outpatient attendances (DOMAIN 10).

    ``lines``: one row per attendance with ``firstatt``, ``refsourc``, ``reqdate`` (datetime64: a valid
    REQDATE, NaT otherwise — :func:`valid_dates`), ``activity_date`` (the appointment), ``tretspef`` and
    ``priority``, plus any columns to carry (e.g. ``practice``). Returns the first attendances (attended or
    not) with ``referral_date``, ``month`` (first of the referral month), ``specialty``, ``priority``,
    ``source`` and ``source_group`` ("gp" only for REFSOURC 03).
    """
    first = lines["firstatt"].astype("string").str.strip().isin(list(OP_FIRST)).fillna(False)
    out = lines.loc[first.to_numpy(dtype=bool)].copy()
    out["referral_date"] = pd.to_datetime(out["reqdate"]).fillna(pd.to_datetime(out["activity_date"]))
    out["month"] = out["referral_date"].dt.to_period("M").dt.start_time
    out["specialty"] = out["tretspef"].astype("string").fillna("").astype(object)
    out["priority"] = _per_value(out["priority"], priority_of)
    sources = _per_value(out["refsourc"], source_of)
    out["source"] = sources.where(sources.notna(), ReferralSource.OTHER.value)
    out["source_group"] = out["source"].map(source_group)
    return out


def rate_per_1000(referrals: int, list_size: int | None) -> Decimal | None:
    """Referrals per 1,000 registered patients, half-up to 2 dp; None without a list size."""
    if list_size is None or pd.isna(list_size) or not list_size:
        return None
    return (Decimal(int(referrals)) * 1000 / Decimal(int(list_size))).quantize(CENT, ROUND_HALF_UP)


def _median_with_zeros(rates: list[Decimal], zeros: int) -> Decimal | None:
    """The median of ``zeros`` zero rates and the sorted ``rates`` (peers that made no referral count)."""
    n = zeros + len(rates)
    if n <= 0:
        return None

    def at(i: int) -> Decimal:
        return Decimal(0) if i < zeros else rates[i - zeros]

    middle = at(n // 2) if n % 2 else (at(n // 2 - 1) + at(n // 2)) / 2
    return Decimal(middle).quantize(CENT, ROUND_HALF_UP)


def _peer_columns(rows: pd.DataFrame, keys: list[str], peers: pd.DataFrame, peer_keys: list[str]) -> tuple:
    """Median rate and funnel status of each row within its peer group: ``keys`` name the measure (and the
    group), ``peers`` hold the group's listed practices (``count``) and patients (``sum``) per
    ``peer_keys``."""
    listed = rows["list_size"].notna().to_numpy()
    size = rows[peer_keys].merge(peers, on=peer_keys, how="left")
    population, practices = (
        size["sum"].fillna(0).to_numpy(),
        size["count"].fillna(0).astype("int64").to_numpy(),
    )
    events = rows["referrals"].where(listed, 0)
    pooled = events.groupby([rows[k] for k in keys]).transform("sum").to_numpy()
    statuses = funnel_statuses(
        events=rows["referrals"].to_numpy(), population=rows["list_size"].fillna(0).to_numpy(),
        pooled_events=pooled, pooled_population=population, method="poisson",
    )  # fmt: skip
    medians: list[Decimal | None] = [None] * len(rows)
    for _, at in rows.groupby(keys, sort=False).indices.items():
        rates = sorted(r for r in rows["rate_per_1000"].iloc[at] if r is not None)
        median_rate = _median_with_zeros(rates, int(practices[at[0]]) - len(rates))
        for i in at:
            medians[i] = median_rate
    return medians, [funnel_position(s) if ok else None for s, ok in zip(statuses, listed, strict=True)]


def rate_table(counts: pd.DataFrame, practices: pd.DataFrame, lists: pd.DataFrame) -> pd.DataFrame:
    """Rates of a PCT's practices against their peers, for every measure at once.

    ``counts``: ``practice_id``, ``specialty``, ``month``, ``source``, ``referrals`` (the rows with
    referrals); ``practices``: ``practice_id``, ``locality`` (None without one) for every practice of the
    PCT; ``lists``: ``practice_id``, ``month``, ``list_size`` (the list sizes known). Adds to each count row
    ``locality``, ``list_size`` (None when not known), ``rate_per_1000`` (Decimal, half-up 2 dp),
    ``ytd_referrals`` and ``ytd_rate_per_1000`` (April to the month, at the month's list), ``peer_median``
    (median rate of the PCT's practices with a list that month — those that made no referral at 0),
    ``locality_median``, and the funnel-plot positions ``funnel_pct`` and ``funnel_locality`` ("within
    95%", "between 95% and 99.8%", "beyond 99.8%"; None without a list, or without a locality).
    """
    columns = ["locality", "list_size", "rate_per_1000", "ytd_referrals", "ytd_rate_per_1000", "peer_median",
               "locality_median", "funnel_pct", "funnel_locality"]  # fmt: skip
    if counts.empty:
        return pd.DataFrame(columns=[*counts.columns, *columns])
    rows = (
        counts.merge(lists, on=["practice_id", "month"], how="left")
        .merge(practices, on="practice_id", how="left")
        .sort_values(["practice_id", "specialty", "source", "month"])
        .reset_index(drop=True)
    )
    rows["list_size"] = (
        rows["list_size"].astype("Int64").astype(object).where(rows["list_size"].notna(), None)
    )
    rows["ytd_referrals"] = rows.groupby(["practice_id", "specialty", "source"])["referrals"].cumsum()
    rows["rate_per_1000"] = [
        rate_per_1000(r, n) for r, n in zip(rows["referrals"], rows["list_size"], strict=True)
    ]
    rows["ytd_rate_per_1000"] = [
        rate_per_1000(r, n) for r, n in zip(rows["ytd_referrals"], rows["list_size"], strict=True)
    ]
    listed = lists.merge(practices, on="practice_id", how="left")
    by_month = listed.groupby("month")["list_size"].agg(["sum", "count"]).reset_index()
    rows["peer_median"], rows["funnel_pct"] = _peer_columns(
        rows, ["specialty", "month", "source"], by_month, ["month"]
    )
    rows["locality_median"], rows["funnel_locality"] = None, None
    local = rows["locality"].notna().to_numpy()
    if local.any():
        part = rows[local].reset_index(drop=True)
        by_locality = listed.dropna(subset=["locality"]).groupby(["locality", "month"])["list_size"]
        medians, positions = _peer_columns(
            part, ["specialty", "month", "source", "locality"], by_locality.agg(["sum", "count"]).reset_index(),
            ["locality", "month"],
        )  # fmt: skip
        rows.loc[local, "locality_median"] = pd.Series(medians, dtype=object).to_numpy()
        rows.loc[local, "funnel_locality"] = pd.Series(positions, dtype=object).to_numpy()
    for column in ("peer_median", "locality_median", "funnel_pct", "funnel_locality"):
        rows[column] = rows[column].astype(object).where(rows[column].notna(), None)
    return rows
