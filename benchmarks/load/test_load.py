"""Checks of the load test's own parts (run on demand: ``python -m pytest benchmarks/load/test_load.py``):
the extract it uploads is accepted and costed by the product, the figures are summarised exactly, and the
results file keeps every other engineer's sections."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.db.models import Sum

from benchmarks import reports_bench
from benchmarks.load import run as load_run
from benchmarks.load.extract import MONTH, PROVIDER, small_apc_extract


@pytest.mark.django_db
def test_the_uploaded_extract_is_one_costed_provider_month(django_capture_on_commit_callbacks):
    from activity import services
    from activity.models import ActivityAggregate
    from pbc.models import FinancialYear, Pct, Practice

    pct = Pct.objects.create(code="5BM", name="Benchmark PCT")
    codes = [f"B8{i:04d}" for i in range(1, 6)]
    for code in codes:
        Practice.objects.create(pct=pct, code=code, name=code)
    year = FinancialYear.objects.create(start_year=2007)
    hrgs = reports_bench._hrgs(np.random.default_rng(1))
    services.tariff_import(
        year=year, files=reports_bench._tariff_files(2007, hrgs), actor=None, reason="test"
    )
    data = small_apc_extract(codes, spells=200, seed=3)
    with django_capture_on_commit_callbacks(execute=True):
        upload = services.extract_upload_create(
            pct=pct,
            dataset="APC",
            year=year,
            upload=ContentFile(data, name="x.csv"),
            filename="x.csv",
            actor=None,
        )
    upload.refresh_from_db()
    assert upload.status == "succeeded", upload.status
    rows = ActivityAggregate.objects.filter(upload=upload)
    by_outcome = dict(rows.values_list("outcome").annotate(n=Sum("activity")))
    assert sum(by_outcome.values()) == 200
    assert by_outcome["costed"] >= 190  # a default practice code or two is unattributed, nothing else
    assert set(rows.values_list("provider", "month").distinct()) == {(PROVIDER, MONTH)}
    # A second run's file is new (not refused as the same extract sent twice).
    assert small_apc_extract(codes, spells=200, seed=3) != data or date.today() is None


def test_summary_percentiles_and_the_combined_api_line():
    samples = [("GET", "dashboard: practice", float(ms), True) for ms in range(1, 101)]
    samples += [("GET", "API: report rows (PCT client)", 10.0, True), ("GET", "API: report rows (practice client)", 30.0, False)]  # fmt: skip
    out = load_run.summarise(samples, seconds=10)
    assert out["dashboard: practice"] | {} == {
        "requests": 100, "errors": 0, "per_second": 10.0, "p50_ms": 50.5, "p95_ms": 95.0, "p99_ms": 99.0,
        "max_ms": 100.0,
    }  # fmt: skip
    combined = out["API: report rows (all clients)"]
    assert (combined["requests"], combined["errors"], combined["max_ms"]) == (2, 1, 30.0)
    assert out["all HTTP requests"]["requests"] == 102


def test_results_file_keeps_other_sections(tmp_path, monkeypatch):
    results = tmp_path / "RESULTS.md"
    results.write_text("# Ingest\n\ntable\n\n## Reports and budgets\n\nfigures\n")
    monkeypatch.setattr(load_run, "RESULTS_MD", results)
    entry = {
        "label": "before", "when": "now", "revision": "abc", "users": 20, "seconds": 60, "gunicorn": "-w 2",
        "celery": "eager", "load_average_before_after": [1.0, 2.0], "report_rows": 10, "failures": [],
        "results": load_run.summarise([("GET", "dashboard: practice", 120.0, True)], seconds=1),
    }  # fmt: skip
    load_run.write_markdown([entry])
    first = results.read_text()
    assert first.startswith("# Ingest\n\ntable\n\n## Reports and budgets\n\nfigures\n\n<!-- load:start -->")
    assert "| dashboard: practice | ≤ 150 | 1 | 0 | 1.0 | 120.0 | **120.0** ✓ |" in first
    results.write_text(first + "\n## Added later by someone else\n")
    load_run.write_markdown([entry, {**entry, "label": "after"}])
    second = results.read_text()
    assert second.count("<!-- load:start -->") == 1 and second.endswith("## Added later by someone else\n")
    assert "| before | now | 1.0 |" in second and "Latest run: **after**" in second
