"""Monthly report maths: phasing, YTD, variance, forecast, RAG, funnel limits; scalar and vectorised agree."""

from __future__ import annotations

import math
import time
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from budgets.reporting import (
    RagThresholds,
    ReportError,
    forecast_outturn,
    funnel_curve,
    funnel_limits,
    monthly_report,
    phase_budget,
    phase_budgets,
    rag_status,
    variance_pct,
)

KEYS = ["practice", "category"]

# --- phasing -------------------------------------------------------------------------------------------


def test_flat_twelfths_add_up_exactly_with_spare_pennies_from_april():
    # 100,000 / 12 = 8,333.33 → 8,333 × 12 = 99,996; 4 pennies left → April to July get 8,334.
    months = phase_budget(annual_pence=100_000)
    assert months == [8_334] * 4 + [8_333] * 8
    assert sum(months) == 100_000
    # 6p over 12 months: 0.5 each → the first six months get a penny, none goes negative.
    assert phase_budget(annual_pence=6) == [1] * 6 + [0] * 6


def test_seasonal_phasing_follows_the_baseline_profile():
    # Weights 2,1,…,1 (sum 13): April 1,200 × 2/13 = 184.62, others 92.31 → 184 + 11 × 92 = 1,196;
    # 4 pennies left: April (remainder 8/13) then the earliest of the rest (4/13 each): May, June, July.
    months = phase_budget(annual_pence=1_200, profile=[2] + [1] * 11)
    assert months == [185, 93, 93, 93] + [92] * 8
    assert sum(months) == 1_200


def test_zero_profile_falls_back_to_flat_and_bad_profiles_are_refused():
    assert phase_budget(annual_pence=1_200, profile=[0] * 12) == [100] * 12
    with pytest.raises(ReportError):
        phase_budget(annual_pence=1_200, profile=[1] * 11)
    with pytest.raises(ReportError):
        phase_budget(annual_pence=1_200, profile=[-1] + [1] * 11)
    with pytest.raises(ReportError):
        phase_budget(annual_pence=-1)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.integers(0, 30), st.integers(0, 10**11)),
            st.lists(st.one_of(st.integers(0, 5), st.integers(0, 10**10)), min_size=12, max_size=12),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_vectorised_phasing_matches_scalar_and_sums_exactly(rows):
    annual = [a for a, _ in rows]
    profiles = [p for _, p in rows]
    phased = phase_budgets(annual_pence=annual, profiles=profiles)
    for i, (a, p) in enumerate(rows):
        assert phased[i].tolist() == phase_budget(annual_pence=a, profile=p)
    assert phased.sum(axis=1).tolist() == annual
    assert (phased >= 0).all()
    flat = phase_budgets(annual_pence=annual)
    assert [r.tolist() for r in flat] == [phase_budget(annual_pence=a) for a in annual]


# --- variance, forecast, RAG ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variance", "budget", "expected"),
    [
        (5, 100, Decimal("5.0")),
        (1, 3, Decimal("33.3")),  # 33.33
        (1, 6, Decimal("16.7")),  # 16.67
        (-1, 6, Decimal("-16.7")),
        (1, 16, Decimal("6.3")),  # 6.25 exactly: half-up
        (-1, 16, Decimal("-6.3")),  # half away from zero, as money rounds
        (0, 100, Decimal("0.0")),
        (4, 10_000, Decimal("0.0")),  # 0.04%
        (5, 10_000, Decimal("0.1")),  # 0.05% → 0.1
        (5, 0, None),
    ],
)
def test_variance_pct_one_decimal_half_up(variance, budget, expected):
    assert variance_pct(variance_pence=variance, budget_pence=budget) == expected


@pytest.mark.parametrize(
    ("pct", "actual", "expected"),
    [
        (Decimal("-3.0"), 1, "green"),
        (Decimal("0.0"), 1, "green"),  # on budget
        (Decimal("0.1"), 1, "amber"),  # just over
        (Decimal("5.0"), 1, "amber"),  # the amber bound is inclusive
        (Decimal("5.1"), 1, "red"),
        (None, 1, "red"),  # spend with no budget
        (None, 0, "green"),
    ],
)
def test_rag_boundaries_default(pct, actual, expected):
    assert rag_status(variance_pct=pct, ytd_actual_pence=actual) == expected


