"""One step of a benchmark run, in its own process (so peak RSS is the step's own): setup, ingest or verify.

    DJANGO_SETTINGS_MODULE=benchmarks.settings DATABASE_URL=... python -m benchmarks.child ingest --data DIR --spells N

Each step prints one ``BENCH_RESULT {json}`` line. ``benchmarks.run`` drives them; run one by hand to debug.

* ``setup``: migrate the (empty) database, create the PCT and its practices (plus a neighbouring PCT's, so
  non-PCT activity can be told from unattributed activity), financial year 2007/08, and import the tariff
  through ``budgets.services.tariff_import``.
* ``ingest``: the timed part — ``extract_upload_create`` (checksum, copy into storage, sniff, column and period
  checks) then ``extract_process`` (read, cost, aggregate, store, publish, after-publish callbacks), as a
  worker runs them; wall time per service, time inside the main functions, peak RSS. ``--profile FILE`` runs
  ``extract_process`` under cProfile and writes the stats (and a text summary next to them).
* ``verify``: the totals of what was stored and published, for comparison with the DuckDB reference.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import functools
import io
import json
import os
import pstats
import resource
import threading
import time
import types
from collections import defaultdict
from pathlib import Path

import django

PCT_CODE, OTHER_PCT_CODE = "5QL", "5QM"


def emit(result: dict) -> None:
    print("BENCH_RESULT " + json.dumps(result, default=str), flush=True)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


# ------------------------------------------------------------------------------------------------- setup
def setup(data: Path) -> dict:
    from django.core.management import call_command

    from activity import services
    from pbc.models import FinancialYear, Pct, Practice

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    migrated = time.perf_counter() - started
    year, _ = FinancialYear.objects.get_or_create(start_year=2007)
    own = Pct.objects.create(code=PCT_CODE, name="Benchmark PCT")
    other = Pct.objects.create(code=OTHER_PCT_CODE, name="Neighbouring PCT")
    with open(data / "practices.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    Practice.objects.bulk_create(
        Practice(code=r["code"], name=f"Practice {r['code']}", pct=own if r["pct"] == "own" else other)
        for r in rows
    )
    version = services.tariff_import(
        year=year,
        files={
            kind: (f"tariff_{kind}.csv", (data / f"tariff_{kind}.csv").read_bytes())
            for kind in ("admitted", "outpatient", "mff")
        },
        actor=None,
    )
    return {
        "migrate_s": migrated,
        "practices": len(rows),
        "tariff_counts": version.counts,
    }


# ------------------------------------------------------------------------------------------------ ingest
class Phases:
    """Wall time spent inside chosen functions (wrapped in place; the wrappers add microseconds per call),
    and the highest resident memory seen while each was running (sampled every 50 ms by a thread)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.rss_mb: dict[str, float] = defaultdict(float)
        self.stack: list[str] = []
        self._page = os.sysconf("SC_PAGE_SIZE")
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def _sample(self) -> None:
        with open("/proc/self/statm") as statm:
            while not self._stop.wait(0.05):
                statm.seek(0)
                rss = int(statm.read().split()[1]) * self._page / 2**20
                label = self.stack[-1] if self.stack else "(between steps)"
                if rss > self.rss_mb[label]:
                    self.rss_mb[label] = rss

    def stop(self) -> None:
        self._stop.set()
        self._sampler.join()

    def wrap(self, owner: object, name: str, label: str) -> None:
        original = getattr(owner, name)

        @functools.wraps(original)
        def timed(*args, **kwargs):
            started = time.perf_counter()
            self.stack.append(label)
            try:
                return original(*args, **kwargs)
            finally:
                self.stack.pop()
                self.seconds[label] += time.perf_counter() - started
                self.calls[label] += 1

        setattr(owner, name, timed)

    def take(self) -> tuple[dict[str, float], dict[str, float]]:
        seconds = {k: round(v, 3) for k, v in self.seconds.items()}
        rss = {k: round(v) for k, v in self.rss_mb.items()}
        self.seconds.clear()
        self.calls.clear()
        self.rss_mb.clear()
        return seconds, rss


# Top-level steps of extract_process, in the order they run (each label is time inside that function).
PROCESS_PHASES = (
    ("budgets.selectors", "tariff_tables", "load tariff"),
    ("activity.services", "_loaded_keys", "keys already loaded"),
    ("activity.extract_reader", "ExtractStream.__next__", "read + normalise (extract_reader)"),
    ("activity.costing", "cost_activity", "cost (costing.cost_activity)"),
    ("activity.services", "_key_hashes", "record-key hashes"),
    ("activity.services", "_mark_duplicates", "cross-chunk duplicates"),
    ("activity.services", "_spill_keys", "spill record keys"),
    ("activity.costing", "aggregate_costed", "aggregate (costing.aggregate_costed)"),
    ("activity.services", "_insert_aggregates", "insert aggregates (services._insert_aggregates)"),
    ("activity.costing", "problem_rows", "problem-row sample"),
    ("activity.services", "_write_keys", "write record keys"),
    ("activity.services", "_publish", "publish (services._publish)"),
    ("activity.services", "upload_quality", "  of which data-quality report"),
)


