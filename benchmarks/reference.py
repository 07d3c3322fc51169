"""The DuckDB reference: the same ingest computation in SQL, on the same file.

    python -m benchmarks.reference --extract benchmarks/data/seed20070401/apc_100000.csv --out /tmp/ref.parquet

Reads the CSV, gives every spell one outcome and a price by the rules of DOMAIN.md section 4 (written here
from the rules, independently of ``activity.costing``), aggregates to the stored grain (``costing.GRAIN``) and
writes Parquet. Prints one ``BENCH_RESULT {json}`` line: wall time of that work, peak RSS, group count, and
the totals the benchmark compares with what the app published (see :func:`fingerprint_sql`).

Rules, in the order they decide a spell's outcome (the app's documented order):

* rejected — discharge or admission date missing (blank, HES null tokens, 1800-01-01) or unusable
  (1801-01-01, not a date); SPELDUR not a whole number; an impossible stay (discharge before admission,
  negative SPELDUR, over 100 years); discharge outside the financial year or after today;
* duplicate — a record key (SUSSPELLID) already seen on an earlier, non-rejected row of the file;
* unattributed — practice code missing, a default code (V81997/8/9), or not a letter and five digits;
  non-PCT — any other code that is not one of the PCT's practices (the product holds its own PCT's practices,
  not the national list, so a well-formed unknown code counts as non-PCT — ``services._cost_and_store``);
* uncosted — no HRG, HRG not in the tariff, no tariff price for the POD; otherwise costed.

Pricing: POD EL/DC from ADMIMETH 11–13 (CLASSPAT 2 → DC), else NEL. Length of stay = SPELDUR, or the dates'
difference when it is blank. Base = DC: day-case tariff, else the combined elective one; EL: ordinary
elective tariff, else the combined one; NEL: the short-stay emergency tariff when the spell is eligible (age
≥ 19 or STARTAGE 7001–7007 counted as 0, stay < 2 days) and the HRG has one, else the non-elective tariff.
Plus max(0, stay − trim point of the POD) × excess bed day rate, except for day cases and SSEM spells.
A provider's local row replaces the national row of the HRG. × MFF (1.00000 and flagged when the provider
has none), rounded half-up to the penny once: (pence × MFF×10⁵ + 50,000) div 100,000. Unattributed and
non-PCT spells are priced too (their value is reported); rejected and duplicate spells are not.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

GRAIN = (
    "practice", "month", "pod", "provider", "tretspef", "hrg", "ae_type", "los_days", "ssem_eligible",
    "outcome", "reason", "price_reason", "mff_defaulted",
)  # fmt: skip
TEXT_GRAIN = (
    "practice",
    "pod",
    "provider",
    "tretspef",
    "hrg",
    "ae_type",
    "outcome",
    "reason",
    "price_reason",
)

MACROS = """
CREATE OR REPLACE MACRO clean(x) AS
    CASE WHEN x IS NULL OR trim(x) IN ('', '&', 'null', 'NULL') THEN NULL ELSE upper(trim(x)) END;
CREATE OR REPLACE MACRO date_status(x) AS
    CASE WHEN clean(x) IS NULL OR clean(x) IN ('1800-01-01', '01/01/1800') THEN 1
         WHEN clean(x) IN ('1801-01-01', '01/01/1801') THEN 2
         WHEN coalesce(try_strptime(clean(x), '%Y-%m-%d'), try_strptime(clean(x), '%d/%m/%Y')) IS NULL THEN 2
         ELSE 0 END;
CREATE OR REPLACE MACRO as_date(x) AS
    CAST(coalesce(try_strptime(clean(x), '%Y-%m-%d'), try_strptime(clean(x), '%d/%m/%Y')) AS DATE);
CREATE OR REPLACE MACRO pence(x) AS
    CASE WHEN clean(x) IS NULL THEN NULL ELSE CAST(CAST(trim(x) AS DECIMAL(18, 2)) * 100 AS BIGINT) END;