def test_rag_thresholds_are_configurable():
    thresholds = RagThresholds(green_max_pct=Decimal(2), amber_max_pct=Decimal(10))
    assert rag_status(variance_pct=Decimal("2.0"), ytd_actual_pence=1, thresholds=thresholds) == "green"
    assert rag_status(variance_pct=Decimal("2.1"), ytd_actual_pence=1, thresholds=thresholds) == "amber"
    assert rag_status(variance_pct=Decimal("10.1"), ytd_actual_pence=1, thresholds=thresholds) == "red"
    with pytest.raises(ReportError):
        RagThresholds(green_max_pct=Decimal(6), amber_max_pct=Decimal(5))
    with pytest.raises(ReportError):
        RagThresholds(green_max_pct=0.5)


def test_forecast_flat_run_rate():
    # 1,234 in 5 months → 1,234 × 12 / 5 = 2,961.6 → 2,962; 1 in 8 months → 1.5 → 2 (half-up).
    assert forecast_outturn(ytd_actual_pence=1_234, months_to_date=5) == 2_962
    assert forecast_outturn(ytd_actual_pence=1, months_to_date=8) == 2
    assert forecast_outturn(ytd_actual_pence=500, months_to_date=12) == 500


def test_forecast_adjusts_the_run_rate_by_the_baseline_seasonality():
    winter = [1] * 9 + [2] * 3  # Jan–Mar twice as busy; year total 15
    # After June 3,000 spent; 3/15 of the baseline year has passed → 3,000 / (3/15) = 15,000 (flat: 12,000).
    assert forecast_outturn(ytd_actual_pence=3_000, months_to_date=3, profile=winter) == 15_000
    assert forecast_outturn(ytd_actual_pence=3_000, months_to_date=3) == 12_000
    # After January: 11/15 passed, 11,000 spent → 15,000.
    assert forecast_outturn(ytd_actual_pence=11_000, months_to_date=10, profile=winter) == 15_000
    # Nothing in the baseline to date: flat run rate instead.
    assert forecast_outturn(ytd_actual_pence=100, months_to_date=1, profile=[0] + [1] * 11) == 1_200


# --- the monthly report --------------------------------------------------------------------------------


def _small_report(**kwargs):
    budgets = pd.DataFrame(
        {
            "practice": ["A00001", "A00001"],
            "category": ["EL", "NEL"],
            "annual_budget_pence": [120_000, 12_000],
        }
    )
    actuals = pd.DataFrame(
        {
            "practice": ["A00001", "A00001", "A00001", "A00001", "B00002"],
            "category": ["EL", "EL", "EL", "NEL", "EL"],
            "month": [1, 1, 2, 1, 2],
            "actual_pence": [6_000, 4_000, 10_500, 1_000, 700],
            "activity_count": [3, 2, 4, 1, 1],
        }
    )
    return monthly_report(budgets=budgets, actuals=actuals, keys=KEYS, **kwargs)


def test_monthly_report_rows_ytd_variance_and_forecast():
    report = _small_report(months_to_date=3)
    el = report[(report.practice == "A00001") & (report.category == "EL")].set_index("month")
    # Budget 120,000 flat → 10,000 a month. April actual 6,000 + 4,000 = 10,000 (two rows summed).
    assert el.loc[1, ["actual_pence", "activity_count", "budget_pence"]].tolist() == [10_000, 5, 10_000]
    assert el.loc[1, "rag"] == "green" and el.loc[1, "variance_pct"] == Decimal("0.0")
    # May: YTD budget 20,000, YTD actual 20,500 → variance +500 = 2.5% → amber; forecast 20,500 × 12/2 = 123,000.
    may = el.loc[2]
    assert (may.ytd_budget_pence, may.ytd_actual_pence, may.variance_pence) == (20_000, 20_500, 500)
    assert may.variance_pct == Decimal("2.5") and may.rag == "amber"
    assert may.forecast_outturn_pence == 123_000 and may.forecast_variance_pence == 3_000
    # June: no activity → YTD actual 20,500 vs 30,000 → −9,500 = −31.7%.
    assert el.loc[3, "variance_pct"] == Decimal("-31.7")
    assert list(el.index) == [1, 2, 3]


