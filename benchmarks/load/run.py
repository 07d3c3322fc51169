"""Run step: gunicorn and a Celery worker on the benchmark database, an unrecorded warm-up, then
``locust --headless -u 20 -r 5 -t 60s``; exact percentiles from every sample, written to the "Load" section at
the end of ``benchmarks/RESULTS.md`` and kept in ``benchmarks/load/results.json`` (one entry per labelled run).
"""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from benchmarks.load.env import OUT, REPO, server_env

HERE = Path(__file__).resolve().parent
HISTORY = HERE / "results.json"
FINDINGS = HERE / "findings.md"  # the analysis, kept under the tables
RESULTS_MD = REPO / "benchmarks" / "RESULTS.md"
START, END = "<!-- load:start -->", "<!-- load:end -->"
TARGETS = {"dashboard: practice": 150, "API: report rows (all clients)": 100}


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def _wait_healthy(port: int, process: subprocess.Popen, log: Path) -> None:
    for _ in range(150):
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited; see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not become healthy; see {log}")


def _wait_quiet(threshold: float, longest: float) -> float:
    """Wait (a bounded time) for the shared machine's 1-minute load average to fall below ``threshold``."""
    deadline = time.monotonic() + longest
    while os.getloadavg()[0] > threshold and time.monotonic() < deadline:
        time.sleep(5)
    return round(os.getloadavg()[0], 2)


def _cpu_seconds(pids) -> float:
    """User + system CPU seconds the processes have used (all their threads), from /proc."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            continue
    return total


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _backends(database_url: str) -> list[int]:
    """PostgreSQL server processes serving this benchmark's database (gunicorn's and the worker's)."""
    import psycopg2

    with psycopg2.connect(database_url) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


def _sessions(world: dict, env: dict) -> Path:
    """Sign the page users in before the measured run (the warm-up signs in through the login form): twenty
    password hashes at once would otherwise take the first half of a 60-second run on two cores."""
    os.environ.update(env)
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    names = [m["username"] for m in world["practice_managers"]]
    names += [world["finance"], world["locality_lead"]["username"]]
    sessions = {}
    for user in get_user_model().objects.filter(username__in=names):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        sessions[user.username] = session.session_key
    path = OUT / "sessions.json"
    path.write_text(json.dumps(sessions))
    return path


def _locust(
    host: str,
    env: dict,
    *,
    users: int,
    seconds: int,
    upload: bool,
    raw: Path | None,
    csv: Path,
    sessions=None,
) -> None:
    command = [
        sys.executable, "-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless", "-u", str(users),
        "-r", "5", "-t", f"{seconds}s", "--host", host, "--csv", str(csv), "--only-summary",
        "--loglevel", "WARNING", "--stop-timeout", "30",
    ]  # fmt: skip
    run_env = {**env, "PBC_LOAD_WORLD": str(OUT / "world.json"), "PBC_LOAD_UPLOAD": "1" if upload else "0"}
    if raw:
        run_env["PBC_LOAD_RAW"] = str(raw)
    if sessions:
        run_env["PBC_LOAD_SESSIONS"] = str(sessions)
    subprocess.run(command, cwd=REPO, env=run_env, check=False)


def _percentile(ordered: list[float], p: float) -> float:
    """Nearest rank: the smallest sample with at least p% of the samples at or below it."""
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def _figures(values: list[tuple[float, bool]], seconds: float) -> dict:
    times = sorted(ms for ms, _ in values)
    return {
        "requests": len(values),
        "errors": sum(1 for _, ok in values if not ok),
        "per_second": round(len(values) / seconds, 2),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(_percentile(times, 95), 1),
        "p99_ms": round(_percentile(times, 99), 1),
        "max_ms": round(times[-1], 1),
    }


def summarise(samples: list, seconds: float) -> dict[str, dict]:
    """Per request type: count, errors, requests/s, p50/p95/p99/max (ms) from every sample."""
    groups: dict[str, list] = {}
    for _, name, ms, ok in samples:
        groups.setdefault(name, []).append((ms, ok))
        if name.startswith("API: report rows"):
            groups.setdefault("API: report rows (all clients)", []).append((ms, ok))
    out = {name: _figures(values, seconds) for name, values in sorted(groups.items())}
    http = [(ms, ok) for kind, _, ms, ok in samples if kind != "JOB"]
    if http:
        out["all HTTP requests"] = _figures(http, seconds)
    return out


