"""The stored report built from plain frames: provider shares, roll-ups that add up, devolution, future months."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from budgets.constants import TOTAL
from budgets.report_tables import REPORT_COLUMNS, ReportInputs, apportion_by_share, build_report
from budgets.reporting import RagThresholds, monthly_report

P1, P2, P3 = 1, 2, 3
LOCALITIES = {P1: 10, P2: 10, P3: 20}


def frame(rows, columns):
    return pd.DataFrame.from_records(rows, columns=columns)


def actuals(rows):
    return frame(rows, ["practice_id", "category", "provider", "month", "activity_count", "actual_pence"])


def budgets(rows):
    return frame(rows, ["practice_id", "category", "annual_budget_pence"])


def shares(rows):
    return frame(rows, ["practice_id", "category", "provider", "baseline_pence"])


def test_provider_shares_add_up_exactly_with_spare_pennies_to_the_largest_remainder():
    split = apportion_by_share(
        totals=budgets([(P1, "NEL", 100)]),
        shares=shares([(P1, "NEL", "RA7", 1), (P1, "NEL", "RD1", 1), (P1, "NEL", "RVJ", 1)]),
        keys=["practice_id", "category"],
        part="provider",
        weight="baseline_pence",
        value="annual_budget_pence",
    )
    # 100 / 3 = 33 r1 each; the one spare penny goes to the first provider in code order.
    assert dict(zip(split["provider"], split["annual_budget_pence"], strict=True)) == {
        "RA7": 34,
        "RD1": 33,
        "RVJ": 33,
    }


def test_a_budget_with_no_baseline_to_split_stays_untied():
    split = apportion_by_share(
        totals=budgets([(P1, "NEL", 1200), (P2, "NEL", 600)]),
        shares=shares([(P1, "NEL", "RD1", 300), (P1, "NEL", "RA7", 100), (P2, "NEL", "RD1", 0)]),
        keys=["practice_id", "category"],
        part="provider",
        weight="baseline_pence",
        value="annual_budget_pence",
    )
    got = {
        (p, prov): v
        for p, prov, v in split[["practice_id", "provider", "annual_budget_pence"]].itertuples(index=False)
    }
    assert got == {(P1, "RA7"): 300, (P1, "RD1"): 900, (P2, ""): 600}


def build(**overrides):
    values = {
        "actuals": actuals(
            [
                (P1, "NEL", "RD1", 1, 2, 150_00),
                (P1, "NEL", "RA7", 2, 1, 90_00),
                (P1, "OPFA", "RD1", 1, 4, 40_00),
                (P2, "NEL", "RD1", 1, 1, 100_00),
                (P3, "EL", "RD1", 2, 1, 500_00),
            ]
        ),
        "budgets": budgets(
            [(P1, "NEL", 1200_00), (P1, "OPFA", 600_00), (P2, "NEL", 2400_00), (P3, "EL", 6000_00)]
        ),
        "provider_shares": shares(
            [
                (P1, "NEL", "RD1", 3),
                (P1, "NEL", "RA7", 1),
                (P1, "OPFA", "RD1", 1),
                (P2, "NEL", "RD1", 1),
                (P3, "EL", "RD1", 1),
            ]
        ),
        "localities": LOCALITIES,
        "devolved": frozenset({"NEL", "OPFA"}),
        "current_to": 2,
    }
    values.update(overrides)
    return build_report(ReportInputs(**values))


def pick(rows, **match):
    selected = rows
    for key, value in match.items():
        selected = selected[selected[key] == value]
    assert len(selected) == 1, match
    return selected.iloc[0]


def test_practice_rows_hand_checked():
    rows = build()
    assert list(rows.columns) == list(REPORT_COLUMNS)
    # P1 NEL: £1,200 budget, flat twelfths £100/month, split 3:1 RD1 £900 (£75/m) and RA7 £300 (£25/m).
    rd1 = pick(rows, level="practice", practice_id=P1, category="NEL", provider="RD1", month=1)
    assert (rd1.budget_pence, rd1.actual_pence, rd1.ytd_budget_pence, rd1.ytd_actual_pence) == (
        75_00,
        150_00,
        75_00,
        150_00,
    )
    assert rd1.variance_pence == 75_00 and rd1.variance_tenths == 1000  # +100.0%
    assert rd1.forecast_outturn_pence == 1800_00 and rd1.rag == "red"
    total = pick(rows, level="practice", practice_id=P1, category="NEL", provider=TOTAL, month=2)
    # Month 2: YTD budget £200, YTD actual £150 + £90 = £240: variance £40 = 20.0%.
    assert (total.ytd_budget_pence, total.ytd_actual_pence, total.variance_pence, total.variance_tenths) == (
        200_00,
        240_00,
        40_00,
        200,
    )
    assert total.ytd_activity_count == 3 and total.activity_count == 1
    # Roll-up forecasts are the sums of their parts: RD1 £150 × 12 / 2 = £900, RA7 £90 × 12 / 2 = £540.
    assert total.forecast_outturn_pence == 1440_00
    everything = pick(rows, level="practice", practice_id=P1, category=TOTAL, provider=TOTAL, month=1)
    assert everything.ytd_budget_pence == 150_00 and everything.ytd_actual_pence == 190_00


def test_devolved_categories_only_at_practice_level_and_every_category_above():
    rows = build()
    practice = rows[rows["level"] == "practice"]
    assert "EL" not in set(practice["category"])  # held at locality level
    assert (
        pick(
            rows, level="practice", practice_id=P3, category=TOTAL, provider=TOTAL, month=2
        ).annual_budget_pence
        == 0
    )
    south = pick(rows, level="locality", locality_id=20, category="EL", provider=TOTAL, month=2)
    assert south.ytd_actual_pence == 500_00 and south.annual_budget_pence == 6000_00
    pct = pick(rows, level="pct", category=TOTAL, provider=TOTAL, month=2)
    assert pct.annual_budget_pence == (1200 + 600 + 2400 + 6000) * 100
    assert pct.ytd_actual_pence == (150 + 90 + 40 + 100 + 500) * 100


def test_every_roll_up_adds_up_exactly():
    rows = build()
    additive = [
        "activity_count",
        "actual_pence",
        "budget_pence",
        "ytd_budget_pence",
        "ytd_actual_pence",
        "forecast_outturn_pence",
    ]
    atomic = rows[(rows["level"] == "pct") & (rows["category"] != TOTAL) & (rows["provider"] != TOTAL)]
    pct_total = rows[(rows["level"] == "pct") & (rows["category"] == TOTAL) & (rows["provider"] == TOTAL)]
    for month in (1, 2):
        parts = atomic[atomic["month"] == month][additive].sum()
        whole = pct_total[pct_total["month"] == month][additive].iloc[0]
        assert {k: int(parts[k]) for k in additive} == {k: int(whole[k]) for k in additive}
    localities = rows[
        (rows["level"] == "locality") & (rows["category"] == TOTAL) & (rows["provider"] == TOTAL)
    ]
    assert int(localities[localities["month"] == 2]["ytd_actual_pence"].sum()) == int(
        pct_total[pct_total["month"] == 2]["ytd_actual_pence"].iloc[0]
    )


def test_future_months_carry_the_budget_only():
    rows = build(current_to=2)
    march = pick(rows, level="practice", practice_id=P1, category="NEL", provider=TOTAL, month=12)
    assert march.is_future and march.budget_pence == 100_00 and march.ytd_budget_pence == 1200_00
    assert pd.isna(march.actual_pence) and pd.isna(march.forecast_outturn_pence) and march.rag == ""
    nothing_yet = build(current_to=0, actuals=actuals([]))
    assert nothing_yet["is_future"].all() and nothing_yet["actual_pence"].isna().all()


def test_without_a_published_budget_activity_is_shown_unassessed():
    rows = build(budgets=budgets([]), provider_shares=shares([]), budgeted=False)
    row = pick(rows, level="practice", practice_id=P1, category="NEL", provider=TOTAL, month=1)
    assert row.actual_pence == 150_00 and row.annual_budget_pence == 0 and row.rag == ""
    assert pd.isna(row.variance_pence)


def test_thresholds_and_seasonal_phasing_come_through():
    profile = frame(
        [("NEL", m, 2 if m == 1 else 1) for m in range(1, 13)], ["category", "month", "baseline_pence"]
    )
    rows = build(
        profile=profile, phasing="seasonal", thresholds=RagThresholds(green_max_pct="0", amber_max_pct="100")
    )
    # P2 NEL £2,400 phased by 2:1:…:1 (13 parts): April 36,923.08p → 36,923p; the other months 18,461.54p,
    # and the six pennies left go to May–October (larger remainders). Actual £100 → green.
    months = [
        pick(rows, level="practice", practice_id=P2, category="NEL", provider=TOTAL, month=m)
        for m in range(1, 13)
    ]
    assert [m.budget_pence for m in months] == [369_23] + [184_62] * 6 + [184_61] * 5
    assert months[0].rag == "green" and sum(m.budget_pence for m in months) == 2400_00
    p1 = pick(rows, level="practice", practice_id=P1, category="NEL", provider="RD1", month=1)
    assert p1.rag == "amber"  # +100.0% is within the amber limit of 100%


@settings(max_examples=40, deadline=None)
@given(
    data=st.lists(
        st.tuples(st.sampled_from([P1, P2, P3]), st.sampled_from(["NEL", "OPFA"]), st.sampled_from(["RD1", "RA7", ""]),
                  st.integers(1, 6), st.integers(0, 50), st.integers(0, 10**7)),
        max_size=25,
    ),
    budget=st.integers(0, 10**9),
)  # fmt: skip
def test_atomic_rows_agree_with_monthly_report_and_totals_add_up(data, budget):
    acts = actuals(data)
    buds = budgets([(P1, "NEL", budget), (P2, "OPFA", budget // 3)])
    rows = build_report(
        ReportInputs(
            actuals=acts,
            budgets=buds,
            provider_shares=shares([]),
            localities=LOCALITIES,
            devolved=frozenset({"NEL", "OPFA"}),
            current_to=12,
        )
    )
    if acts.empty and not budget:
        return
    atomic = rows[(rows["level"] == "practice") & (rows["category"] != TOTAL) & (rows["provider"] != TOTAL)]
    expected = monthly_report(
        budgets=buds[buds["annual_budget_pence"] > 0].assign(provider=""),
        actuals=acts,
        keys=["practice_id", "category", "provider"],
    )
    merged = atomic.merge(
        expected, on=["practice_id", "category", "provider", "month"], suffixes=("", "_ref")
    )
    assert len(merged) == len(expected)
    for column in (
        "actual_pence",
        "budget_pence",
        "ytd_budget_pence",
        "ytd_actual_pence",
        "forecast_outturn_pence",
    ):
        assert (merged[column].astype("int64") == merged[f"{column}_ref"].astype("int64")).all(), column
    pct = rows[(rows["level"] == "pct") & (rows["category"] == TOTAL) & (rows["provider"] == TOTAL)]
    assert int(pct["actual_pence"].sum()) == int(acts["actual_pence"].sum())


@pytest.mark.parametrize("bad", [-1, 13])
def test_current_to_is_a_month_or_nothing(bad):
    with pytest.raises(ValueError, match="current_to"):
        build(current_to=bad)