def test_monthly_report_shows_activity_with_no_budget():
    report = _small_report(months_to_date=2)
    b = report[report.practice == "B00002"].set_index("month")
    # B has activity but no budget: a £0 budget, no %, red once money is spent.
    assert b.loc[1, "rag"] == "green" and b.loc[1, "variance_pct"] is None
    assert b.loc[2, "budget_pence"] == 0 and b.loc[2, "variance_pence"] == 700 and b.loc[2, "rag"] == "red"


def test_monthly_report_phasing_sums_to_the_annual_budget():
    report = _small_report()
    totals = report.groupby(KEYS)["budget_pence"].sum().to_dict()
    assert totals == {("A00001", "EL"): 120_000, ("A00001", "NEL"): 12_000, ("B00002", "EL"): 0}
    assert (
        report[report.month == 12]["ytd_budget_pence"] == report[report.month == 12]["annual_budget_pence"]
    ).all()


def test_monthly_report_seasonal_profile_at_category_level():
    profile = pd.DataFrame(
        {"category": ["EL"] * 12, "month": range(1, 13), "baseline_pence": [1] * 9 + [2] * 3}
    )
    report = _small_report(profile=profile, phasing="seasonal")
    el = report[(report.practice == "A00001") & (report.category == "EL")].set_index("month")
    # 120,000 × 1/15 = 8,000 a month April–December, 16,000 January–March.
    assert el.budget_pence.tolist() == [8_000] * 9 + [16_000] * 3
    # May: YTD actual 20,500 / (2/15) = 153,750.
    assert el.loc[2, "forecast_outturn_pence"] == 153_750
    assert el.loc[2, "forecast_outturn_pence"] == forecast_outturn(
        ytd_actual_pence=20_500, months_to_date=2, profile=[1] * 9 + [2] * 3
    )
    # NEL has no profile: phased and forecast flat.
    nel = report[report.category == "NEL"].set_index("month")
    assert nel.budget_pence.tolist() == [1_000] * 12
    assert nel.loc[1, "forecast_outturn_pence"] == 12_000


def test_monthly_report_rag_judged_on_the_percentage_as_shown():
    budgets = pd.DataFrame(
        {"practice": ["A", "B", "C", "D"], "category": ["EL"] * 4, "annual_budget_pence": [120_000] * 4}
    )
    actuals = pd.DataFrame(
        {
            "practice": ["A", "B", "C", "D"],
            "category": ["EL"] * 4,
            "month": [1] * 4,
            # YTD budget 10,000: +4 = 0.04% shows 0.0% (green); +5 = 0.05% shows 0.1% (amber);
            # +500 = 5.0% (amber); +510 = 5.1% (red).
            "actual_pence": [10_004, 10_005, 10_500, 10_510],
        }
    )
    report = monthly_report(budgets=budgets, actuals=actuals, keys=KEYS, months_to_date=1)
    assert report.rag.tolist() == ["green", "amber", "amber", "red"]
    assert report.variance_pct.tolist() == [Decimal("0.0"), Decimal("0.1"), Decimal("5.0"), Decimal("5.1")]


