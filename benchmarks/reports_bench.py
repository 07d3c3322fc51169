"""Benchmark of budgets and reports (issue 4) on PostgreSQL: 300 practices × 5 years of reports.

    python -m benchmarks.reports_bench all            # setup + measure + load (about 10 minutes)
    python -m benchmarks.reports_bench setup          # fresh database, world, 6 years of activity, budgets
    python -m benchmarks.reports_bench measure        # budget setting and report recompute timings
    python -m benchmarks.reports_bench load           # gunicorn + 20 concurrent clients on loopback

Targets (issue 4): budget setting for 300 practices on a 1M-spell baseline ≤ 5 s; recompute of the reports
≤ 2 s; practice dashboard p95 ≤ 150 ms and report API list p95 ≤ 100 ms under 20 concurrent clients.

What it builds (``setup``, not timed): a PCT with 10 localities and 300 practices with list sizes; a tariff
for each of 2002/03–2007/08 (500 HRGs, 25 treatment functions, 4 providers with an MFF); for each of those
years ~1,000,000 spells and attendances stored at the costing grain (~650,000 aggregate rows a year, 1.2%
with no valid practice code, 0.5% of other PCTs), written with COPY as an extract's publication would;
budget categories (the PODs plus dermatology = TF 330); then for each of 2003/04–2007/08 a budget version
set from the year before (re-costed at the year's tariff, uplift, list change, need weights at 10% pace,
1% top-slice), approved and published, and the year's reports computed.

``measure``: the five budget calculations of ``setup`` (each on a 1M-spell baseline) are the budget-setting
samples; the report recompute of each year is then timed three times (one year is what an upload
triggers; the five years together is the nightly job).

``load``: gunicorn (``-w 4`` sync workers, debug off, persistent database connections) serves the product on
127.0.0.1; 20 client threads each loop for ``--seconds``: GET a random practice's dashboard (signed-in PCT
finance session) or a page of the report API for a random practice and month (token). Each request is timed
from connect to last byte; p50/p95/p99 and errors are reported. ``--think`` adds a uniform 0.5–1.5 s pause
between a client's requests (20 users browsing); without it the clients fire back to back (saturation).
Results go to ``benchmarks/reports_results.json`` and are printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent
REPO = ROOT.parent
RESULTS = ROOT / "reports_results.json"
DEFAULT_PG = "postgres://pbc:pbc@127.0.0.1:5432/pbc_reports_bench"
YEARS = list(range(2002, 2008))  # 2002/03 is the first baseline; reports and budgets for 2003/04–2007/08
REPORT_YEARS = YEARS[1:]
PORT = 8099
PROVIDERS = ["RD1", "RA7", "RVJ", "RTH"]
MFF = {"RD1": 1.02, "RA7": 1.05, "RVJ": 1.04, "RTH": 1.0}
TFS = ["100", "101", "110", "120", "130", "140", "160", "300", "301", "302", "303", "307", "314", "320", "330",
       "340", "350", "361", "370", "400", "410", "430", "502", "503", "800"]  # fmt: skip
PODS = ["EL", "DC", "NEL", "OPFA", "OPFUP"]
POD_SHARE = [0.10, 0.14, 0.14, 0.24, 0.38]


def _env(url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.reports_settings"
    os.environ["DATABASE_URL"] = url


def _django(url: str):
    _env(url)
    import django

    django.setup()


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


QUIET: tuple[float, float] | None = None  # (1-min load average to wait for, longest wait in seconds)


def wait_for_quiet() -> float:
    """On a shared machine, wait (a bounded time) for other work to calm down before a timed step;
    returns the load average the step started at."""
    if QUIET is not None:
        threshold, longest = QUIET
        deadline = time.monotonic() + longest
        while os.getloadavg()[0] > threshold and time.monotonic() < deadline:
            time.sleep(5)
    return round(os.getloadavg()[0], 2)


# --- setup ----------------------------------------------------------------------------------------------


def _fresh_database(url: str) -> None:
    from urllib.parse import urlparse

    import psycopg2

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    conn = psycopg2.connect(
        dbname="postgres",
        user=parts.username,
        password=parts.password,
        host=parts.hostname,
        port=parts.port or 5432,
    )
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def _hrgs(rng: np.random.Generator):
    letters = "ABCDEFGHJKLMNPQRSTUVW"
    codes = [
        f"{letters[i % 21]}{letters[(i // 21) % 21]}{i % 90 + 10:02d}{'ABCDEZ'[i % 6]}" for i in range(500)
    ]
    codes = list(dict.fromkeys(codes))[:500]
    el = rng.integers(500, 8000, len(codes))
    nel = (el * rng.uniform(0.8, 1.3, len(codes))).astype(int)
    return codes, el, nel, rng.integers(2, 20, len(codes)), rng.integers(200, 320, len(codes))


def _tariff_files(year: int, hrgs) -> dict:
    codes, el, nel, trim, excess = hrgs
    factor = 1.025 ** (year - 2002)
    out = io.StringIO()
    out.write("HRG,HRG_NAME,ELECTIVE_TARIFF,NON_ELECTIVE_TARIFF,ELECTIVE_TRIMPOINT_DAYS,NON_ELECTIVE_TRIMPOINT_DAYS,"
              "EXCESS_BED_DAY,DAY_CASE_TARIFF\n")  # fmt: skip
    for i, code in enumerate(codes):
        day_case = f"{el[i] * factor * 0.8:.2f}" if i % 2 else ""
        out.write(f"{code},HRG {code},{el[i] * factor:.2f},{nel[i] * factor:.2f},{trim[i]},{trim[i] + 4},"
                  f"{excess[i] * factor:.2f},{day_case}\n")  # fmt: skip
    op = io.StringIO()
    op.write("TRETSPEF,FIRST_ATTENDANCE,FOLLOW_UP_ATTENDANCE\n")
    for i, tf in enumerate(TFS):
        op.write(f"{tf},{(120 + 5 * i) * factor:.2f},{(60 + 3 * i) * factor:.2f}\n")
    mff = "PROCODE3,MFF\n" + "".join(f"{p},{m:.5f}\n" for p, m in MFF.items())
    return {
        "admitted": ("admitted.csv", out.getvalue().encode()),
        "outpatient": ("outpatient.csv", op.getvalue().encode()),
        "mff": ("mff.csv", mff.encode()),
    }


def _activity_rows(
    year: int, spells: int, practices, hrgs, rng: np.random.Generator, upload_ids: dict, pct_id: int
):
    """One year's published aggregates as CSV for COPY (the grain costing.aggregate_costed stores)."""
    codes_hrg, el, nel, trim, excess = hrgs
    counts = rng.choice([1, 2, 3], p=[0.6, 0.25, 0.15], size=int(spells / 1.55))
    n = len(counts)
    weights = np.array([p[2] for p in practices], dtype=float)
    which = rng.choice(len(practices), size=n, p=weights / weights.sum())
    pod = rng.choice(len(PODS), size=n, p=POD_SHARE)
    month_no = rng.integers(1, 13, n)
    provider = rng.choice(len(PROVIDERS), size=n, p=[0.55, 0.25, 0.12, 0.08])
    tf = rng.integers(0, len(TFS), n)
    hrg = rng.integers(0, len(codes_hrg), n)
    los = np.minimum(rng.geometric(0.25, n) - 1, 40)
    outcome_draw = rng.random(n)
    factor = 1.025 ** (year - 2002)
    mff = np.array([MFF[p] for p in PROVIDERS])[provider]
    unit = np.where(
        pod == 0, el[hrg] + np.maximum(0, los - trim[hrg]) * excess[hrg],
        np.where(pod == 1, el[hrg] * 0.8, np.where(pod == 2, nel[hrg] + np.maximum(0, los - trim[hrg] - 4) * excess[hrg],
                 np.where(pod == 3, 120 + 5 * tf, 60 + 3 * tf)))
    ) * factor * mff  # fmt: skip
    cost = np.round(unit * 100).astype(np.int64) * counts
    buffer = io.StringIO()
    month_dates = [date(year if m <= 9 else year + 1, (m + 2) % 12 + 1, 1).isoformat() for m in range(1, 13)]
    for i in range(n):
        p = PODS[pod[i]]
        apc = pod[i] <= 2
        draw = outcome_draw[i]
        if draw < 0.012:
            practice_id, practice_code, outcome, reason = (
                "\\N",
                "V81999",
                "unattributed",
                "practice_code_default",
            )
        elif draw < 0.017:
            practice_id, practice_code, outcome, reason = "\\N", "Z99999", "non_pct", "practice_outside_pct"
        else:
            practice_id, practice_code, outcome, reason = (
                practices[which[i]][0],
                practices[which[i]][1],
                "costed",
                "",
            )
        buffer.write(
            f"{upload_ids['APC' if apc else 'OP']},{pct_id},{'APC' if apc else 'OP'},{practice_id},{practice_code},"
            f"{month_dates[month_no[i] - 1]},{p},{PROVIDERS[provider[i]]},{TFS[tf[i]]},{codes_hrg[hrg[i]] if apc else ''},,"
            f"{los[i] if p in ('EL', 'NEL') else chr(92) + 'N'},{'t' if p == 'NEL' and los[i] < 2 else 'f'},{outcome},"
            f"{reason},,f,{counts[i]},{cost[i]},0,t\n"
        )  # fmt: skip
    buffer.seek(0)
    return buffer, n


