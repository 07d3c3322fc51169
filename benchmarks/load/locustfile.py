"""Locust users for the load test: practice managers on their dashboards, locality and PCT staff on the
overview, an API client (PCT-wide token) reading report rows, and one extract upload polled until published.

Run by ``python -m benchmarks.load run`` (which starts gunicorn and a Celery worker first); by hand:

    PBC_LOAD_WORLD=benchmarks/out/load/world.json locust -f benchmarks/load/locustfile.py \
        --host http://127.0.0.1:8097 --headless -u 20 -r 5 -t 60s

Every response is checked: status codes, and that a practice manager is never shown another practice's
figures — their pages name no other practice code, another practice's dashboard is a 404, and every report
row the API gives them (signed in, session) is their practice's; asked for another practice's, none.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from http.cookiejar import Cookie
from pathlib import Path
from urllib.parse import urlencode

from locust import FastHttpUser, HttpUser, between, events, task

SESSIONS = (
    json.loads(Path(os.environ["PBC_LOAD_SESSIONS"]).read_text())
    if os.environ.get("PBC_LOAD_SESSIONS")
    else {}
)
WORLD = json.loads(Path(os.environ.get("PBC_LOAD_WORLD", "benchmarks/out/load/world.json")).read_text())
YEARS = ["2003/04", "2004/05", "2005/06", "2006/07", "2007/08"]
CURRENT = YEARS[-1]
CATEGORIES = ["ALL", "EL", "DC", "NEL", "OPFA", "OPFUP", "DERM"]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PRACTICE_CODE = re.compile(r"\bB8\d{4}\b")  # the benchmark's practice codes
THINK = float(os.environ.get("PBC_LOAD_THINK", "1"))  # 1: 0.5–1.5 s between a user's requests; 0: none
UPLOAD = os.environ.get("PBC_LOAD_UPLOAD", "1") == "1"  # 0 for the unrecorded warm-up run
RAW = os.environ.get("PBC_LOAD_RAW")  # where to write every sample (name, ms, ok) for exact percentiles
_samples: list[tuple[str, str, float, bool]] = []
_managers = itertools.cycle(WORLD["practice_managers"])


class _Window:
    """Samples count from the moment every user has signed in (20 logins at once are a storm of password
    hashing on a 2-core machine, not the steady state being measured); logins are recorded apart."""

    ready = 0
    start: float | None = None


@events.request.add_listener
def _record(request_type, name, response_time, exception=None, **kwargs) -> None:
    if _Window.start is not None or name.startswith("login"):
        _samples.append((request_type, name, response_time, exception is None))


def _signed_in(user) -> None:
    _Window.ready += 1
    if _Window.ready >= user.environment.runner.target_user_count and _Window.start is None:
        _Window.start = time.monotonic()


@events.quitting.add_listener
def _dump(**kwargs) -> None:
    if RAW:
        seconds = time.monotonic() - _Window.start if _Window.start else 0
        Path(RAW).write_text(json.dumps({"seconds": seconds, "samples": _samples}))


def _year() -> str:
    """Mostly this year's position, sometimes an earlier year."""
    return CURRENT if random.random() < 0.7 else random.choice(YEARS[:-1])


def _fail(response, message: str) -> None:
    if response.status_code == 0:  # no HTTP answer: say why (connection refused, reset, timed out)
        message = f"no response: {type(response.error).__name__}: {str(response.error)[:120]}"
    response.failure(message)