def test_monthly_report_refuses_bad_input():
    budgets = pd.DataFrame({"practice": ["A", "A"], "category": ["EL", "EL"], "annual_budget_pence": [1, 2]})
    actuals = pd.DataFrame({"practice": ["A"], "category": ["EL"], "month": [1], "actual_pence": [1]})
    with pytest.raises(ReportError, match="more than one row"):
        monthly_report(budgets=budgets, actuals=actuals, keys=KEYS)
    with pytest.raises(ReportError, match="months|Months"):
        monthly_report(budgets=budgets.iloc[:1], actuals=actuals.assign(month=13), keys=KEYS)
    with pytest.raises(ReportError, match="Seasonal"):
        monthly_report(budgets=budgets.iloc[:1], actuals=actuals, keys=KEYS, phasing="seasonal")


def test_monthly_report_agrees_with_the_scalar_functions():
    rng = np.random.default_rng(7)
    keys = pd.MultiIndex.from_product([[f"P{i}" for i in range(6)], ["EL", "NEL"]], names=KEYS).to_frame(
        index=False
    )
    budgets = keys.assign(annual_budget_pence=rng.integers(0, 10**7, len(keys)))
    actuals = keys.loc[keys.index.repeat(12)].reset_index(drop=True)
    actuals["month"] = np.tile(np.arange(1, 13), len(keys))
    actuals["actual_pence"] = rng.integers(0, 10**6, len(actuals))
    weights = rng.integers(0, 10**9, 12).tolist()
    profile = pd.DataFrame({"month": range(1, 13), "baseline_pence": weights})
    report = monthly_report(budgets=budgets, actuals=actuals, keys=KEYS, profile=profile, phasing="seasonal")
    for (practice, category), rows in report.groupby(KEYS):
        annual = int(budgets.set_index(KEYS).loc[(practice, category), "annual_budget_pence"])
        assert rows.budget_pence.tolist() == phase_budget(annual_pence=annual, profile=weights)
        for row in rows.itertuples():
            pct = variance_pct(variance_pence=row.variance_pence, budget_pence=row.ytd_budget_pence)
            assert row.variance_pct == pct
            assert row.rag == rag_status(variance_pct=pct, ytd_actual_pence=row.ytd_actual_pence)
            assert row.forecast_outturn_pence == forecast_outturn(
                ytd_actual_pence=row.ytd_actual_pence, months_to_date=row.month, profile=weights
            )


def test_report_recompute_for_the_whole_pct_is_fast():
    # 300 practices × 5 years × 10 categories × 12 months, seasonal profile by year and category.
    rng = np.random.default_rng(1)
    keys = ["practice", "year", "category"]
    index = pd.MultiIndex.from_product(
        [[f"M8{i:04d}" for i in range(300)], range(2003, 2008), [f"C{i}" for i in range(10)]], names=keys
    ).to_frame(index=False)
    budgets = index.assign(annual_budget_pence=rng.integers(0, 5 * 10**8, len(index)))
    actuals = index.loc[index.index.repeat(12)].reset_index(drop=True)
    actuals["month"] = np.tile(np.arange(1, 13), len(index))
    actuals["actual_pence"] = rng.integers(0, 5 * 10**7, len(actuals))
    actuals["activity_count"] = rng.integers(0, 200, len(actuals))
    profile = (
        actuals.groupby(["year", "category", "month"], as_index=False)["actual_pence"]
        .sum()
        .rename(columns={"actual_pence": "baseline_pence"})
    )
    start = time.perf_counter()
    report = monthly_report(budgets=budgets, actuals=actuals, keys=keys, profile=profile, phasing="seasonal")
    elapsed = time.perf_counter() - start
    assert len(report) == 300 * 5 * 10 * 12
    assert elapsed < 2, f"report recompute took {elapsed:.2f}s"


# --- funnel plot ---------------------------------------------------------------------------------------