def _install_phases() -> Phases:
    import importlib

    phases = Phases()
    for module_name, attr, label in PROCESS_PHASES:
        owner: object = importlib.import_module(module_name)
        if "." in attr:
            cls, attr = attr.split(".")
            owner = getattr(owner, cls)
        phases.wrap(owner, attr, label)
    return phases


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _server_cpu_reader(connection):
    """CPU seconds used so far by this connection's PostgreSQL backend (0 for SQLite: it runs in-process)."""
    if connection.vendor != "postgresql":
        return lambda: 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    ticks = os.sysconf("SC_CLK_TCK")

    def read() -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the server runs elsewhere or as another user: unknown
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime

    return read


def ingest(data: Path, spells: int, profile: Path | None) -> dict:
    from django.core.files import File
    from django.db import connection

    from activity import services
    from activity.choices import UploadStatus
    from activity.models import ActivityAggregate
    from pbc.models import FinancialYear, Pct

    phases = _install_phases()
    # Report recomputation and anything else registered to run after publication: timed as one step.
    for i, callback in enumerate(services._AFTER_PUBLISH):
        holder = types.SimpleNamespace(callback=callback)
        phases.wrap(holder, "callback", "after-publish callbacks (reports recompute)")
        services._AFTER_PUBLISH[i] = holder.callback
    server_cpu = _server_cpu_reader(connection)
    server_before = server_cpu()
    cpu_before = _cpu_s()
    services._queue = lambda upload_id: None  # the benchmark runs extract_process itself, in this process
    callbacks = len(services._AFTER_PUBLISH)
    pct = Pct.objects.get(code=PCT_CODE)
    year = FinancialYear.objects.get(start_year=2007)
    path = data / f"apc_{spells}.csv"
    rss_before = peak_rss_mb()

    started = time.perf_counter()
    with open(path, "rb") as fh:
        stored = services.extract_upload_create(
            pct=pct, dataset="APC", year=year, upload=File(fh, name=path.name), filename=path.name, actor=None
        )
    created = time.perf_counter()
    create_phases, _ = phases.take()
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    upload = services.extract_process(upload_id=stored.pk)
    if profiler:
        profiler.disable()
    finished = time.perf_counter()
    rss = peak_rss_mb()
    cpu = _cpu_s() - cpu_before
    server = server_cpu() - server_before
    process_phases, rss_by_phase = phases.take()
    phases.stop()

    if profiler and profile:
        profiler.dump_stats(str(profile))
        text = io.StringIO()
        stats = pstats.Stats(str(profile), stream=text).strip_dirs()
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(30)
        profile.with_suffix(".txt").write_text(text.getvalue())

    if upload.status != UploadStatus.SUCCEEDED:
        raise SystemExit(f"upload {upload.pk} ended {upload.status}: {upload.error}")
    stored_rows = ActivityAggregate.objects.filter(upload=upload).count()
    current_rows = ActivityAggregate.objects.current().filter(upload=upload).count()
    process_s = finished - created
    top_level = sum(v for k, v in process_phases.items() if not k.startswith("  "))
    return {
        "spells": spells,
        "file_mb": path.stat().st_size / 1e6,
        "vendor": connection.vendor,
        "create_s": created - started,
        "process_s": process_s,
        "ingest_s": finished - started,
        "phases": {
            **process_phases,
            "other (loop glue, deletes, bookkeeping)": round(process_s - top_level, 3),
        },
        "create_phases": create_phases,
        "cpu_s": cpu,
        "db_server_cpu_s": server,
        "load_average": os.getloadavg(),
        "peak_rss_mb": rss,
        "peak_rss_mb_by_phase": rss_by_phase,
        "rss_after_django_setup_mb": rss_before,
        "rows_read": upload.rows_read,
        "aggregate_rows": stored_rows,
        "current_rows": current_rows,
        "after_publish_callbacks": callbacks,
        "quality_by_outcome": upload.quality["by_outcome"],
    }


# ------------------------------------------------------------------------------------------------ verify
def verify() -> dict:
    from django.db import connection

    from activity.models import ActivityAggregate, ExtractUpload
    from benchmarks.reference import anomaly_sql, fingerprint_sql, normalise

    table = ActivityAggregate._meta.db_table
    queries = fingerprint_sql(
        table,
        practice="practice_code",
        cost="cost_pence",
        month_text="coalesce(CAST(month AS TEXT), '')",
        blank_duplicates=True,
    )
    queries["published"] = (
        f"SELECT a.outcome, SUM(a.activity), SUM(a.cost_pence) FROM {table} a "
        f"JOIN {ExtractUpload._meta.db_table} u ON u.id = a.upload_id "
        "WHERE a.is_current AND u.status = 'succeeded' GROUP BY a.outcome"
    )
    queries["duplicate_anomalies"] = anomaly_sql(table)
    out = {}
    with connection.cursor() as cursor:
        for name, sql in queries.items():
            cursor.execute(sql)
            out[name] = normalise(cursor.fetchall())
    out["groups"] = out["groups"][0][0]
    out["duplicate_anomalies"] = {
        "rows": out["duplicate_anomalies"][0][0],
        "spells": out["duplicate_anomalies"][0][1],
    }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("step", choices=("setup", "ingest", "verify"))
    parser.add_argument("--data", type=Path)
    parser.add_argument("--spells", type=int)
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args()
    django.setup()
    if args.step == "setup":
        emit(setup(args.data))
    elif args.step == "ingest":
        emit(ingest(args.data, args.spells, args.profile))
    else:
        emit(verify())


if __name__ == "__main__":
    main()