class _Signed(FastHttpUser):
    """Signed-in page users on locust's light HTTP client (it keeps the session cookie), so the load
    generator takes less of the 2 cores it shares with the server."""

    abstract = True
    wait_time = between(0.5 * THINK, 1.5 * THINK)

    def login(self, username: str) -> None:
        if username in SESSIONS:  # signed in before the run (see run.py): reuse that session
            self.client.cookiejar.set_cookie(
                Cookie(0, "sessionid", SESSIONS[username], None, False, "127.0.0.1", False, False, "/", True,
                       False, None, False, None, None, {})
            )  # fmt: skip
            return
        page = self.client.get("/login/", name="login page")
        found = CSRF.search(page.text or "")
        token = found.group(1) if found else ""
        with self.client.post(
            "/login/",
            data={"username": username, "password": WORLD["password"], "csrfmiddlewaretoken": token},
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                _fail(response, f"login as {username}: {response.status_code}")


class PracticeManager(_Signed):
    """Their own practice's dashboard, its drill-down; never anyone else's."""

    weight = 10

    def on_start(self) -> None:
        me = next(_managers)
        self.code = me["practice"]
        self.login(me["username"])
        others = [m["practice"] for m in WORLD["practice_managers"] if m["practice"] != self.code]
        self.other = random.choice(others)
        _signed_in(self)

    def _own_page(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                _fail(response, f"{response.status_code}")
                return
            seen = set(PRACTICE_CODE.findall(response.text)) - {self.code}
            if self.code not in response.text:
                _fail(response, "own practice not on the page")
            elif seen:
                _fail(response, f"LEAK: practice manager of {self.code} shown {sorted(seen)[:5]}")

    @task(10)
    def dashboard(self) -> None:
        self._own_page(f"/activity/dashboard/practices/{self.code}/?year={_year()}", "dashboard: practice")

    @task(2)
    def drilldown(self) -> None:
        category = random.choice(["EL", "NEL", "OPFA"])
        self._own_page(
            f"/activity/dashboard/practices/{self.code}/drill-down/?year={CURRENT}&category={category}",
            "dashboard: practice drill-down",
        )

    @task(3)
    def api_rows(self) -> None:
        _read_rows(self.client, self.code, {})

    @task(1)
    def api_someone_elses_rows(self) -> None:
        other = random.choice([c for c in WORLD["practices"] if c != self.code])
        with self.client.get(
            "/api/v1/reports/?" + urlencode({"practice": other, "year": CURRENT}),
            name="API: another practice's rows (must be empty)",
            catch_response=True,
        ) as response:
            if response.status_code != 200 or response.json().get("count") != 0:
                _fail(response, f"LEAK: {self.code}'s manager got {other}'s rows ({response.status_code})")

    @task(1)
    def someone_elses(self) -> None:
        with self.client.get(
            f"/activity/dashboard/practices/{self.other}/?year={CURRENT}",
            name="dashboard: another practice (must be 404)",
            catch_response=True,
        ) as response:
            if response.status_code == 404:
                response.success()
            else:
                _fail(response, f"LEAK: another practice's dashboard answered {response.status_code}")


class Overview(_Signed):
    """Locality lead and PCT finance: league table, heat map and totals."""

    weight = 3

    def on_start(self) -> None:
        self.pct_wide = random.random() < 0.5
        self.login(WORLD["finance"] if self.pct_wide else WORLD["locality_lead"]["username"])
        _signed_in(self)

    @task
    def overview(self) -> None:
        if self.pct_wide:
            locality = random.choice(["", *WORLD["localities"]])
            path, name = f"/activity/dashboard/overview/?year={_year()}&locality={locality}", "overview: PCT"
        else:
            path, name = f"/activity/dashboard/overview/?year={_year()}", "overview: locality"
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                _fail(response, f"{response.status_code}")


def _read_rows(client, own: str | None, headers: dict) -> None:
    """A page of one practice's report rows for a month (and sometimes one category)."""
    code = own or random.choice(WORLD["practices"])
    params = {"practice": code, "year": _year(), "month": random.randint(1, 12)}
    if random.random() < 0.5:
        params["category"] = random.choice(CATEGORIES)
    name = "API: report rows (practice manager)" if own else "API: report rows (PCT token)"
    with client.get(
        "/api/v1/reports/?" + urlencode(params), name=name, headers=headers, catch_response=True
    ) as response:
        if response.status_code != 200:
            _fail(response, f"{response.status_code}")
            return
        rows = response.json().get("results", [])
        if not rows:
            _fail(response, "no rows")
        elif any(r["practice"] != code for r in rows):
            _fail(response, f"LEAK: rows of another practice in {code}'s list")


class ApiReader(FastHttpUser):
    """Other NHS systems reading report rows with a PCT-wide token: by practice, month and category."""

    weight = 6
    wait_time = between(0.5 * THINK, 1.5 * THINK)

    def on_start(self) -> None:
        self.auth = {"Authorization": f"Token {WORLD['tokens']['pct']}"}
        _signed_in(self)

    @task
    def report_rows(self) -> None:
        _read_rows(self.client, None, self.auth)


class Uploader(HttpUser):
    """Exactly one extract upload per run (one provider-month of admitted care), polled until published."""

    fixed_count = 1
    wait_time = between(0.5 * THINK, 1.5 * THINK)

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Token {WORLD['tokens']['writer']}"
        self.done = not UPLOAD
        _signed_in(self)

    @task
    def upload_once(self) -> None:
        if _Window.start is None:  # upload once everyone is reading, inside the measured window
            return
        if self.done:  # then a PCT-wide API reader like the others
            _read_rows(self.client, None, {})
            return
        self.done = True
        from benchmarks.load.extract import small_apc_extract

        started = time.monotonic()
        content = small_apc_extract(WORLD["practices"])
        with self.client.post(
            "/api/v1/uploads/",
            data={"dataset": "APC", "year": CURRENT},
            files={"file": ("load_test_apc_0708.csv", content, "text/csv")},
            name="API: extract upload",
            catch_response=True,
        ) as response:
            if response.status_code != 202:
                _fail(response, f"{response.status_code}: {response.text[:200]}")
                return
            pk = response.json()["id"]
        status = ""
        while time.monotonic() - started < 300:
            time.sleep(1)
            with self.client.get(
                f"/api/v1/uploads/{pk}/", name="API: upload status (poll)", catch_response=True
            ) as response:
                if response.status_code != 200:
                    _fail(response, f"{response.status_code}")
                    continue
                status = response.json()["status"]
            if status in ("succeeded", "failed"):
                break
        events.request.fire(
            request_type="JOB",
            name="extract upload → published (queue, ingest, publish)",
            response_time=(time.monotonic() - started) * 1000,
            response_length=len(content),
            exception=None
            if status == "succeeded"
            else RuntimeError(f"upload ended {status or 'unfinished'}"),
            context={},
        )
