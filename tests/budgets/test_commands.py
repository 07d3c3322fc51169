"""The budgets management commands: the demo (what `make run` shows a practice manager and PCT finance),
tariff imports and extract uploads from files."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

from activity.models import ActivityAggregate, AdmittedTariff, ExtractUpload, OutpatientTariff, TariffVersion
from budgets.choices import BudgetStatus
from budgets.models import BudgetSet, ReportRow
from pbc.models import FinancialYear


def test_budgets_demo_needs_the_demo_pct(db):
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_budgets_demo")


def test_budgets_demo_publishes_budgets_and_reports_once(
    db, client, capsys, django_capture_on_commit_callbacks
):
    call_command("seed_demo")
    # The demo's extract jobs run on the queue (eager here, on commit), never beside it: one attempt each.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_budgets_demo")
    assert set(ExtractUpload.objects.values_list("attempts", flat=True)) == {1}
    assert "budgets published (version 1)" in capsys.readouterr().out
    published = BudgetSet.objects.get(pct__code="5WV", status=BudgetStatus.PUBLISHED)
    uploads, rows = ExtractUpload.objects.count(), ReportRow.objects.count()
    assert uploads and rows
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_budgets_demo")  # again: nothing new
    assert BudgetSet.objects.filter(pct__code="5WV").count() == 1
    assert (ExtractUpload.objects.count(), ReportRow.objects.count()) == (uploads, rows)
    # The demo practice manager sees their dashboard, built from the uploaded extracts, and only theirs.
    client.force_login(get_user_model().objects.get(username="practice"))
    page = client.get(reverse("budgets:practice_dashboard", args=["L85001"]))
    assert page.status_code == 200 and published.year.label in page.content.decode()
    assert ReportRow.objects.filter(
        practice__code="L85001", year=published.year, level="practice", actual_pence__gt=0
    ).exists()
    assert client.get(reverse("budgets:practice_dashboard", args=["L85002"])).status_code == 404


# --- import_tariff and upload_extract --------------------------------------------------------------------

FIXTURES = Path(__file__).resolve().parents[1] / "activity" / "fixtures"


def tariff_files(*, admitted="admitted_2007.csv"):
    return [
        "--admitted", str(FIXTURES / admitted), "--outpatient", str(FIXTURES / "outpatient_2007.csv"),
        "--mff", str(FIXTURES / "mff_2007.csv"),
    ]  # fmt: skip


def stored_files(root) -> list[Path]:
    return [p for p in Path(root).rglob("*") if p.is_file()]


def test_import_tariff_imports_a_version(db, capsys):
    call_command("import_tariff", "2007/08", *tariff_files())
    version = TariffVersion.objects.get()
    assert (version.year.start_year, version.version, version.is_current) == (2007, 1, True)
    assert version.counts == {"admitted": 2, "outpatient": 2, "mff": 1}
    assert AdmittedTariff.objects.get(tariff=version, hrg="HA11A").non_elective_pence == 200_000
    assert "Imported 2007/08 tariff v1" in capsys.readouterr().out


def test_import_tariff_dry_run_checks_the_files_and_stores_nothing(db, capsys):
    call_command("import_tariff", "2007/08", *tariff_files(), "--dry-run")
    out = capsys.readouterr().out
    assert "Dry run" in out and "admitted: 2 rows" in out and "nothing stored" in out
    assert not TariffVersion.objects.exists() and not AdmittedTariff.objects.exists()
    assert not FinancialYear.objects.filter(start_year=2007).exists()


@pytest.mark.parametrize("dry_run", [False, True])
def test_import_tariff_bad_file_names_the_rows_and_stores_nothing(db, capsys, dry_run):
    with pytest.raises(CommandError, match="admitted tariff file has .* nothing was imported"):
        call_command("import_tariff", "2007/08", *tariff_files(admitted="admitted_bad.csv"),
                     *(["--dry-run"] if dry_run else []))  # fmt: skip
    errors = capsys.readouterr().err
    assert "row 2, ELECTIVE_TARIFF" in errors and "row 3, HRG" in errors
    assert not TariffVersion.objects.exists()
    assert not AdmittedTariff.objects.exists() and not OutpatientTariff.objects.exists()


def test_import_tariff_replacing_needs_a_reason(db):
    call_command("import_tariff", "2007/08", *tariff_files())
    with pytest.raises(CommandError, match="Give a reason"):
        call_command("import_tariff", "2007/08", "--mff", str(FIXTURES / "mff_2007.csv"))
    assert TariffVersion.objects.count() == 1
    call_command("import_tariff", "2007/08", "--mff", str(FIXTURES / "mff_2007.csv"), "--reason", "MFF fix")
    assert list(TariffVersion.objects.order_by("version").values_list("version", "is_current")) == [
        (1, False),
        (2, True),
    ]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["2007/08", "--admitted", "no/such/file.csv"], "is not a file"),
        (["2007-08", "--admitted", str(FIXTURES / "admitted_2007.csv")], "2007-08"),
        (["2007/08"], "at least one tariff file"),
    ],
)
def test_import_tariff_refuses_bad_arguments(db, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("import_tariff", *arguments)
    assert not TariffVersion.objects.exists()


@pytest.fixture
def tariff_year(world):
    call_command("import_tariff", "2007/08", *tariff_files())
    return world


def upload_extract(*arguments, path=FIXTURES / "apc_2007.csv"):
    call_command("upload_extract", "APC", str(path), "--pct", "5wv", *arguments)


def test_upload_extract_loads_and_publishes(tariff_year, capsys):
    upload_extract("--year", "2007/08", "--user", "pct_information")
    upload = ExtractUpload.objects.get()
    assert (upload.status, upload.pct, upload.actor.username) == (
        "succeeded",
        tariff_year.pct,
        "pct_information",
    )
    assert upload.bytes_read == upload.size_bytes == (FIXTURES / "apc_2007.csv").stat().st_size
    out = capsys.readouterr().out
    assert f"Published apc_2007.csv: {upload.rows_read:,} rows read." in out and "costed" in out
    assert ActivityAggregate.objects.current().filter(upload=upload, outcome="costed").exists()


def test_upload_extract_dry_run_checks_and_stores_nothing(tariff_year, capsys, private_media_root):
    upload_extract("--year", "2007/08", "--dry-run")
    out = capsys.readouterr().out
    assert "Dry run: apc_2007.csv can be loaded as APC for 2007/08" in out and "nothing stored" in out
    assert not ExtractUpload.objects.exists() and not ActivityAggregate.objects.exists()
    assert stored_files(private_media_root) == []


def _outside_the_year(tmp_path) -> Path:
    """The fixture extract without its one row refused for its dates alone: every row is in 2007/08."""
    lines = (FIXTURES / "apc_2007.csv").read_text().splitlines(keepends=True)
    path = tmp_path / "apc_2007_clean.csv"
    path.write_text("".join(line for line in lines if not line.startswith(("S5,", "S6,"))))
    return path


@pytest.mark.parametrize("dry_run", [False, True])
@pytest.mark.parametrize(
    ("source", "year", "message"),
    [
        ("not_apc", "2007/08", "missing"),  # an MFF file given as an APC extract
        ("wrong_year", "2006/07", "all dated outside 2006/07"),  # the wrong year chosen
    ],
)
def test_upload_extract_bad_file_gives_a_clear_error_and_stores_nothing(
    tariff_year, private_media_root, tmp_path, source, year, message, dry_run
):
    FinancialYear.objects.get_or_create(start_year=2006)
    path = FIXTURES / "mff_2007.csv" if source == "not_apc" else _outside_the_year(tmp_path)
    with pytest.raises(CommandError, match=message) as failure:
        upload_extract("--year", year, *(["--dry-run"] if dry_run else []), path=path)
    assert not dry_run or f"{path.name} would not be loaded" in str(failure.value)
    assert not ExtractUpload.objects.exists() and not ActivityAggregate.objects.exists()
    assert stored_files(private_media_root) == []


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--pct", "ZZZ", "--year", "2007/08"], "There is no PCT ZZZ"),
        (["--pct", "5WV", "--year", "2031/32"], "not a financial year"),
    ],
)
def test_upload_extract_refuses_unknown_pct_or_year(tariff_year, arguments, message):
    with pytest.raises(CommandError, match=message):
        call_command("upload_extract", "APC", str(FIXTURES / "apc_2007.csv"), *arguments)
    assert not ExtractUpload.objects.exists()
