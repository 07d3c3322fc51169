"""Seeded generator of synthetic SUS-style APC spell extracts, matching tariff files and a practice list.

    python -m benchmarks.generate --spells 1000000 [--seed 20070401] [--data-dir benchmarks/data]

Writes, under ``<data-dir>/seed<seed>/`` (``benchmarks/data/`` is git-ignored):

* ``apc_<spells>.csv`` — one row per spell for financial year 2007/08, SUS PbR column names plus junk columns
  real extracts carry (one of them quoted, with commas inside). Written a chunk at a time, so memory stays
  flat whatever ``--spells`` is.
* ``tariff_admitted.csv``, ``tariff_outpatient.csv``, ``tariff_mff.csv`` — the year's tariff in the product's
  import format (DOMAIN.md section 9), including local prices for one provider and HRGs with gaps.
* ``practices.csv`` — ``code,pct``: the benchmark PCT's practices (``own``) and a neighbouring PCT's (``other``),
  so that the ingest can tell non-PCT activity from unattributed activity.
* ``world.json`` — the parameters the files were drawn with.

What the extract looks like (all shares are per spell and approximate):

* ~300 practices with Zipf-like volumes (codes letter + 5 digits); ~1.5% of spells from another PCT's
  practices (non-PCT); ~1.2% unattributed: ``V81999``/``V81998``/``V81997``, blank, ``&``, malformed or unknown
  codes.
* 5 providers (each practice has a home provider taking ~70% of its spells); one provider has no MFF.
* ~500 tariff HRGs with Zipf-like volumes, each with its own elective/day-case/emergency mix and stay length;
  ~1% blank HRG, ~0.4% ``UZ01Z`` (ungroupable) and ~1.2% HRGs absent from the tariff; a few HRGs have no
  non-elective (or no elective) price.
* Stays: day cases 0 days; elective and emergency stays gamma-Poisson with a long tail (capped at 400 days);
  ~0.3% without SPELDUR (derived from the dates).
* A few rejected rows (discharge after the year, discharge before admission, invalid 1801-01-01 admission)
  and ~0.05% resent spells (an exact copy of an earlier row, possibly in an earlier chunk).
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

DEFAULT_SEED = 20070401
DEFAULT_DATA_DIR = Path(__file__).resolve().parent / "data"
FY_START = np.datetime64("2007-04-01")
FY_DAYS = 366  # 2007-04-01 .. 2008-03-31 (2008 is a leap year)
CHUNK = 250_000

PROVIDERS = ("RD1", "RBA", "RA7", "RVJ", "RTH")
PROVIDER_SHARE = (0.50, 0.25, 0.12, 0.08, 0.05)
MFF = {"RD1": "1.03212", "RBA": "0.98765", "RA7": "1.11111", "RVJ": "1.00347"}  # RTH: none (defaulted)
LOCAL_PRICE_PROVIDER = "RBA"

# HRG4 chapters with the treatment functions that mostly treat them.
CHAPTERS = (
    ("AA", ("400", "300")),
    ("BZ", ("130",)),
    ("CZ", ("120", "140", "145")),
    ("DZ", ("340", "300")),
    ("EA", ("320", "300")),
    ("EB", ("320", "170")),
    ("FZ", ("100", "301")),
    ("GA", ("100", "301")),
    ("HA", ("110",)),
    ("HB", ("110", "410")),
    ("HC", ("110", "150")),
    ("HD", ("410", "300")),
    ("JA", ("103", "100")),
    ("JC", ("330", "160")),
    ("KA", ("302", "300")),
    ("LA", ("361", "300")),
    ("LB", ("101",)),
    ("MA", ("502",)),
    ("NZ", ("501",)),
    ("PA", ("420",)),
    ("QZ", ("107", "100")),
    ("SA", ("303", "300")),
    ("WA", ("300", "180")),
)
EL_ADMIMETH = (("11", 0.80), ("12", 0.15), ("13", 0.05))
NEL_ADMIMETH = (
    ("21", 0.58), ("22", 0.08), ("23", 0.02), ("24", 0.02), ("28", 0.10), ("2A", 0.01), ("2B", 0.01),
    ("2D", 0.01), ("31", 0.10), ("32", 0.02), ("81", 0.05),
)  # fmt: skip
DIAG = np.array(["F321", "Z370", "I500", "Z740", "O721", "R54X", "N133", "K359", "J189", "I219", "S7200"])
OPER = np.array(["", "", "C751", "H229", "W371", "Q071", "M421", "K401", "G451", "W401"])
ETHNOS = np.array(["A", "B", "C", "D", "H", "J", "K", "M", "N", "P", "R", "S", "Z", "99"])
COLUMNS = (
    "SUSSPELLID", "PSEUDO_HESID", "FYEAR", "GPPRAC", "PROCODE3", "PROCODE5", "TRETSPEF", "SUSHRG",
    "ADMIDATE", "DISDATE", "ADMIMETH", "CLASSPAT", "SPELDUR", "STARTAGE", "SEX", "ETHNOS", "DIAG_4_01",
    "DIAG_4_CONCAT", "OPERTN_4_01", "LSOA01",
)  # fmt: skip

# Shares of spells (unattributed codes add up to ~1.2%).
NON_PCT_SHARE = 0.015
UNATTRIBUTED = (
    ("V81999", 0.0045), ("", 0.0030), ("&", 0.0015), ("V81998", 0.0005), ("V81997", 0.0005),
    ("~unknown", 0.0010), ("~malformed", 0.0010),
)  # fmt: skip
BLANK_HRG, UNGROUPABLE_HRG, GHOST_HRG = 0.010, 0.004, 0.012
NO_SPELDUR = 0.003
REJECT_AFTER_YEAR, REJECT_BACKWARDS, REJECT_INVALID_ADMIDATE = 0.0008, 0.0002, 0.0001
RESENT = 0.0005


@dataclass
class World:
    """Everything that does not depend on the number of spells: organisations, HRGs and their tariff."""

    seed: int
    own_practices: list[str]
    other_practices: list[str]
    practice_weight: list[float]
    home_provider: list[int]
    hrgs: list[str]  # tariff HRGs, then HRGs missing from the tariff
    in_tariff: int  # how many of ``hrgs`` are in the tariff
    hrg_weight: list[float]
    p_elective: list[float]
    p_day_case: list[float]
    el_los_mean: list[float]
    nel_los_mean: list[float]
    hrg_tretspef: list[list[str]]


def build_world(seed: int = DEFAULT_SEED) -> World:
    rng = np.random.default_rng([seed, 0])
    own = [f"L{81 + i // 100:02d}{i % 100 + 1:03d}" for i in range(300)]
    other = [f"M{85 + i // 100:02d}{i % 100 + 1:03d}" for i in range(40)]
    # Zipf-like practice volumes (list sizes from ~1,500 to ~20,000), in a shuffled code order.
    rank = rng.permutation(len(own)) + 1
    practice_weight = 1.0 / rank**0.7
    home = rng.choice(3, size=len(own), p=[0.6, 0.3, 0.1])

    codes: list[str] = []
    code_tf: list[tuple[str, ...]] = []
    number = {c: 0 for c, _ in CHAPTERS}
    while len(codes) < 500:
        chapter, tfs = CHAPTERS[int(rng.integers(len(CHAPTERS)))]
        number[chapter] += 1
        if number[chapter] > 89:
            continue
        root = f"{chapter}{number[chapter]:02d}"
        splits = ("Z",) if rng.random() < 0.4 else ("A", "B", "C")[: int(rng.integers(2, 4))]
        for s in splits:
            codes.append(root + s)
            code_tf.append(tfs)
    codes, code_tf = codes[:500], code_tf[:500]
    ghosts = [f"{chapter}9{k}Z" for k, (chapter, _) in enumerate(CHAPTERS[:10])]  # never in the tariff
    ghost_tf = [tfs for _, tfs in CHAPTERS[:10]]

    weight = 1.0 / (rng.permutation(len(codes)) + 1) ** 0.8
    weight = weight / weight.sum() * (1 - GHOST_HRG)
    ghost_weight = np.full(len(ghosts), GHOST_HRG / len(ghosts))
    n = len(codes) + len(ghosts)
    return World(
        seed=seed,
        own_practices=own,
        other_practices=other,
        practice_weight=(practice_weight / practice_weight.sum()).tolist(),
        home_provider=home.tolist(),
        hrgs=codes + ghosts,
        in_tariff=len(codes),
        hrg_weight=np.concatenate([weight, ghost_weight]).tolist(),
        p_elective=rng.beta(0.6, 0.6, n).tolist(),
        p_day_case=rng.beta(2.0, 1.0, n).tolist(),
        el_los_mean=(0.5 + rng.gamma(2.0, 1.5, n)).tolist(),
        nel_los_mean=(1.0 + rng.gamma(2.0, 2.5, n)).tolist(),
        hrg_tretspef=[list(t) for t in code_tf + ghost_tf],
    )


# ------------------------------------------------------------------------------------------------ tariffs
def _pounds(pence: np.ndarray) -> list[str]:
    return [f"{int(p) // 100}.{int(p) % 100:02d}" for p in pence]


def write_tariffs(world: World, folder: Path) -> None:
    rng = np.random.default_rng([world.seed, 1])
    n = world.in_tariff
    elective = np.round(rng.lognormal(np.log(180_000), 0.7, n)).astype(np.int64)
    non_elective = np.round(rng.lognormal(np.log(150_000), 0.7, n)).astype(np.int64)
    has_split = rng.random(n) < 0.4  # day case and ordinary elective priced separately
    day_case = np.round(elective * rng.uniform(0.6, 0.95, n)).astype(np.int64)
    ordinary = np.round(elective * rng.uniform(1.05, 1.4, n)).astype(np.int64)
    has_ssem = rng.random(n) < 0.3
    ssem = np.round(non_elective * rng.uniform(0.3, 0.7, n)).astype(np.int64)
    el_los, nel_los = np.array(world.el_los_mean[:n]), np.array(world.nel_los_mean[:n])
    el_trim = np.maximum(1, np.round(el_los * 3 + 2)).astype(np.int64)
    nel_trim = np.maximum(2, np.round(nel_los * 3 + 3)).astype(np.int64)
    bed_day = rng.integers(15_000, 35_001, n)
    no_el_trim = rng.random(n) < 0.02
    no_bed_day = rng.random(n) < 0.03
    no_nel_price = np.zeros(n, dtype=bool)
    no_el_price = np.zeros(n, dtype=bool)
    no_nel_price[rng.choice(n, 8, replace=False)] = True  # elective-only HRGs
    no_el_price[rng.choice(np.flatnonzero(~no_nel_price), 5, replace=False)] = True  # emergency-only HRGs

    def cell(values: np.ndarray, present: np.ndarray) -> list[str]:
        return [v if ok else "" for v, ok in zip(_pounds(values), present, strict=True)]

    el_cells = cell(elective, ~no_el_price)
    rows = [
        (
            world.hrgs[i], f"Synthetic HRG {world.hrgs[i]}", el_cells[i],
            cell(non_elective[i : i + 1], ~no_nel_price[i : i + 1])[0],
            "" if no_el_trim[i] else str(el_trim[i]), str(nel_trim[i]),
            "" if no_bed_day[i] else _pounds(bed_day[i : i + 1])[0],
            _pounds(day_case[i : i + 1])[0] if has_split[i] and not no_el_price[i] else "",
            _pounds(ordinary[i : i + 1])[0] if has_split[i] and not no_el_price[i] else "",
            _pounds(ssem[i : i + 1])[0] if has_ssem[i] and not no_nel_price[i] else "",
            "",
        )
        for i in range(n)
    ]  # fmt: skip
    # Local prices: one provider agreed its own rows for 15 of the busiest HRGs.
    busiest = np.argsort(-np.array(world.hrg_weight[:n]))[:15]
    for i in busiest:
        factor = rng.uniform(0.9, 1.1)
        local = _pounds(np.round(np.array([elective[i], non_elective[i]]) * factor).astype(np.int64))
        rows.append(
            (
                world.hrgs[i], f"Synthetic HRG {world.hrgs[i]} (local)", local[0], local[1],
                str(el_trim[i] + 1), str(nel_trim[i] + 1), _pounds(bed_day[i : i + 1] - 1_000)[0], "", "", "",
                LOCAL_PRICE_PROVIDER,
            )
        )  # fmt: skip
    header = (
        "HRG,HRG_NAME,ELECTIVE_TARIFF,NON_ELECTIVE_TARIFF,ELECTIVE_TRIMPOINT_DAYS,NON_ELECTIVE_TRIMPOINT_DAYS,"
        "EXCESS_BED_DAY,DAY_CASE_TARIFF,ORDINARY_ELECTIVE_TARIFF,SSEM_TARIFF,PROCODE3"
    )
    (folder / "tariff_admitted.csv").write_text(header + "\n" + "".join(",".join(r) + "\n" for r in rows))
    tfs = sorted({tf for tfs in world.hrg_tretspef for tf in tfs})
    op = [
        f"{tf},{_pounds(rng.integers(9_000, 30_000, 1))[0]},{_pounds(rng.integers(5_000, 15_000, 1))[0]}"
        for tf in tfs
    ]
    (folder / "tariff_outpatient.csv").write_text(
        "TRETSPEF,FIRST_ATTENDANCE,FOLLOW_UP_ATTENDANCE\n" + "\n".join(op) + "\n"
    )
    (folder / "tariff_mff.csv").write_text("PROCODE3,MFF\n" + "".join(f"{p},{m}\n" for p, m in MFF.items()))
    (folder / "practices.csv").write_text(
        "code,pct\n"
        + "".join(f"{c},own\n" for c in world.own_practices)
        + "".join(f"{c},other\n" for c in world.other_practices)
    )
    (folder / "world.json").write_text(json.dumps(asdict(world)))


# ------------------------------------------------------------------------------------------------ extract
class _Spells:
    """Draws spells a chunk at a time from one seeded stream (the same file for the same seed and size)."""

    def __init__(self, world: World, n: int) -> None:
        self.w = world
        self.n = n
        self.rng = np.random.default_rng([world.seed, 2, n])
        self.patients = max(1, int(n / 2.2))  # a patient has ~2.2 spells a year
        self.previous: dict[str, np.ndarray] | None = None
        hrgs = np.array(world.hrgs)
        self.hrgs = hrgs
        self.tf_main = np.array([t[0] for t in world.hrg_tretspef])
        self.tf_other = np.array([t[-1] for t in world.hrg_tretspef])
        self.own = np.array(world.own_practices)
        self.other = np.array(world.other_practices)
        self.providers = np.array(PROVIDERS)

    def chunk(self, start: int, m: int) -> dict[str, np.ndarray]:
        rng, w = self.rng, self.w
        hrg_i = rng.choice(len(w.hrgs), size=m, p=np.array(w.hrg_weight))
        elective = rng.random(m) < np.array(w.p_elective)[hrg_i]
        day_case = elective & (rng.random(m) < np.array(w.p_day_case)[hrg_i])
        ordinary_el = elective & ~day_case

        # Stay: gamma-Poisson around the HRG's mean, long right tail.
        mean = np.where(ordinary_el, np.array(w.el_los_mean)[hrg_i], np.array(w.nel_los_mean)[hrg_i])
        los = rng.poisson(rng.gamma(0.9, mean / 0.9))
        los = np.where(day_case, 0, np.minimum(los, 400)).astype(np.int64)

        # Discharge day: emergencies peak in winter.
        day = rng.integers(0, FY_DAYS, m)
        winter = (~elective) & (rng.random(m) < 0.08)
        day = np.where(winter, rng.integers(245, FY_DAYS, m), day)
        disdate = FY_START + day.astype("timedelta64[D]")
        admidate = disdate - los.astype("timedelta64[D]")

        # Practices: Zipf-like volumes; some non-PCT; ~1.2% unattributed codes.
        p_i = rng.choice(len(self.own), size=m, p=np.array(w.practice_weight))
        gpprac = self.own[p_i].astype(object)
        u = rng.random(m)
        non_pct = u < NON_PCT_SHARE
        gpprac[non_pct] = self.other[rng.integers(0, len(self.other), int(non_pct.sum()))]
        edge = NON_PCT_SHARE
        for code, share in UNATTRIBUTED:
            hit = (u >= edge) & (u < edge + share)
            edge += share
            k = int(hit.sum())
            if code == "~unknown":  # well formed, but no such practice
                gpprac[hit] = np.char.add("Y", np.char.zfill(rng.integers(10_000, 99_999, k).astype(str), 5))
            elif code == "~malformed":
                gpprac[hit] = np.char.add("L8", rng.integers(100, 999, k).astype(str))
            else:
                gpprac[hit] = code

        # Providers: ~70% the practice's home provider.
        home = np.array(w.home_provider)[p_i]
        anywhere = rng.choice(len(PROVIDERS), size=m, p=np.array(PROVIDER_SHARE))
        provider = self.providers[np.where(rng.random(m) < 0.7, home, anywhere)]

        hrg = self.hrgs[hrg_i].astype(object)
        tretspef = np.where(rng.random(m) < 0.9, self.tf_main[hrg_i], self.tf_other[hrg_i]).astype(object)
        u = rng.random(m)
        hrg[u < BLANK_HRG] = ""
        hrg[(u >= BLANK_HRG) & (u < BLANK_HRG + UNGROUPABLE_HRG)] = "UZ01Z"
        tretspef[rng.random(m) < 0.002] = "&"

        admimeth = np.where(
            elective,
            rng.choice([c for c, _ in EL_ADMIMETH], size=m, p=[p for _, p in EL_ADMIMETH]),
            rng.choice([c for c, _ in NEL_ADMIMETH], size=m, p=[p for _, p in NEL_ADMIMETH]),
        )
        classpat = np.where(day_case, "2", np.where(rng.random(m) < 0.005, "3", "1"))

        age = np.clip(np.round(rng.normal(58, 21, m)), 18, 104).astype(np.int64)
        child = rng.random(m) < 0.08
        age = np.where(child, rng.integers(0, 18, m), age)
        startage = age.astype(str).astype(object)
        infant = child & (age == 0)
        startage[infant] = np.char.add("700", rng.integers(1, 8, int(infant.sum())).astype(str))

        speldur = los.astype(str).astype(object)
        speldur[rng.random(m) < NO_SPELDUR] = ""
        dis_text = disdate.astype(str).astype(object)
        adm_text = admidate.astype(str).astype(object)
        u = rng.random(m)
        after = u < REJECT_AFTER_YEAR
        dis_text[after] = (np.datetime64("2008-04-01") + rng.integers(0, 28, int(after.sum())).astype("timedelta64[D]")).astype(str)  # fmt: skip
        backwards = (u >= REJECT_AFTER_YEAR) & (u < REJECT_AFTER_YEAR + REJECT_BACKWARDS)
        adm_text[backwards], dis_text[backwards] = dis_text[backwards], adm_text[backwards]
        speldur[backwards] = ""
        invalid = (u >= REJECT_AFTER_YEAR + REJECT_BACKWARDS) & (
            u < REJECT_AFTER_YEAR + REJECT_BACKWARDS + REJECT_INVALID_ADMIDATE
        )
        adm_text[invalid] = "1801-01-01"

        # Patients: skewed re-admission (a few patients have many spells).
        frequent = rng.random(m) < 0.15
        pool = np.where(frequent, max(1, self.patients // 50), self.patients)
        patient = (rng.random(m) * pool).astype(np.int64)
        scrambled = (patient * 2_654_435_761 + 97_531) % 10**12
        hesid = np.char.add("HES", np.char.zfill(scrambled.astype(str), 12)).astype(object)

        ids = np.char.add("S", np.char.zfill((start + np.arange(m) + 10_000_001).astype(str), 11)).astype(
            object
        )
        diag1 = DIAG[rng.integers(0, len(DIAG), m)]
        diag2 = DIAG[rng.integers(0, len(DIAG), m)]
        cols: dict[str, np.ndarray] = {
            "SUSSPELLID": ids,
            "PSEUDO_HESID": hesid,
            "FYEAR": np.full(m, "0708", dtype=object),
            "GPPRAC": gpprac,
            "PROCODE3": provider.astype(object),
            "PROCODE5": np.char.add(provider, "00").astype(object),
            "TRETSPEF": tretspef,
            "SUSHRG": hrg,
            "ADMIDATE": adm_text,
            "DISDATE": dis_text,
            "ADMIMETH": admimeth.astype(object),
            "CLASSPAT": classpat.astype(object),
            "SPELDUR": speldur,
            "STARTAGE": startage,
            "SEX": np.where(rng.random(m) < 0.52, "2", "1").astype(object),
            "ETHNOS": ETHNOS[rng.integers(0, len(ETHNOS), m)].astype(object),
            "DIAG_4_01": diag1.astype(object),
            "DIAG_4_CONCAT": np.char.add(np.char.add(diag1, ","), diag2).astype(object),  # quoted in the file
            "OPERTN_4_01": OPER[rng.integers(0, len(OPER), m)].astype(object),
            "LSOA01": np.char.add("E0100", np.char.zfill(rng.integers(0, 9999, m).astype(str), 4)).astype(
                object
            ),
        }

        # Resent spells: exact copies of an earlier row (this chunk or the previous one).
        resent = np.flatnonzero(rng.random(m) < RESENT)
        resent = resent[resent > 0]
        if len(resent):
            earlier = (rng.random(len(resent)) * resent).astype(np.int64)  # a row above, same chunk
            from_previous = (rng.random(len(resent)) < 0.3) & (self.previous is not None)
            previous_row = rng.integers(0, CHUNK, len(resent))
            for name in COLUMNS:
                values = cols[name]
                source = values[earlier]
                if self.previous is not None and from_previous.any():
                    prev = self.previous[name]
                    source[from_previous] = prev[previous_row[from_previous] % len(prev)]
                values[resent] = source
        self.previous = cols
        return cols


def write_extract(world: World, n: int, path: Path, chunk: int = CHUNK) -> None:
    """Write ``n`` spells to ``path`` (atomically: a temporary file renamed at the end)."""
    spells = _Spells(world, n)
    tmp = path.with_suffix(".csv.part")
    with open(tmp, "w", newline="", encoding="utf-8") as out:
        out.write(",".join(COLUMNS) + "\r\n")  # SUS exports are CRLF
        for start in range(0, n, chunk):
            cols = spells.chunk(start, min(chunk, n - start))
            # Quoted only where needed (DIAG_4_CONCAT holds commas), as SUS exports are.
            pd.DataFrame(cols, columns=list(COLUMNS)).to_csv(
                out, header=False, index=False, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL
            )
    tmp.replace(path)


def ensure(n: int, seed: int = DEFAULT_SEED, data_dir: Path = DEFAULT_DATA_DIR) -> Path:
    """The folder for ``seed`` with its tariffs and practices, and ``apc_<n>.csv`` in it (generated if absent)."""
    folder = data_dir / f"seed{seed}"
    folder.mkdir(parents=True, exist_ok=True)
    world = build_world(seed)
    if not (folder / "world.json").exists():
        write_tariffs(world, folder)
    path = folder / f"apc_{n}.csv"
    if not path.exists():
        started = time.perf_counter()
        write_extract(world, n, path)
        print(
            f"generated {path} ({path.stat().st_size / 1e6:,.0f} MB) in {time.perf_counter() - started:.1f}s"
        )
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--spells", type=int, nargs="+", default=[100_000])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    args = parser.parse_args()
    for n in args.spells:
        print(ensure(n, args.seed, args.data_dir) / f"apc_{n}.csv")


if __name__ == "__main__":
    main()
