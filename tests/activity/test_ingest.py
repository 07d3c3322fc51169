"""Tariff import and extract ingestion through the services, pages and API, on the database."""

from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django.urls import reverse
from rest_framework.test import APIClient

from activity import services
from activity.choices import UploadStatus
from activity.models import ActivityAggregate, AdmittedTariff, ExtractUpload, ProblemRow, TariffVersion
from pbc.choices import Role
from pbc.exceptions import ApplicationError
from pbc.models import FinancialYear
from tests.fixtures import SAMPLE_HES

FIXTURES = Path(__file__).parent / "fixtures"


def read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def year(db):
    return FinancialYear.objects.get_or_create(start_year=2007)[0]


@pytest.fixture
def tariff(year, world):
    return services.tariff_import(
        year=year,
        files={
            "admitted": ("admitted.csv", read("admitted_2007.csv")),
            "outpatient": ("op.csv", read("outpatient_2007.csv")),
            "mff": ("mff.csv", read("mff_2007.csv")),
        },
        actor=world.users[Role.PCT_FINANCE],
    )


def upload(world, year, data: bytes, name="apc.csv", dataset="APC", django_capture_on_commit_callbacks=None):
    stored = services.extract_upload_create(
        pct=world.pct, dataset=dataset, year=year, upload=ContentFile(data, name=name), filename=name,
        actor=world.users[Role.PCT_INFORMATION], confirm_restate=True,  # restatements here are meant
    )  # fmt: skip
    stored.refresh_from_db()
    if stored.status == UploadStatus.PENDING:
        stored = services.extract_process(upload_id=stored.pk)
    return stored


def current_totals(world):
    qs = ActivityAggregate.objects.current().filter(pct=world.pct)
    return qs.aggregate(activity=Sum("activity"), cost=Sum("cost_pence"))


def test_tariff_versions_need_a_reason_and_carry_over(tariff, year, world):
    assert tariff.version == 1 and tariff.counts == {"admitted": 2, "outpatient": 2, "mff": 1}
    with pytest.raises(ApplicationError, match="Give a reason"):
        services.tariff_import(year=year, files={"mff": ("m.csv", b"PROCODE3,MFF\nRD1,1.10\n")}, actor=None)
    v2 = services.tariff_import(
        year=year, files={"mff": ("m.csv", b"PROCODE3,MFF\nRD1,1.10\n")}, actor=None, reason="MFF corrected"
    )
    assert v2.version == 2 and v2.is_current and v2.counts["admitted"] == 2
    tariff.refresh_from_db()
    assert not tariff.is_current
    assert TariffVersion.history.filter(id=v2.pk, history_change_reason="MFF corrected").exists()


def test_bad_tariff_file_lists_rows_and_saves_nothing(year, world):
    with pytest.raises(ApplicationError) as caught:
        services.tariff_import(year=year, files={"admitted": ("a.csv", read("admitted_bad.csv"))}, actor=None)
    where = {(e["row"], e["column"]) for e in caught.value.extra["errors"]}
    assert (
        (2, "ELECTIVE_TARIFF") in where
        and (2, "NON_ELECTIVE_TRIMPOINT_DAYS") in where
        and (3, "HRG") in where
    )
    assert TariffVersion.objects.count() == 0 and AdmittedTariff.objects.count() == 0