"""


def costing_sql(fy_start: date, fy_end: date, today: date) -> str:
    """One SELECT over ``raw`` (the extract as text), ``tariff``, ``mff`` and ``practices``: one row per spell."""
    return f"""
WITH spells AS (
    SELECT line,
           CASE WHEN SUSSPELLID IS NULL OR trim(SUSSPELLID) IN ('', '&', 'null', 'NULL') THEN NULL
                ELSE trim(SUSSPELLID) END AS record_key,
           clean(GPPRAC) AS gpprac, clean(PROCODE3) AS provider, clean(TRETSPEF) AS tretspef,
           clean(SUSHRG) AS hrg, clean(ADMIMETH) AS admimeth, clean(CLASSPAT) AS classpat,
           date_status(DISDATE) AS dis_status, as_date(DISDATE) AS dis,
           date_status(ADMIDATE) AS adm_status, as_date(ADMIDATE) AS adm,
           CASE WHEN clean(SPELDUR) IS NULL THEN 1
                WHEN regexp_full_match(trim(SPELDUR), '-?[0-9]{{1,9}}') THEN 0 ELSE 2 END AS speldur_status,
           TRY_CAST(trim(SPELDUR) AS BIGINT) AS speldur,
           CASE WHEN clean(STARTAGE) IS NULL OR NOT regexp_full_match(trim(STARTAGE), '-?[0-9]{{1,9}}') THEN -1
                WHEN CAST(trim(STARTAGE) AS BIGINT) BETWEEN 7001 AND 7007 THEN 0
                WHEN CAST(trim(STARTAGE) AS BIGINT) BETWEEN 0 AND 150 THEN CAST(trim(STARTAGE) AS BIGINT)
                ELSE -1 END AS age
    FROM raw
), stays AS (
    SELECT *,
           dis_status = 0 AND adm_status = 0 AS dates_ok,
           CASE WHEN speldur_status = 0 THEN speldur ELSE date_diff('day', adm, dis) END AS los_raw
    FROM spells
), judged AS (
    SELECT *,
           dates_ok AND (dis < adm OR (speldur_status = 0 AND speldur < 0) OR los_raw > 36525) AS impossible
    FROM stays
), rejected AS (
    SELECT *,
           CASE WHEN dis_status = 1 THEN 'date_missing'
                WHEN dis_status = 2 THEN 'date_unparseable'
                WHEN adm_status = 1 THEN 'date_missing'
                WHEN adm_status = 2 THEN 'date_unparseable'
                WHEN speldur_status = 2 THEN 'value_unparseable'
                WHEN impossible THEN 'impossible_stay'
                WHEN dis < DATE '{fy_start}' OR dis > DATE '{fy_end}' THEN 'date_outside_financial_year'
                WHEN dis > DATE '{today}' THEN 'date_in_future'
                ELSE NULL END AS reject_reason,
           dates_ok AND speldur_status <> 2 AND NOT impossible AS los_ok
    FROM judged
), deduped AS (
    SELECT *,
           reject_reason IS NULL AND record_key IS NOT NULL
           AND row_number() OVER (
               PARTITION BY record_key, (reject_reason IS NULL AND record_key IS NOT NULL) ORDER BY line
           ) > 1 AS duplicate,
           CASE WHEN los_ok THEN los_raw ELSE 0 END AS los,
           CASE WHEN admimeth IN ('11', '12', '13') THEN (CASE WHEN classpat = '2' THEN 'DC' ELSE 'EL' END)
                ELSE 'NEL' END AS pod
    FROM rejected
), attributed AS (
    SELECT d.*,
           CASE WHEN d.gpprac IS NULL THEN 'practice_code_missing'
                WHEN d.gpprac IN ('V81997', 'V81998', 'V81999') THEN 'practice_code_default'
                WHEN NOT regexp_full_match(d.gpprac, '[A-Z][0-9]{{5}}') THEN 'practice_code_invalid'
                WHEN p.pct = 'own' THEN ''
                ELSE 'practice_outside_pct' END AS practice_reason,
           d.pod = 'NEL' AND d.age >= 19 AND d.los_ok AND d.los < 2 AS ssem
    FROM deduped d LEFT JOIN practices p ON p.code = d.gpprac
), tariffed AS (
    SELECT a.*,
           (l.hrg IS NOT NULL OR n.hrg IS NOT NULL) AS in_tariff,
           CASE WHEN l.hrg IS NOT NULL THEN l.elective ELSE n.elective END AS elective,
           CASE WHEN l.hrg IS NOT NULL THEN l.non_elective ELSE n.non_elective END AS non_elective,
           CASE WHEN l.hrg IS NOT NULL THEN l.day_case ELSE n.day_case END AS day_case,
           CASE WHEN l.hrg IS NOT NULL THEN l.ordinary ELSE n.ordinary END AS ordinary,
           CASE WHEN l.hrg IS NOT NULL THEN l.ssem_price ELSE n.ssem_price END AS ssem_price,
           CASE WHEN l.hrg IS NOT NULL THEN l.el_trim ELSE n.el_trim END AS el_trim,
           CASE WHEN l.hrg IS NOT NULL THEN l.nel_trim ELSE n.nel_trim END AS nel_trim,
           CASE WHEN l.hrg IS NOT NULL THEN l.bed_day ELSE n.bed_day END AS bed_day,
           coalesce(m.mff_scaled, 100000) AS mff_scaled, m.provider IS NULL AS mff_missing
    FROM attributed a
    LEFT JOIN tariff l ON l.provider IS NOT NULL AND l.hrg = a.hrg AND l.provider = a.provider
    LEFT JOIN tariff n ON n.provider IS NULL AND n.hrg = a.hrg
    LEFT JOIN mff m ON m.provider = a.provider
), based AS (
    SELECT *,
           pod = 'NEL' AND ssem AND ssem_price IS NOT NULL AS use_ssem,
           CASE pod WHEN 'DC' THEN coalesce(day_case, elective)
                    WHEN 'EL' THEN coalesce(ordinary, elective)
                    ELSE (CASE WHEN ssem AND ssem_price IS NOT NULL THEN ssem_price ELSE non_elective END) END
               AS base,
           CASE WHEN pod = 'EL' THEN el_trim ELSE nel_trim END AS trim_point
    FROM tariffed
), priced AS (
    SELECT *,
           reject_reason IS NULL AND NOT duplicate AS active,
           CASE WHEN hrg IS NULL THEN 'no_hrg'
                WHEN NOT in_tariff THEN 'hrg_not_in_tariff'
                WHEN base IS NULL THEN 'no_price_for_pod'
                ELSE '' END AS pricing_reason,
           CASE WHEN trim_point IS NOT NULL AND pod <> 'DC' AND NOT use_ssem
                THEN greatest(los - trim_point, 0) ELSE 0 END AS excess
    FROM based
), costed AS (
    SELECT *,
           active AND pricing_reason = '' AS has_price,
           (CAST(base + excess * coalesce(bed_day, 0) AS HUGEINT) * mff_scaled + 50000) // 100000 AS price
    FROM priced
)
SELECT
    CASE WHEN practice_reason IN ('', 'practice_outside_pct') THEN gpprac END AS practice,
    CASE WHEN dis_status = 0 THEN CAST(date_trunc('month', dis) AS DATE) END AS month,
    pod, provider, tretspef, hrg,
    CAST(NULL AS VARCHAR) AS ae_type,
    CASE WHEN los_ok AND pod IN ('EL', 'NEL') AND active THEN los END AS los_days,
    ssem AND reject_reason IS NULL AS ssem_eligible,
    CASE WHEN reject_reason IS NOT NULL THEN 'rejected'
         WHEN duplicate THEN 'duplicate'
         WHEN practice_reason NOT IN ('', 'practice_outside_pct') THEN 'unattributed'
         WHEN practice_reason = 'practice_outside_pct' THEN 'non_pct'
         WHEN NOT has_price THEN 'uncosted'
         ELSE 'costed' END AS outcome,
    CASE WHEN reject_reason IS NOT NULL THEN reject_reason
         WHEN duplicate THEN 'duplicate_key_in_file'
         WHEN practice_reason <> '' THEN practice_reason
         ELSE (CASE WHEN has_price THEN '' ELSE pricing_reason END) END AS reason,
    CASE WHEN active THEN pricing_reason ELSE '' END AS price_reason,
    mff_missing AND has_price AS mff_defaulted,
    CASE WHEN has_price THEN CAST(price AS BIGINT) END AS price_pence,
    CASE WHEN has_price THEN excess END AS excess_days