def run(args) -> dict:
    OUT.mkdir(parents=True, exist_ok=True)
    world = json.loads((OUT / "world.json").read_text())
    broker = None if args.eager else args.broker_url
    env = server_env(args.database_url, broker)
    port = args.port
    host = f"http://127.0.0.1:{port}"
    processes: list[subprocess.Popen] = []
    logs = []
    try:
        if broker:
            import redis

            redis.Redis.from_url(broker).flushdb()  # this benchmark's own Redis database only
            log = open(OUT / "celery.log", "w")  # noqa: SIM115
            logs.append(log)
            processes.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "pbc",
                        "worker",
                        "-c",
                        "1",
                        "--loglevel",
                        "WARNING",
                        "-n",
                        "load@%h",
                        "--without-gossip",
                        "--without-mingle",
                    ],
                    cwd=REPO,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )  # fmt: skip
            )
        gunicorn_log = OUT / "gunicorn.log"
        log = open(gunicorn_log, "w")  # noqa: SIM115
        logs.append(log)
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "pbc.wsgi", "-w", str(args.workers), "--threads", str(args.threads),
             "-b", f"127.0.0.1:{port}", "--timeout", "60", "--keep-alive", "5", "--log-level", "warning"],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        processes.append(server)
        _wait_healthy(port, server, gunicorn_log)
        _log(
            f"gunicorn on {host} ({args.workers} workers × {args.threads} threads), worker: {broker or 'eager'}"
        )
        _locust(host, env, users=args.users, seconds=10, upload=False, raw=None, csv=OUT / "warmup")
        load_before = _wait_quiet(args.quiet, args.quiet_wait)
        _log(f"measured run: {args.users} users for {args.seconds} s (1-min load average {load_before})")
        raw = OUT / "samples.json"
        raw.unlink(missing_ok=True)
        sessions = _sessions(world, env)
        web = [server.pid, *_children(server.pid)]
        worker = [p for process in processes[:-1] for p in (process.pid, *_children(process.pid))]
        database = {pid: _cpu_seconds([pid]) for pid in _backends(args.database_url)}
        cpu_before = {"web": _cpu_seconds(web), "worker": _cpu_seconds(worker)}
        _locust(
            host,
            env,
            users=args.users,
            seconds=args.seconds,
            upload=True,
            raw=raw,
            csv=OUT / "run",
            sessions=sessions,
        )
        load_after = round(os.getloadavg()[0], 2)
        cpu = {
            "web": _cpu_seconds(web) - cpu_before["web"],
            "worker": _cpu_seconds(worker) - cpu_before["worker"],
            "db": sum(_cpu_seconds([pid]) - database.get(pid, 0.0) for pid in _backends(args.database_url)),
        }
        recorded = json.loads(raw.read_text())
        samples, window = recorded["samples"], recorded["seconds"]
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in reversed(processes):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs:
            log.close()
    failures = []
    failures_csv = OUT / "run_failures.csv"
    if failures_csv.exists():
        failures = failures_csv.read_text().strip().splitlines()[1:]
    entry = {
        "label": args.label,
        "when": time.strftime("%Y-%m-%d %H:%M"),
        "revision": _revision(),
        "users": args.users,
        "seconds": args.seconds,
        "think_time_s": "0.5–1.5" if os.environ.get("PBC_LOAD_THINK", "1") != "0" else "none",
        "gunicorn": f"-w {args.workers} --threads {args.threads}",
        "celery": "worker -c 1 (Redis)" if broker else "eager",
        "load_average_before_after": [load_before, load_after],
        "machine": f"{os.cpu_count()} cores, Python {platform.python_version()}",
        "report_rows": world.get("report_rows"),
        "measured_seconds": round(window, 1),
        "results": summarise(samples, window),
        "cpu_seconds": {k: round(v, 2) for k, v in cpu.items()},
        "failures": failures[:20],
    }
    history = json.loads(HISTORY.read_text()) if HISTORY.exists() else []
    history = [h for h in history if h["label"] != entry["label"]] + [entry]
    HISTORY.write_text(json.dumps(history, indent=2, ensure_ascii=False) + "\n")
    write_markdown(history)
    _log(f"results: {json.dumps(entry['results'], indent=1)}")
    return entry