def test_every_row_has_one_outcome_and_costs_to_the_penny(tariff, year, world):
    up = upload(world, year, read("apc_2007.csv"))
    assert up.status == UploadStatus.SUCCEEDED, up.error
    q = up.quality
    rows = {k: (v["rows"], v["value_pence"]) for k, v in q["by_outcome"].items()}
    assert rows == {
        "costed": (2, 315000 + 525000),  # (2000 + 4×250) × 1.05 = 3150.00; day case 5000 × 1.05 = 5250.00
        "uncosted": (1, 0),
        "unattributed": (1, 210000),  # priced for the PCT to see its value: 2000 × 1.05
        "non_pct": (1, 210000),
        "rejected": (2, 0),
        "duplicate": (1, 0),
    }
    assert up.rows_read == 8 == sum(r for r, _ in rows.values())
    reasons = {(r["outcome"], r["reason"]): r["rows"] for r in q["by_reason"]}
    assert (
        reasons[("rejected", "impossible_stay")] == 1
        and reasons[("rejected", "date_outside_financial_year")] == 1
    )
    assert reasons[("duplicate", "duplicate_key_in_file")] == 1 and reasons[("uncosted", "no_hrg")] == 1
    problem = {(p.line_no, p.outcome) for p in ProblemRow.objects.filter(upload=up)}
    assert {
        (6, "rejected"),
        (7, "duplicate"),
        (8, "rejected"),
        (3, "unattributed"),
        (5, "uncosted"),
    } <= problem
    own = ActivityAggregate.objects.current().get(practice=world.practice, outcome="costed")
    assert (own.pod, own.month.isoformat(), own.cost_pence, own.los_days) == ("NEL", "2007-05-01", 315000, 14)


def test_patient_identifiers_are_never_stored(tariff, year, world):
    up = upload(world, year, read("apc_2007.csv"))
    stored_text = " ".join(str(v) for row in ActivityAggregate.objects.values() for v in row.values())
    stored_text += " ".join(str(p.fields) for p in ProblemRow.objects.filter(upload=up))
    stored_text += str(up.quality) + str(up.changes)
    assert "PATIENTAAA" not in stored_text


def test_same_file_twice_replaces_and_changes_nothing(tariff, year, world):
    first = upload(world, year, read("apc_2007.csv"))
    before = current_totals(world)
    second = upload(world, year, read("apc_2007.csv"))
    assert second.status == UploadStatus.SUCCEEDED
    assert current_totals(world) == before
    assert not ActivityAggregate.objects.current().filter(upload=first).exists()
    assert second.changes["replaced_uploads"] == [first.pk]
    assert all(
        c["activity_before"] == c["activity_after"] and c["cost_before_pence"] == c["cost_after_pence"]
        for c in second.changes["slices"]
    )


def test_restated_month_replaces_only_that_provider_month(tariff, year, world):
    upload(world, year, read("apc_2007.csv"))
    restated = (
        b"SUSSPELLID,PSEUDO_HESID,GPPRAC,PROCODE3,TRETSPEF,SUSHRG,ADMIDATE,DISDATE,ADMIMETH,CLASSPAT,SPELDUR,STARTAGE\n"
        b"S1,X,L85001,RD1,300,HA11A,2007-05-01,2007-05-11,21,1,10,45\n"
    )
    up = upload(world, year, restated)
    may = ActivityAggregate.objects.current().filter(provider="RD1", month="2007-05-01")
    assert list(may.values_list("upload_id", flat=True).distinct()) == [up.pk]
    assert may.get().cost_pence == 210000  # stay 10 = trim point: no excess days
    june = ActivityAggregate.objects.current().filter(month="2007-06-01")
    assert june.aggregate(c=Sum("cost_pence"))["c"] == 525000  # June was not restated, so it stands


def test_key_already_loaded_in_a_month_not_restated_is_a_duplicate(tariff, year, world):
    upload(world, year, read("apc_2007.csv"))
    resent = (
        b"SUSSPELLID,PSEUDO_HESID,GPPRAC,PROCODE3,TRETSPEF,SUSHRG,ADMIDATE,DISDATE,ADMIMETH,CLASSPAT,SPELDUR,STARTAGE\n"
        b"S7,X,L85003,RD1,300,HA11A,2007-07-01,2007-07-01,11,2,0,60\n"
    )
    up = upload(world, year, resent)
    assert up.quality["by_outcome"]["duplicate"]["rows"] == 1


def test_year_without_tariff_loads_uncosted_then_costs_when_tariff_arrives(
    year, world, django_capture_on_commit_callbacks
):
    up = upload(world, year, read("apc_2007.csv"))
    assert up.quality["by_outcome"]["costed"]["rows"] == 0
    assert any(r["reason"] == "no_tariff_for_year" for r in up.quality["by_reason"])
    with django_capture_on_commit_callbacks(execute=True):
        services.tariff_import(
            year=year,
            files={"admitted": ("a.csv", read("admitted_2007.csv")), "mff": ("m.csv", read("mff_2007.csv"))},
            actor=None,
        )
    up.refresh_from_db()
    assert up.quality["by_outcome"]["costed"] == {"rows": 2, "value_pence": 840000}
    assert current_totals(world)["cost"] == 840000 + 210000 + 210000