def test_funnel_limits_against_hand_computed_values():
    # Pooled mean p = (30 + 95 + 75) / (1,000 + 4,000 + 5,000) = 0.02 → 20 per 1,000.
    # n = 1,000: sd = sqrt(0.02 × 0.98 / 1,000) = 0.0044272; 95%: 20 ± 1.96 × 4.4272 = 11.3227 … 28.6773;
    #   99.8%: 20 ± 3.09 × 4.4272 = 6.3200 … 33.6800. Rate 30 → above 95%, inside 99.8%.
    # n = 4,000: sd = 0.0022136; 95%: 15.6614 … 24.3386. Rate 23.75 → within.
    # n = 5,000: sd = 0.0019799; 95%: 16.1194 … 23.8806; 99.8%: 13.8821 … 26.1179. Rate 15 → below 95%.
    events = pd.Series([30, 95, 75, 0], index=["A00001", "B00002", "C00003", "D00004"])
    lists = pd.Series([1_000, 4_000, 5_000, 0], index=events.index)
    funnel = funnel_limits(events=events, population=lists)
    assert funnel.loc["A00001", "mean_rate"] == pytest.approx(20.0)
    assert funnel.loc["A00001", ["lower_95", "upper_95", "lower_998", "upper_998"]].tolist() == pytest.approx(
        [11.3227, 28.6773, 6.3200, 33.6800], abs=1e-4
    )
    assert funnel.loc["B00002", ["lower_95", "upper_95"]].tolist() == pytest.approx(
        [15.6614, 24.3386], abs=1e-4
    )
    assert funnel.loc["C00003", ["lower_95", "lower_998"]].tolist() == pytest.approx(
        [16.1194, 13.8821], abs=1e-4
    )
    assert funnel.status.to_dict() == {
        "A00001": "high_95",
        "B00002": "within",
        "C00003": "low_95",
        "D00004": "no_list",
    }
    assert funnel.outside_95.tolist() == [True, False, True, False]
    assert not funnel.outside_998.any()


def test_funnel_limits_match_an_independent_computation():
    rng = np.random.default_rng(3)
    lists = rng.integers(500, 20_000, 50)
    events = rng.binomial(lists, 0.03)
    funnel = funnel_limits(events=events, population=lists)
    p = events.sum() / lists.sum()
    for i in range(50):
        sd = math.sqrt(p * (1 - p) / lists[i])
        rate = events[i] / lists[i]
        assert funnel.upper_998[i] == pytest.approx((p + 3.09 * sd) * 1000)
        assert funnel.lower_95[i] == pytest.approx(max(0.0, p - 1.96 * sd) * 1000)
        assert funnel.outside_95[i] == (abs(rate - p) > 1.96 * sd)
        assert funnel.outside_998[i] == (abs(rate - p) > 3.09 * sd)


def test_funnel_far_outlier_is_outside_99_8_and_lower_limit_floors_at_zero():
    funnel = funnel_limits(events=[2, 60, 2_000], population=[100, 1_000, 100_000])
    # p = 2,062 / 101,100 = 0.0203956; n = 100: sd = 0.014135, 95% lower 20.40 − 27.70 < 0 → 0.
    assert funnel.lower_95[0] == 0.0
    assert funnel.status[1] == "high_998"  # 60 per 1,000 vs upper 99.8% 20.40 + 3.09 × 4.47 = 34.2


def test_poisson_funnel_for_counts_above_one_per_patient():
    with pytest.raises(ReportError, match="Poisson"):
        funnel_limits(events=[3_000, 2_000], population=[1_000, 1_000])
    funnel = funnel_limits(events=[3_000, 2_000], population=[1_000, 1_000], method="poisson")
    # p = 2.5 per patient; sd = sqrt(2.5 / 1,000) = 0.05; 95%: 2,500 ± 98 per 1,000.
    assert funnel.lower_95[0] == pytest.approx(2_402.0) and funnel.upper_95[0] == pytest.approx(2_598.0)
    assert funnel.status.tolist() == ["high_998", "low_998"]


def test_funnel_curve_matches_the_limits_at_the_same_list_size():
    funnel = funnel_limits(events=[30, 95, 75], population=[1_000, 4_000, 5_000])
    curve = funnel_curve(mean_rate=funnel.mean_rate[0], populations=[1_000, 4_000, 5_000])
    for column in ("lower_95", "upper_95", "lower_998", "upper_998"):
        assert curve[column].tolist() == pytest.approx(funnel[column].tolist())