def _revision() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=REPO, capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        return "?"


def markdown(history: list[dict]) -> str:
    latest = history[-1]
    r = latest["results"]
    lines = [
        "## Load (issues 4 and 8)",
        "",
        "`python -m benchmarks.load` (see `benchmarks/README.md`): gunicorn (production settings, debug off, static "
        "files through WhiteNoise) with PostgreSQL 15 and a Celery worker on Redis, on loopback; locust "
        f"`--headless -u {latest['users']} -r 5 -t {latest['seconds']}s` on the same 2-core machine. The database "
        f"holds 300 practices × 5 years of budgets and reports ({latest['report_rows']:,} report rows). Users "
        "think 0.5–1.5 s between requests: practice managers on their own dashboard and drill-down (and trying "
        "another practice's, which must be a 404) and reading their report rows through the API (another "
        "practice's must come back empty), locality lead and PCT finance on the overview, an API client with a "
        "PCT-wide token reading report rows by practice, month and category, and exactly "
        "one extract upload (one provider-month of admitted care) polled until published, which recomputes the "
        "year's reports while the others read. Every response is checked (status, and that no practice is shown "
        "another's data). Times in ms from every sample.",
        "",
        f"Latest run: **{latest['label']}**, {latest['when']}, revision {latest['revision']}, gunicorn "
        f"`{latest['gunicorn']}`, Celery {latest['celery']}, 1-minute load average {latest['load_average_before_after'][0]} "
        f"before / {latest['load_average_before_after'][1]} after (other engineers share the machine); samples "
        f"from the {latest.get('measured_seconds', latest['seconds'])} s after all users had started (page users "
        "come with a session signed in before the run: the unrecorded 10-second warm-up signs in through the form).",
        "",
        "| request | target p95 | requests | errors | req/s | p50 | p95 | p99 | max |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, v in r.items():
        target = TARGETS.get(name)
        mark = "" if target is None else (" ✓" if v["p95_ms"] <= target else " ✗")
        lines.append(
            f"| {name} | {f'≤ {target}' if target else ''} | {v['requests']:,} | {v['errors']} | {v['per_second']} | "
            f"{v['p50_ms']} | **{v['p95_ms']}**{mark} | {v['p99_ms']} | {v['max_ms']} |"
        )
    used = latest.get("cpu_seconds")
    served = r.get("all HTTP requests", {}).get("requests", 0)
    if used and served:
        per_request = (used["web"] + used["db"]) * 1000 / served
        lines += [
            "",
            f"CPU used during the measured window: gunicorn {used['web']} s, PostgreSQL (every connection to the "
            f"database, the worker's included) {used['db']} s, Celery worker {used['worker']} s: "
            f"**{per_request:.0f} ms of server CPU per HTTP request** (gunicorn + PostgreSQL), i.e. at most "
            f"~{2000 / per_request:.0f} requests/s on two otherwise idle cores against the "
            f"{r['all HTTP requests']['per_second']} requests/s served here.",
        ]
    if latest["failures"]:
        lines += ["", "Failures (locust): " + "; ".join(f"`{f[:160]}`" for f in latest["failures"])]
    if len(history) > 1:
        lines += [
            "",
            "All recorded runs (p95 / p99 ms; errors):",
            "",
            "| run | when | load avg | practice dashboard | report API list | overview (PCT) | all requests |",
            "|---|---|---|---|---|---|---|",
        ]
        for h in history:
            res = h["results"]

            def cell(name: str, res=res) -> str:
                v = res.get(name)
                return f"{v['p95_ms']} / {v['p99_ms']}; {v['errors']}" if v else "–"

            lines.append(
                f"| {h['label']} | {h['when']} | {h['load_average_before_after'][0]} | {cell('dashboard: practice')} | "
                f"{cell('API: report rows (all clients)')} | {cell('overview: PCT')} | {cell('all HTTP requests')} |"
            )
    if FINDINGS.exists():
        lines += ["", FINDINGS.read_text().strip()]
    return "\n".join(lines)


def write_markdown(history: list[dict]) -> None:
    """Rewrite only the text between the load markers (appended at the end of the file the first time)."""
    text = RESULTS_MD.read_text()
    block = f"{START}\n\n{markdown(history)}\n\n{END}"
    if START in text and END in text:
        text = text[: text.index(START)] + block + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    RESULTS_MD.write_text(text)