HEADER = b"SUSSPELLID,GPPRAC,PROCODE3,SUSHRG,ADMIDATE,DISDATE,ADMIMETH\n"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (HEADER, "no data rows"),
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "not"),
        (b"SUSSPELLID,GPPRAC,PROCODE3,SUSHRG\nS1,L85001,RD1,HA11A\n", "ADMIDATE"),
        (
            b"ATTENDKEY,GPPRAC,PROCODE3,APPTDATE,TRETSPEF,FIRSTATT,ATTENDED\nA1,L85001,RD1,2007-05-01,300,1,5\n",
            "OP",
        ),
        (HEADER + b"S1,L85001,RD1,HA11A,2009-05-01,2009-05-02,21\n", "outside 2007/08"),
    ],
    ids=["empty", "header-only", "binary", "missing-columns", "wrong-dataset", "wrong-year"],
)
def test_unreadable_uploads_are_refused_and_nothing_is_stored(year, world, data, message):
    with pytest.raises(ApplicationError) as caught:
        upload(world, year, data)
    assert message.lower() in caught.value.message.lower()
    assert ExtractUpload.objects.count() == 0


def test_oversized_upload_refused(year, world, settings):
    settings.PBC_MAX_UPLOAD_BYTES = 100
    with pytest.raises(ApplicationError, match="the limit is"):
        upload(world, year, read("apc_2007.csv"))
    assert ExtractUpload.objects.count() == 0


def test_failed_processing_leaves_published_figures_and_can_be_retried(tariff, year, world, monkeypatch):
    upload(world, year, read("apc_2007.csv"))
    before = current_totals(world)

    def broken(*args, **kwargs):
        raise RuntimeError("worker lost")

    monkeypatch.setattr(services.costing, "aggregate_costed", broken)
    stored = services.extract_upload_create(
        pct=world.pct, dataset="APC", year=year, upload=ContentFile(read("apc_2007.csv"), name="again.csv"),
        filename="again.csv", actor=None,
    )  # fmt: skip
    with pytest.raises(RuntimeError):
        services.extract_process(upload_id=stored.pk)
    stored.refresh_from_db()
    assert stored.status == UploadStatus.FAILED and "retry" in stored.error
    assert current_totals(world) == before
    assert not ActivityAggregate.objects.filter(upload=stored).exists()
    monkeypatch.undo()
    services.extract_upload_retry(upload=stored, actor=None)
    done = services.extract_process(upload_id=stored.pk)
    assert done.status == UploadStatus.SUCCEEDED and done.attempts == 2
    assert current_totals(world) == before


def test_real_hes_sample_imports_as_it_is(world):
    year = FinancialYear.objects.get_or_create(start_year=2001)[0]
    up = upload(world, year, SAMPLE_HES.read_bytes(), name=SAMPLE_HES.name)
    assert up.status == UploadStatus.SUCCEEDED, up.error
    q = up.quality
    assert up.rows_read == 2075
    assert q["rows"] + q["episodes_folded"] == 2075  # every row is a spell's outcome or folded into one
    reasons = {(r["outcome"], r["reason"]): r["rows"] for r in q["by_reason"]}
    # The sample's README: 27 V81999 and 11 V81998 (default codes) and 11 "&" (missing) are unattributed.
    assert reasons[("unattributed", "practice_code_default")] == 38
    assert reasons[("unattributed", "practice_code_missing")] == 11
    # Every other practice is a real national code outside this PCT.
    assert (
        q["by_outcome"]["non_pct"]["rows"]
        == 2075 - 49 - q["by_outcome"]["uncosted"]["rows"] - q["by_outcome"]["rejected"]["rows"]
    )
    # SUSHRG is blank in this year: PCT rows are uncosted with that reason, not dropped.
    assert q["by_outcome"]["uncosted"]["rows"] == reasons[("uncosted", "no_hrg")] > 0