def setup(url: str, spells: int, practices_n: int, seed: int = 20070401) -> dict:
    _log(f"fresh database {url.rsplit('/', 1)[-1]}")
    _fresh_database(url)
    _django(url)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from activity import services as activity_services
    from activity.models import ActivityAggregate, ExtractUpload
    from budgets import services
    from pbc import services as pbc_services
    from pbc.choices import Role
    from pbc.models import FinancialYear, ListSize, Locality, Pct, Practice
    from tests.factories.pbc import UserFactory

    rng = np.random.default_rng(seed)
    random.seed(seed)
    pct = Pct.objects.create(code="5BM", name="Benchmark PCT")
    localities = [
        Locality.objects.create(pct=pct, code=f"5BM-L{i:02d}", name=f"Locality {i}") for i in range(10)
    ]
    practices = Practice.objects.bulk_create(
        [
            Practice(
                pct=pct, locality=localities[i % 10], code=f"B8{i + 1:04d}", name=f"Practice {i + 1} Surgery"
            )
            for i in range(practices_n)
        ]
    )
    sizes = np.clip(rng.lognormal(np.log(6000), 0.45, practices_n), 1500, 25000).astype(int)
    lists = []
    for practice, size in zip(practices, sizes, strict=True):
        for k, start in enumerate(YEARS):
            lists.append(
                ListSize(practice=practice, extract_date=date(start, 4, 1), patients=int(size * 1.01**k))
            )
    ListSize.objects.bulk_create(lists)
    years = {start: FinancialYear.objects.get_or_create(start_year=start)[0] for start in YEARS}
    finance = UserFactory(username="bench-finance")
    pbc_services.membership_create(user=finance, role=Role.PCT_FINANCE, pct=pct)
    manager = UserFactory(username="bench-practice")
    pbc_services.membership_create(user=manager, role=Role.PRACTICE_MANAGER, pct=pct, practice=practices[0])

    hrgs = _hrgs(rng)
    for start in YEARS:
        activity_services.tariff_import(
            year=years[start], files=_tariff_files(start, hrgs), actor=finance, reason="bench"
        )
    info = [(p.pk, p.code, int(s)) for p, s in zip(practices, sizes, strict=True)]
    columns = (
        "upload_id, pct_id, dataset, practice_id, practice_code, month, pod, provider, tretspef, hrg, ae_type, "
        "los_days, ssem_eligible, outcome, reason, price_reason, mff_defaulted, activity, cost_pence, excess_days, "
        "is_current"
    )
    total_rows = 0
    for start in YEARS:
        uploads = {}
        for dataset in ("APC", "OP"):
            uploads[dataset] = ExtractUpload.objects.create(
                pct=pct, dataset=dataset, year=years[start], filename=f"bench_{dataset}_{start}.csv",
                checksum=f"{start}{dataset}", status="succeeded", tariff=None,
            ).pk  # fmt: skip
        clock = time.monotonic()
        buffer, n = _activity_rows(start, spells, info, hrgs, rng, uploads, pct.pk)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                f"COPY {ActivityAggregate._meta.db_table} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '\\N')",
                buffer,
            )
        total_rows += n
        _log(
            f"{start}/{(start + 1) % 100:02d}: {n:,} aggregate rows ({spells:,} spells) in {time.monotonic() - clock:.1f} s"
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    for start in REPORT_YEARS:
        services.budget_categories_for(pct=pct, year=years[start])
        services.budget_category_create(
            pct=pct, year=years[start], code="DERM", name="Dermatology", pods=["OPFA", "OPFUP"], tretspefs=["330"],
            actor=finance,
        )  # fmt: skip
    weights = {code: f"{0.8 + (i * 37 % 41) / 100:.2f}" for i, (_, code, _) in enumerate(info)}
    budget_seconds, budget_cpu, budget_load = [], [], []
    for start in REPORT_YEARS:
        budget_set = services.budget_set_create(
            pct=pct, year=years[start], actor=finance, calculate=False, label="bench",
            baseline_start=date(start - 1, 4, 1), baseline_end=date(start, 3, 1), uplift_pct="3",
            pace_of_change_pct="10", need_weights=weights, risk_mode="top_slice", risk_top_slice_pct="1",
            phasing="seasonal",
        )  # fmt: skip
        load = wait_for_quiet()
        clock, cpu = time.monotonic(), time.process_time()
        services.budget_set_calculate(budget_set=budget_set, actor=finance)
        budget_seconds.append(time.monotonic() - clock)
        budget_cpu.append(time.process_time() - cpu)
        budget_load.append(load)
        budget_set.refresh_from_db()
        services.budget_set_approve(budget_set=budget_set, actor=finance)
        services.budget_set_publish(budget_set=budget_set, actor=finance)
        _log(
            f"{start}/{(start + 1) % 100:02d} budgets: {budget_seconds[-1]:.2f} s on a baseline of "
            f"{budget_set.baseline_summary['activity']:,} spells; published"
        )
    return {
        "practices": practices_n,
        "spells_per_year": spells,
        "aggregate_rows": total_rows,
        "budget_setting_seconds": budget_seconds,
        "budget_setting_cpu_seconds": budget_cpu,
        "budget_setting_load_average": budget_load,
    }


# --- measure --------------------------------------------------------------------------------------------


def measure(url: str, runs: int = 3) -> dict:
    _django(url)
    from django.db import connection

    from budgets import services
    from budgets.models import ReportRow
    from pbc.models import FinancialYear, Pct

    pct = Pct.objects.get(code="5BM")
    budget = _measure_budget_setting(pct, runs)
    per_year: dict[int, list[float]] = {start: [] for start in REPORT_YEARS}
    all_years, loads, cpu_seconds, db_cpu_seconds = [], [], [], []
    for _ in range(runs):
        total = 0.0
        for start in REPORT_YEARS:
            year = FinancialYear.objects.get(start_year=start)
            loads.append(wait_for_quiet())
            clock, cpu, db_cpu = time.monotonic(), time.process_time(), _backend_cpu()
            run = services.report_recompute(pct=pct, year=year, trigger="benchmark")
            seconds = time.monotonic() - clock
            per_year[start].append(seconds)
            cpu_seconds.append(time.process_time() - cpu)
            db_cpu_seconds.append(_backend_cpu() - db_cpu)
            total += seconds
            _log(
                f"recompute {year}: {seconds:.2f} s, {run.rows:,} rows (CPU: app {cpu_seconds[-1]:.2f} s, "
                f"PostgreSQL {db_cpu_seconds[-1]:.2f} s; load {loads[-1]})"
            )
        all_years.append(total)
    # The nightly job: every year again, each skipped when its inputs are unchanged since its last run.
    # The first night after the runs above rebuilds (they carry no digest), the next finds nothing to do.
    nightly = []
    for _ in range(2):
        clock = time.monotonic()
        for start in REPORT_YEARS:
            year = FinancialYear.objects.get(start_year=start)
            services.report_recompute(pct=pct, year=year, trigger="nightly", only_if_changed=True)
        nightly.append(time.monotonic() - clock)
        _log(f"nightly pass: {nightly[-1]:.2f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    rows = ReportRow.objects.count()
    return {
        "report_rows": rows,
        "recompute_year_seconds": {str(k): v for k, v in per_year.items()},
        "recompute_all_years_seconds": all_years,
        "nightly_first_and_unchanged_seconds": nightly,
        "recompute_year_cpu_seconds": cpu_seconds,
        "recompute_year_db_cpu_seconds": db_cpu_seconds,
        **budget,
        "load_average_at_start": loads,
    }


def _backend_cpu() -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (same machine: /proc). With the app's
    own CPU time it is the work a step does, whatever else the shared machine is busy with."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _measure_budget_setting(pct, runs: int) -> dict:
    """Budget setting for the last year again (a new version of the published one, calculated, then rolled
    back so the database is left as ``setup`` made it)."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from budgets import services
    from budgets.choices import BudgetStatus
    from budgets.models import BudgetSet

    finance = get_user_model().objects.get(username="bench-finance")
    published = BudgetSet.objects.get(
        pct=pct, year__start_year=REPORT_YEARS[-1], status=BudgetStatus.PUBLISHED
    )
    seconds, cpu_seconds, db_cpu_seconds, loads = [], [], [], []

    class _Undo(Exception):
        pass

    for _ in range(runs):
        try:
            with transaction.atomic():
                draft = services.budget_set_revise(
                    budget_set=published, actor=finance, reason="benchmark", calculate=False
                )
                loads.append(wait_for_quiet())
                clock, cpu, db_cpu = time.monotonic(), time.process_time(), _backend_cpu()
                services.budget_set_calculate(budget_set=draft, actor=finance)
                seconds.append(time.monotonic() - clock)
                cpu_seconds.append(time.process_time() - cpu)
                db_cpu_seconds.append(_backend_cpu() - db_cpu)
                raise _Undo
        except _Undo:
            pass
        _log(
            f"budget setting: {seconds[-1]:.2f} s (CPU: app {cpu_seconds[-1]:.2f} s, PostgreSQL "
            f"{db_cpu_seconds[-1]:.2f} s; load {loads[-1]})"
        )
    return {
        "budget_setting_seconds": seconds,
        "budget_setting_cpu_seconds": cpu_seconds,
        "budget_setting_db_cpu_seconds": db_cpu_seconds,
        "budget_setting_load_average": loads,
    }


# --- load -----------------------------------------------------------------------------------------------


def _session_and_token(url: str) -> tuple[str, str, list[str]]:
    _django(url)
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    from pbc import services as pbc_services
    from pbc.models import Practice

    user = get_user_model().objects.get(username="bench-finance")
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    _, key = pbc_services.api_token_issue(user=user, name="benchmark")
    codes = list(Practice.objects.order_by("code").values_list("code", flat=True))
    return session.session_key, key, codes


def _client(
    kind: str, deadline: float, warm_until: float, think: bool, codes, session: str, token: str, out: list
):
    rng = random.Random()
    while time.monotonic() < deadline:
        code = rng.choice(codes)
        if kind == "dashboard":
            path, headers = (
                f"/activity/dashboard/practices/{code}/?year=2007/08",
                {"Cookie": f"sessionid={session}"},
            )
        else:
            month = rng.randint(1, 12)
            path = f"/api/v1/reports/?practice={code}&year=2007/08&month={month}"
            headers = {"Authorization": f"Token {token}"}
        started = time.monotonic()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            status = response.status
            conn.close()
        except OSError:
            status, body = 0, b""
        elapsed = time.monotonic() - started
        if started >= warm_until:
            out.append((elapsed, status, len(body)))
        if think:
            time.sleep(rng.uniform(0.5, 1.5))


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[index]


def load(url: str, *, clients: int, seconds: int, warmup: int, workers: int) -> dict:
    session, token, codes = _session_and_token(url)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "benchmarks.reports_settings",
        "DATABASE_URL": url,
        "DATABASE_CONN_MAX_AGE": "600",
        "PYTHONPATH": str(REPO),
    }
    log = open(ROOT / "reports_gunicorn.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "pbc.wsgi:application", "-b", f"127.0.0.1:{PORT}", "-w", str(workers),
         "--worker-class", "sync", "--timeout", "60", "--log-level", "warning"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    results = {}
    try:
        for _ in range(100):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start; see benchmarks/reports_gunicorn.log")
        for kind in ("dashboard", "api"):
            for think in (True, False):
                load_at_start = wait_for_quiet()
                out: list = []
                start = time.monotonic()
                threads = [
                    threading.Thread(
                        target=_client,
                        args=(
                            kind,
                            start + warmup + seconds,
                            start + warmup,
                            think,
                            codes,
                            session,
                            token,
                            out,
                        ),
                    )
                    for _ in range(clients)
                ]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                latencies = [e for e, status, _ in out if status == 200]
                errors = sum(1 for _, status, _ in out if status != 200)
                name = f"{kind}{'' if think else '_saturated'}"
                results[name] = {
                    "requests": len(out),
                    "errors": errors,
                    "per_second": round(len(out) / seconds, 1),
                    "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
                    "p95_ms": round(_percentile(latencies, 95) * 1000, 1) if latencies else None,
                    "p99_ms": round(_percentile(latencies, 99) * 1000, 1) if latencies else None,
                    "mean_bytes": int(statistics.mean(b for _, _, b in out)) if out else 0,
                    "think_time": "0.5–1.5 s" if think else "none",
                    "load_average_at_start": load_at_start,
                }
                _log(f"{name}: {results[name]}")
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    return {"clients": clients, "seconds": seconds, "warmup": warmup, "gunicorn_workers": workers, **results}


# --- report ---------------------------------------------------------------------------------------------


def _machine() -> dict:
    import django
    import pandas

    try:
        version = subprocess.run(
            ["psql", "--version"], capture_output=True, text=True, check=False, timeout=5
        ).stdout.strip()
    except OSError:
        version = "?"
    return {
        "when": time.strftime("%Y-%m-%d %H:%M"),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "pandas": pandas.__version__,
        "postgres": version,
        "load_average": os.getloadavg(),
    }


def markdown(results: dict) -> str:
    lines = ["| measure | target | result |", "|---|---:|---:|"]
    setup_part = results.get("setup", {})
    if setup_part.get("budget_setting_seconds"):
        samples = setup_part["budget_setting_seconds"]
        lines.append(
            f"| budget setting, {setup_part['practices']} practices, {setup_part['spells_per_year']:,}-spell baseline "
            f"(median of {len(samples)}; min–max) | ≤ 5 s | {statistics.median(samples):.2f} s "
            f"({min(samples):.2f}–{max(samples):.2f}) |"
        )
    measured = results.get("measure", {})
    if measured.get("budget_setting_seconds"):
        samples = measured["budget_setting_seconds"]
        work = [
            a + b
            for a, b in zip(
                measured["budget_setting_cpu_seconds"], measured["budget_setting_db_cpu_seconds"], strict=True
            )
        ]
        lines.append(
            f"| budget setting again (`measure`; median of {len(samples)}, min–max; CPU app + PostgreSQL "
            f"{statistics.median(work):.2f} s; load {statistics.median(measured['budget_setting_load_average'])}) "
            f"| ≤ 5 s | {statistics.median(samples):.2f} s ({min(samples):.2f}–{max(samples):.2f}) |"
        )
    if measured:
        per_year = [min(v) for v in measured["recompute_year_seconds"].values()]
        lines.append(
            f"| report recompute, one year (what an upload triggers; best of 3, slowest year) | ≤ 2 s | "
            f"{max(per_year):.2f} s |"
        )
        lines.append(
            f"| report recompute, all 5 years ({measured['report_rows']:,} rows; best of 3) | ≤ 2 s | "
            f"{min(measured['recompute_all_years_seconds']):.2f} s |"
        )
        if measured.get("nightly_first_and_unchanged_seconds"):
            first, unchanged = measured["nightly_first_and_unchanged_seconds"]
            lines.append(
                f"| nightly job, all 5 years, nothing changed since the last night (the first night after "
                f"other triggers: {first:.2f} s) | ≤ 2 s | {unchanged:.2f} s |"
            )
        if measured.get("recompute_year_db_cpu_seconds"):
            work = [
                a + b
                for a, b in zip(
                    measured["recompute_year_cpu_seconds"],
                    measured["recompute_year_db_cpu_seconds"],
                    strict=True,
                )
            ]
            lines.append(
                f"| report recompute, one year: CPU app + PostgreSQL (median of {len(work)}; load average "
                f"median {statistics.median(measured['load_average_at_start'])}) | | "
                f"{statistics.median(work):.2f} s |"
            )
    loaded = results.get("load", {})
    for name, target in (
        ("dashboard", 150),
        ("api", 100),
        ("dashboard_saturated", 150),
        ("api_saturated", 100),
    ):
        if name in loaded:
            r = loaded[name]
            label = "practice dashboard" if name.startswith("dashboard") else "report API list"
            how = (
                "20 users, 0.5–1.5 s think time"
                if not name.endswith("saturated")
                else "20 clients back to back"
            )
            lines.append(
                f"| {label} p95 ({how}; {r['requests']:,} requests, {r['errors']} errors, p50 {r['p50_ms']} ms, "
                f"p99 {r['p99_ms']} ms) | ≤ {target} ms | {r['p95_ms']} ms |"
            )
    return "\n".join(lines)


def _measured(phase: str) -> set[str]:
    return {"setup", "measure", "load"} if phase == "all" else {phase}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("phase", choices=["setup", "measure", "load", "all", "table"])
    parser.add_argument("--postgres-url", default=os.environ.get("PBC_REPORTS_BENCH_URL", DEFAULT_PG))
    parser.add_argument("--spells", type=int, default=1_000_000)
    parser.add_argument("--practices", type=int, default=300)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--wait-load",
        type=float,
        nargs=2,
        metavar=("LOAD", "SECONDS"),
        default=None,
        help="before each timed step wait (at most SECONDS) for the 1-minute load average to drop below LOAD",
    )
    args = parser.parse_args()
    global QUIET
    QUIET = tuple(args.wait_load) if args.wait_load else None
    sys.path.insert(0, str(REPO))
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    if args.phase in ("setup", "all"):
        results["setup"] = setup(args.postgres_url, args.spells, args.practices)
    if args.phase in ("measure", "all"):
        results["measure"] = measure(args.postgres_url)
    if args.phase in ("load", "all"):
        results["load"] = load(
            args.postgres_url,
            clients=args.clients,
            seconds=args.seconds,
            warmup=args.warmup,
            workers=args.workers,
        )
    if args.phase != "table":
        results["machine"] = _machine()
        # Others may have recorded another phase meanwhile: keep theirs, replace only what this run measured.
        latest = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        latest.update({k: v for k, v in results.items() if k == "machine" or k in _measured(args.phase)})
        results = latest
        RESULTS.write_text(json.dumps(results, indent=2, default=str))
    print(markdown(results))


if __name__ == "__main__":
    main()