FROM costed
"""


def aggregate_sql(fy_start: date, fy_end: date, today: date) -> str:
    grain = ", ".join(GRAIN)
    return f"""
SELECT {grain}, CAST(count(*) AS BIGINT) AS activity, CAST(sum(price_pence) AS BIGINT) AS price_pence,
       CAST(sum(excess_days) AS BIGINT) AS excess_days
FROM ({costing_sql(fy_start, fy_end, today)})
GROUP BY ALL
"""


def fingerprint_sql(
    table: str, *, practice: str, cost: str, month_text: str, blank_duplicates: bool = False
) -> dict[str, str]:
    """The totals compared between the app's stored aggregates and the reference (same SQL on both sides).

    ``by_outcome``: rows and value per outcome and reason (must match to the penny); ``coarse``: rows, value
    and excess days per outcome × reason × price reason × POD × provider × month × MFF flag × SSEM flag;
    ``practices``: rows and value per practice code and outcome; ``groups``: distinct full-grain groups.
    ``practice``, ``cost`` and ``month_text`` are the table's expressions for the practice code, the value in
    pence and the month as ``YYYY-MM-DD`` text ('' when unknown). ``blank_duplicates`` reads duplicate rows'
    price reason, excess days and MFF flag as blank/0/false, as ``cost_activity`` leaves them (see
    ``anomaly_sql`` for the rows where the app stored otherwise).
    """
    text = {c: f"coalesce({c}, '')" for c in TEXT_GRAIN}
    text["practice"] = f"coalesce({practice}, '')"
    mff, excess = "CAST(mff_defaulted AS INTEGER)", "coalesce(excess_days, 0)"
    if blank_duplicates:
        dup = "coalesce(outcome, '') = 'duplicate'"
        text["price_reason"] = f"(CASE WHEN {dup} THEN '' ELSE {text['price_reason']} END)"
        mff = f"(CASE WHEN {dup} THEN 0 ELSE {mff} END)"
        excess = f"(CASE WHEN {dup} THEN 0 ELSE {excess} END)"
    coarse = ", ".join(
        [text["outcome"], text["reason"], text["price_reason"], text["pod"], text["provider"], month_text]
        + [mff, "CAST(ssem_eligible AS INTEGER)"]
    )
    grain = ", ".join(
        [text.get(c, c) for c in GRAIN if c not in ("month", "ssem_eligible", "mff_defaulted")]
        + [month_text, mff, "CAST(ssem_eligible AS INTEGER)"]
    )
    sums = f"SUM(activity), SUM(coalesce({cost}, 0))"
    by_outcome = f"{text['outcome']}, {text['reason']}"
    by_practice = f"{text['practice']}, {text['outcome']}"
    return {
        "by_outcome": f"SELECT {by_outcome}, {sums} FROM {table} GROUP BY {by_outcome}",
        "coarse": f"SELECT {coarse}, {sums}, SUM({excess}) FROM {table} GROUP BY {coarse}",
        "practices": f"SELECT {by_practice}, {sums} FROM {table} GROUP BY {by_practice}",
        "groups": f"SELECT COUNT(*) FROM (SELECT 1 AS one FROM {table} GROUP BY {grain}) g",
    }


def anomaly_sql(table: str) -> str:
    """Duplicate rows stored with a price reason, excess days or an MFF flag (in-chunk duplicates have none)."""
    return (
        f"SELECT COUNT(*), coalesce(SUM(activity), 0) FROM {table} WHERE outcome = 'duplicate' AND "
        "(coalesce(price_reason, '') <> '' OR coalesce(excess_days, 0) <> 0 OR CAST(mff_defaulted AS INTEGER) = 1)"
    )


def normalise(rows) -> list[list]:
    """Query rows as sorted JSON-able lists: numbers (int, bool, Decimal sums) as int, the rest as text."""
    return sorted(
        [int(v) if isinstance(v, int | bool | Decimal) else ("" if v is None else str(v)) for v in row]
        for row in rows
    )


def load_inputs(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    con.execute(MACROS)
    con.execute(
        f"""
        CREATE OR REPLACE TABLE tariff AS
        SELECT clean(HRG) AS hrg, clean(PROCODE3) AS provider,
               pence(ELECTIVE_TARIFF) AS elective, pence(NON_ELECTIVE_TARIFF) AS non_elective,
               pence(DAY_CASE_TARIFF) AS day_case, pence(ORDINARY_ELECTIVE_TARIFF) AS ordinary,
               pence(SSEM_TARIFF) AS ssem_price, pence(EXCESS_BED_DAY) AS bed_day,
               TRY_CAST(clean(ELECTIVE_TRIMPOINT_DAYS) AS BIGINT) AS el_trim,
               TRY_CAST(clean(NON_ELECTIVE_TRIMPOINT_DAYS) AS BIGINT) AS nel_trim
        FROM read_csv('{folder / "tariff_admitted.csv"}', header = true, all_varchar = true)
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TABLE mff AS
        SELECT clean(PROCODE3) AS provider, CAST(CAST(trim(MFF) AS DECIMAL(18, 5)) * 100000 AS BIGINT) AS mff_scaled
        FROM read_csv('{folder / "tariff_mff.csv"}', header = true, all_varchar = true)
        """
    )
    con.execute(
        f"""CREATE OR REPLACE TABLE practices AS
        SELECT upper(trim(code)) AS code, pct FROM read_csv('{folder / "practices.csv"}', header = true, all_varchar = true)"""
    )


def run(extract: Path, out: Path, *, fy_start_year: int = 2007, today: date | None = None) -> dict:
    today = today or date.today()
    fy_start, fy_end = date(fy_start_year, 4, 1), date(fy_start_year + 1, 3, 31)
    started = time.perf_counter()
    con = duckdb.connect()
    load_inputs(con, extract.parent)
    # Every column as text, as the app reads it; the file's line order numbers the rows (first occurrence
    # of a record key wins).
    con.execute(
        f"""CREATE OR REPLACE VIEW raw AS
        SELECT row_number() OVER () + 1 AS line, *
        FROM read_csv('{extract}', header = true, all_varchar = true, parallel = true)"""
    )
    con.execute(
        f"COPY ({aggregate_sql(fy_start, fy_end, today)}) TO '{out}' (FORMAT parquet, COMPRESSION zstd)"
    )
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    rss_mb = usage.ru_maxrss / 1024
    con.execute(f"CREATE VIEW agg AS SELECT * FROM read_parquet('{out}')")
    queries = fingerprint_sql(
        "agg", practice="practice", cost="price_pence", month_text="coalesce(CAST(month AS VARCHAR), '')"
    )
    result = {name: normalise(con.execute(sql).fetchall()) for name, sql in queries.items()}
    return {
        "seconds": seconds,
        "cpu_s": usage.ru_utime + usage.ru_stime,  # all threads
        "load_average": os.getloadavg(),
        "peak_rss_mb": rss_mb,
        "threads": int(con.execute("SELECT current_setting('threads')").fetchone()[0]),
        "groups": result.pop("groups")[0][0],
        "rows": sum(r[2] for r in result["by_outcome"]),
        **result,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--extract", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--fy", type=int, default=2007)
    args = parser.parse_args()
    print("BENCH_RESULT " + json.dumps(run(args.extract.resolve(), args.out, fy_start_year=args.fy)))


if __name__ == "__main__":
    main()