def test_upload_page_and_problem_rows_csv(tariff, year, world, client, django_capture_on_commit_callbacks):
    client.force_login(world.users[Role.PCT_INFORMATION])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("activity:upload_create"),
            {"dataset": "APC", "year": year.pk, "file": SimpleUploadedFile("apc.csv", read("apc_2007.csv"))},
        )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "every row accounted for" in page and "£8,400.00" in page
    up = ExtractUpload.objects.get()
    csv_text = b"".join(
        client.get(reverse("activity:upload_problems_csv", kwargs={"pk": up.pk})).streaming_content
    ).decode()
    assert (
        "line,outcome,reason" in csv_text.splitlines()[0].lstrip("\ufeff") and "impossible_stay" in csv_text
    )
    bad = client.post(
        reverse("activity:upload_create"),
        {"dataset": "OP", "year": year.pk, "file": SimpleUploadedFile("apc.csv", read("apc_2007.csv"))},
    )
    assert bad.status_code == 200 and "APC" in bad.content.decode()


def test_api_upload_answers_202_and_activity_is_scoped(
    tariff, year, world, django_capture_on_commit_callbacks
):
    api = APIClient()
    api.force_authenticate(world.users[Role.API_CLIENT_WRITE])
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            reverse("upload-list"),
            {
                "dataset": "APC",
                "year": "2007/08",
                "file": SimpleUploadedFile("apc.csv", read("apc_2007.csv")),
            },
            format="multipart",
        )
    assert response.status_code == 202, response.json()
    job = api.get(response["Location"]).json()
    assert job["status"] == "succeeded" and job["quality"]["by_outcome"]["costed"]["rows"] == 2
    bad = api.post(
        reverse("upload-list"),
        {"dataset": "APC", "year": "2007/08", "file": SimpleUploadedFile("e.csv", b"")},
        format="multipart",
    )
    assert bad.status_code == 400 and bad.json()["message"]
    api.force_authenticate(world.users[Role.PRACTICE_MANAGER])
    rows = api.get(reverse("activity-list")).json()["results"]
    assert {r["practice"] for r in rows} == {"L85001"}
    assert {r["cost"] for r in rows if r["outcome"] == "costed"} == {"3150.00"}
    assert api.post(reverse("upload-list"), {}, format="multipart").status_code == 403


def test_stalled_job_is_marked_failed_and_retryable(tariff, year, world):
    from datetime import timedelta

    from django.utils import timezone

    stored = services.extract_upload_create(
        pct=world.pct,
        dataset="APC",
        year=year,
        upload=ContentFile(read("apc_2007.csv"), name="a.csv"),
        filename="a.csv",
        actor=None,
    )
    ExtractUpload.objects.filter(pk=stored.pk).update(
        status=UploadStatus.RUNNING, heartbeat=timezone.now() - timedelta(hours=1)
    )
    fresh = services.extract_upload_create(
        pct=world.pct,
        dataset="APC",
        year=year,
        upload=ContentFile(read("apc_2007.csv") + b"\n", name="b.csv"),  # another file
        filename="b.csv",
        actor=None,
    )
    ExtractUpload.objects.filter(pk=fresh.pk).update(status=UploadStatus.RUNNING, heartbeat=timezone.now())
    assert services.extract_mark_stalled() == [stored.pk]
    stored.refresh_from_db()
    assert stored.status == UploadStatus.FAILED and "worker was lost" in stored.error
    services.extract_upload_retry(upload=stored, actor=None)
    assert services.extract_process(upload_id=stored.pk).status == UploadStatus.SUCCEEDED


def test_raw_files_are_purged_after_the_retention_period(tariff, year, world, settings):
    from datetime import timedelta

    from django.utils import timezone

    up = upload(world, year, read("apc_2007.csv"))
    path = Path(up.file.path)
    assert path.exists()
    settings.PBC_RAW_FILE_RETENTION_DAYS = 30
    assert services.extract_raw_files_purge(now=timezone.now() + timedelta(days=29)) == 0
    assert services.extract_raw_files_purge(now=timezone.now() + timedelta(days=31)) == 1
    up.refresh_from_db()
    assert not path.exists() and not up.file
    assert ActivityAggregate.objects.current().filter(upload=up).exists()  # the figures stay


