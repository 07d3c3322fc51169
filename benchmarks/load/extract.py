"""The one extract the load test uploads: a month of one provider's admitted care in SUS spell format
(the columns of ``benchmarks/generate.py``), for practices and HRGs of the benchmark database.

It restates a single provider-month (RTH, January 2008), so the rest of the year's figures stay as they were
while the upload is ingested, published and the year's reports recomputed. Spell ids carry the time, so
every run's file is new (not refused as the same extract uploaded twice).
"""

from __future__ import annotations

import random
import time
from datetime import date, timedelta

import numpy as np

from benchmarks import reports_bench
from benchmarks.generate import COLUMNS

PROVIDER = "RTH"
MONTH = date(2008, 1, 1)


def small_apc_extract(practices: list[str], spells: int = 400, seed: int | None = None) -> bytes:
    rng = random.Random(seed)
    hrgs = reports_bench._hrgs(np.random.default_rng(0))[0]  # the codes do not depend on the generator
    stamp = int(time.time() * 1000) % 10**10
    lines = [",".join(COLUMNS)]
    for i in range(spells):
        elective = rng.random() < 0.45
        day_case = elective and rng.random() < 0.5
        los = 0 if day_case else min(int(rng.expovariate(1 / 4)), 40)
        discharged = MONTH + timedelta(days=rng.randrange(31))
        admitted = discharged - timedelta(days=los)
        practice = rng.choice(practices) if rng.random() > 0.01 else "V81999"
        diagnosis = rng.choice(["I500", "J189", "K359"])
        lines.append(
            ",".join(
                [
                    f"L{stamp}{i:05d}",
                    f"HES{rng.randrange(10**12):012d}",
                    "0708",
                    practice,
                    PROVIDER,
                    f"{PROVIDER}00",
                    rng.choice(reports_bench.TFS),
                    rng.choice(hrgs),
                    admitted.isoformat(),
                    discharged.isoformat(),
                    "11" if elective else "21",
                    "2" if day_case else "1",
                    str(los),
                    str(rng.randint(18, 95)),
                    rng.choice("12"),
                    "A",
                    diagnosis,
                    f'"{diagnosis},R54X"',
                    "",
                    f"E0100{rng.randrange(10000):04d}",
                ]
            )  # fmt: skip
        )
    return ("\r\n".join(lines) + "\r\n").encode()
