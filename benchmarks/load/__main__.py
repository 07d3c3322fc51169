"""Load test (issues 4 and 8): gunicorn + PostgreSQL + a Celery worker on loopback, 20 locust users.

python -m benchmarks.load                 # setup (≈10 min) then run; figures into benchmarks/RESULTS.md
python -m benchmarks.load setup           # fresh database pbc_h6: 300 practices × 5 years, users, tokens
python -m benchmarks.load run             # gunicorn, worker, locust --headless -u 20 -r 5 -t 60s
"""

from __future__ import annotations

import argparse
import os

from benchmarks.load.env import DEFAULT_BROKER_URL, DEFAULT_DATABASE_URL, server_env


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "phase", nargs="?", default="all", choices=["all", "setup", "finish-setup", "run", "table"]
    )
    parser.add_argument(
        "--database-url", default=os.environ.get("PBC_LOAD_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument("--broker-url", default=os.environ.get("PBC_LOAD_BROKER_URL", DEFAULT_BROKER_URL))
    parser.add_argument("--spells", type=int, default=1_000_000, help="spells per year of activity")
    parser.add_argument("--practices", type=int, default=300)
    parser.add_argument("--label", default="latest", help="name of this run in results.json / RESULTS.md")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--port", type=int, default=8097)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--eager", action="store_true", help="run the upload's tasks in gunicorn, no worker")
    parser.add_argument(
        "--quiet", type=float, nargs=2, default=(2.0, 120.0), metavar=("LOAD", "SECONDS"),
        help="before the measured run wait up to SECONDS for the 1-minute load average to fall below LOAD",
    )  # fmt: skip
    args = parser.parse_args()
    if args.phase in ("all", "setup"):
        from benchmarks.load.setup import setup

        setup(args.database_url, spells=args.spells, practices=args.practices)
    if args.phase == "finish-setup":  # users, tokens and static files again, on an already built database
        os.environ.update(server_env(args.database_url, None))
        from benchmarks.load.setup import finish

        finish()
    if args.phase == "table":  # rewrite the RESULTS.md section from benchmarks/load/results.json
        import json

        from benchmarks.load.run import HISTORY, write_markdown

        write_markdown(json.loads(HISTORY.read_text()))
    if args.phase in ("all", "run"):
        from benchmarks.load.run import run

        args.quiet, args.quiet_wait = args.quiet
        run(args)


if __name__ == "__main__":
    main()
