"""Activity lines: one per costed spell, written with the aggregates, restated with them, never raw ids."""

from __future__ import annotations

from datetime import date

from django.db.models import Sum

from activity.models import ActivityAggregate, ActivityLine
from activity.validation.lines import lines_frame
from tests.activity.validation.conftest import COST, HEADER, SPELLS, publish


def test_each_costed_spell_of_a_pct_practice_is_a_line_with_its_cost(published, world):
    lines = {line.record_key: line for line in ActivityLine.objects.current()}
    assert {k: v.cost_pence for k, v in lines.items()} == COST  # S5 is another PCT's practice
    s1 = lines["S1"]
    assert (s1.practice_id, s1.month, s1.activity_date, s1.pod, s1.hrg) == (
        world.practice.pk, date(2007, 5, 1), date(2007, 5, 15), "NEL", "HA11A",
    )  # fmt: skip
    assert s1.attempt == published.attempts and s1.upload_id == published.pk
    # The patient is only the keyed hash, the same for both of PATIENTAAA1's spells.
    assert len(s1.patient_key) == 32 and "PATIENT" not in s1.patient_key
    assert lines["S4"].patient_key == s1.patient_key


def test_lines_add_up_to_the_published_aggregates(published, world):
    agg = ActivityAggregate.objects.current().filter(
        practice__isnull=False, outcome__in=["costed", "uncosted"]
    )
    by_month = lambda qs: dict(qs.values_list("month").annotate(Sum("cost_pence")).order_by())  # noqa: E731
    assert by_month(ActivityLine.objects.current()) == by_month(agg)


def test_a_restating_upload_replaces_the_lines_of_its_provider_months(published, world, year):
    first = set(ActivityLine.objects.current().values_list("pk", flat=True))
    # May again, without S2: May's old lines stop counting; June's (not in the new file) stay.
    again = publish(world, year, HEADER + SPELLS.replace(SPELLS.splitlines()[1] + "\n", ""), name="may.csv")
    current = ActivityLine.objects.current()
    assert set(current.filter(upload=again).values_list("record_key", flat=True)) == {"S1", "S3", "S4"}
    assert set(current.filter(upload=published).values_list("record_key", flat=True)) == set()
    assert ActivityLine.objects.filter(pk__in=first).count() == len(first)  # kept, not deleted


def test_lines_of_a_lost_attempt_never_count(published):
    ActivityLine.objects.filter(upload=published).update(attempt=published.attempts + 1)
    assert not ActivityLine.objects.current().exists()


def test_lines_frame_keeps_only_attributed_costed_and_uncosted_rows():
    import pandas as pd

    costed = pd.DataFrame(
        {
            "line_no": [2, 3, 4],
            "record_key": ["A", "B", "C"],
            "patient_key": [pd.NA, pd.NA, pd.NA],
            "practice": ["L85001", "L85001", "V81999"],
            "outcome": ["costed", "rejected", "unattributed"],
            "month": pd.to_datetime(["2007-05-01", "2007-05-01", "2007-05-01"]),
            "disdate": ["2007-05-03", "2007-05-04", "2007-05-05"],
            "pod": ["NEL"] * 3, "provider": ["RD1"] * 3, "tretspef": ["300"] * 3, "hrg": ["HA11A"] * 3,
            "ae_type": [pd.NA] * 3, "price_reason": [pd.NA] * 3, "los_days": pd.array([2, 2, 2], dtype="Int64"),
            "ssem_eligible": [False] * 3, "mff_defaulted": [False] * 3,
            "excess_days": pd.array([0, pd.NA, 0], dtype="Int64"),
            "price_pence": pd.array([210000, pd.NA, 210000], dtype="Int64"),
        }
    )  # fmt: skip
    frame = lines_frame(costed, "APC", {"L85001": 7})
    assert frame["record_key"].tolist() == ["A"]
    assert frame["cost_pence"].tolist() == [210000] and frame["practice_id"].tolist() == [7]


def test_repricing_keeps_a_did_not_attend_line_unpriced_beside_an_attended_one():
    import pandas as pd

    from activity import tariff_files
    from activity.extract_schema import Reason
    from activity.validation.lines import reprice_lines
    from tests.activity.test_ingest import read

    tariff = tariff_files.TariffTables(
        outpatient=tariff_files.read_outpatient_tariff(read("outpatient_2007.csv")),
        mff=tariff_files.read_mff(b"PROCODE3,MFF\nRD1,1.10\n"),
    )
    lines = pd.DataFrame(
        {
            "pk": [1, 2, 3], "practice": ["L85001"] * 3, "month": pd.to_datetime(["2007-05-01"] * 3),
            "pod": ["OPFA"] * 3, "provider": ["RD1"] * 3, "tretspef": ["300"] * 3, "hrg": [""] * 3,
            "ae_type": [""] * 3, "los_days": pd.array([pd.NA] * 3, dtype="Int64"), "ssem_eligible": [False] * 3,
            "outcome": ["costed", "uncosted", "costed"], "price_reason": ["", Reason.NOT_ATTENDED.value, ""],
        }
    )  # fmt: skip
    priced = reprice_lines(lines, tariff).set_index("pk")
    first = tariff.outpatient.set_index("tretspef").loc["300", "first_pence"]
    assert (
        priced.loc[1, "cost_pence"] == priced.loc[3, "cost_pence"] == (int(first) * 110000 + 50000) // 100000
    )
    assert priced.loc[2, "cost_pence"] == 0 and priced.loc[2, "outcome"] == "uncosted"
