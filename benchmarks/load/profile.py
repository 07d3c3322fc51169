"""Single-request profile of the pages and API the load test hits, on the load test's database: wall time,
query count and the slowest queries of each, with ``EXPLAIN ANALYZE`` for the slowest (``--explain``).

    python -m benchmarks.load.profile [--repeat 20] [--explain] [--cprofile NAME]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import time

from benchmarks.load.env import DEFAULT_DATABASE_URL, OUT, server_env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--database-url", default=os.environ.get("PBC_LOAD_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--cprofile", default="", help="profile the request of this name with cProfile")
    args = parser.parse_args()
    os.environ.update(server_env(args.database_url, None))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    world = json.loads((OUT / "world.json").read_text())
    manager = world["practice_managers"][0]
    code = manager["practice"]
    users = get_user_model().objects
    pages = Client()
    pages.force_login(users.get(username=manager["username"]))
    overview = Client()
    overview.force_login(users.get(username=world["finance"]))
    api = {"HTTP_AUTHORIZATION": f"Token {world['tokens']['pct']}"}
    requests = {
        "dashboard: practice": (pages, f"/activity/dashboard/practices/{code}/?year=2007/08", {}),
        "dashboard: practice drill-down": (
            pages,
            f"/activity/dashboard/practices/{code}/drill-down/?year=2007/08&category=EL",
            {},
        ),
        "overview: PCT": (overview, "/activity/dashboard/overview/?year=2007/08", {}),
        "API: report rows": (Client(), f"/api/v1/reports/?practice={code}&year=2007/08&month=6", api),
        "API: report rows, category": (
            Client(),
            f"/api/v1/reports/?practice={code}&year=2007/08&month=6&category=EL",
            api,
        ),
    }
    for name, (client, path, headers) in requests.items():
        times, cpu = [], []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as queries:
                clock, cpu_clock = time.perf_counter(), time.process_time()
                response = client.get(path, HTTP_HOST="127.0.0.1", **headers)
                times.append((time.perf_counter() - clock) * 1000)
                cpu.append((time.process_time() - cpu_clock) * 1000)
            assert response.status_code == 200, (name, response.status_code)
        slowest = sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:3]
        print(
            f"{name}: median {statistics.median(times):.1f} ms (app CPU {statistics.median(cpu):.1f} ms), "
            f"min {min(times):.1f} ms, "
            f"{len(queries.captured_queries)} queries, {len(response.content):,} bytes"
        )
        for q in slowest:
            print(f"    {float(q['time']) * 1000:.1f} ms  {q['sql'][:220]}")
        if args.explain and slowest:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest[0]["sql"])
                print("    " + "\n    ".join(r[0] for r in cursor.fetchall()))
        if args.cprofile == name:
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(args.repeat):
                client.get(path, HTTP_HOST="127.0.0.1", **headers)
            profile.disable()
            pstats.Stats(profile).sort_stats(os.environ.get("PBC_PROFILE_SORT", "cumulative")).print_stats(35)


if __name__ == "__main__":
    main()