def test_rows_with_the_wrong_number_of_fields_are_rejected_not_lost(tariff, year, world):
    data = read("apc_2007.csv") + b"S9,PX,L85001,RD1\n"
    up = upload(world, year, data)
    assert up.status == UploadStatus.SUCCEEDED, up.error
    assert up.rows_read == 9 == up.quality["rows"]
    reasons = {(r["outcome"], r["reason"]): r["rows"] for r in up.quality["by_reason"]}
    assert reasons[("rejected", "malformed_row_wrong_number_of_fields")] == 1
    assert ProblemRow.objects.filter(
        upload=up, line_no=10, reason="malformed_row_wrong_number_of_fields"
    ).exists()


def test_duplicate_across_chunks_is_stored_like_any_duplicate(tariff, year, world, monkeypatch):
    monkeypatch.setattr(
        services, "CHUNK_ROWS", 2
    )  # S1 and its repeat (lines 2 and 7) fall in different chunks
    up = upload(world, year, read("apc_2007.csv"))
    dup = ActivityAggregate.objects.get(upload=up, outcome="duplicate")
    assert (dup.reason, dup.price_reason, dup.excess_days, dup.cost_pence, dup.mff_defaulted) == (
        "duplicate_key_in_file",
        "",
        0,
        0,
        False,
    )
    assert up.quality["by_outcome"]["costed"] == {"rows": 2, "value_pence": 840000}


def test_malformed_and_over_long_codes_are_rejected_rows_and_good_rows_are_costed(tariff, year, world):
    """Codes are checked against their patterns and values against their columns in Python, so the same file
    gives the same rejected rows on SQLite (which stores any length) as on PostgreSQL (which would fail the
    whole file with StringDataRightTruncation)."""
    good = read("apc_2007.csv").decode().splitlines()[1]  # S1: NEL spell, £3,150.00
    bad = [
        'B1,PX1,L85001,"=HYPERLINK(""x"")",300,HA11A,2007-05-01,2007-05-15,21,1,14,45',  # line 3
        "B2,PX2,L85001,RD1,3000000000,HA11A,2007-05-01,2007-05-15,21,1,14,45",  # line 4: over-long TRETSPEF
        "B3,PX3,L85001,RD1,300,HA11AHA11AHA11A,2007-05-01,2007-05-15,21,1,14,45",  # line 5: over-long HRG
        f"{'K' * 65},PX4,L85001,RD1,300,HA11A,2007-05-01,2007-05-15,21,1,14,45",  # line 6: record key > 64
    ]
    data = "\n".join([read("apc_2007.csv").decode().splitlines()[0], good, *bad]).encode() + b"\n"
    up = upload(world, year, data)
    assert up.status == UploadStatus.SUCCEEDED, up.error
    assert up.quality["by_outcome"]["costed"] == {"rows": 1, "value_pence": 315000}
    assert up.quality["by_outcome"]["rejected"] == {"rows": 4, "value_pence": 0}
    problems = {p.line_no: p for p in ProblemRow.objects.filter(upload=up)}
    assert {n: p.reason for n, p in problems.items()} == {
        3: "provider_code_invalid",
        4: "treatment_function_invalid",
        5: "hrg_code_invalid",
        6: "value_too_long",
    }
    assert problems[3].fields["invalid_value"] == 'PROCODE3: =HYPERLINK("X")'
    assert problems[6].fields["invalid_value"].startswith("SUSSPELLID: KKK")
    # Nothing malformed reached a stored column: the published provider is the good row's only.
    assert set(ActivityAggregate.objects.filter(upload=up).values_list("provider", flat=True)) <= {"RD1", ""}
    assert set(ActivityAggregate.objects.current().values_list("provider", flat=True)) == {"RD1"}
    assert current_totals(world) == {"activity": 1, "cost": 315000}


def test_stored_lengths_come_from_the_model_fields():
    assert services.stored_lengths() == {"procode3": 5, "tretspef": 3, "hrg": 5, "record_key": 64}
