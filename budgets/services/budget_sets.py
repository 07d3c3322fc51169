"""Writes of budget setting: categories, versions (draft → approved → published), their parameters,
adjustments and need weights, and the calculation that builds every practice's budget step by step.

The calculation itself is :func:`budgets.methodology.set_budgets`; this module loads its inputs — the
baseline period's published activity re-costed at the target year's tariff, list sizes, the version's
parameters — and saves what it returns.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections import defaultdict
from datetime import date
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import update_change_reason

from activity import costing
from activity.choices import DatasetChoice
from activity.extract_schema import Outcome
from activity.models import ActivityAggregate
from budgets.budget_io import methodology_params
from budgets.categories import (
    DEFAULT_CATEGORY_SPECS,
    CategoryError,
    CategorySpec,
    assign_categories,
    check_categories,
)
from budgets.choices import BUDGET_TRANSITIONS, OPEN_BUDGET_STATUSES, BudgetStatus, RiskMode
from budgets.methodology import BudgetInputs, MethodologyError, PracticeInput, set_budgets
from budgets.models import (
    BudgetAdjustment,
    BudgetBaseline,
    BudgetCategory,
    BudgetHolding,
    BudgetLine,
    BudgetSet,
    BudgetSetTransition,
)
from pbc import queue
from pbc.dbframes import bulk_insert_frame, queryset_frame
from pbc.exceptions import ApplicationError, Conflict, InvalidTransition
from pbc.fiscal import month_number
from pbc.models import FinancialYear, ListSize, Pct, Practice

logger = logging.getLogger(__name__)

__all__ = [
    "PARAMETER_FIELDS",
    "budget_adjustment_add",
    "budget_adjustment_remove",
    "budget_categories_for",
    "budget_category_create",
    "budget_category_update",
    "budget_set_approve",
    "budget_set_calculate",
    "budget_set_create",
    "budget_set_need_weights_upload",
    "budget_set_publish",
    "budget_set_reopen",
    "budget_set_revise",
    "budget_set_update",
]

# The methodology's parameters a version carries (and a new version copies).
PARAMETER_FIELDS = (
    "label",
    "baseline_start",
    "baseline_end",
    "base_list_date",
    "resource_pence",
    "uplift_pct",
    "uplift_by_category",
    "list_size_adjustment",
    "pace_of_change_pct",
    "pace_by_category",
    "need_weights",
    "risk_mode",
    "risk_top_slice_pct",
    "risk_threshold_pence",
    "unattributed",
    "unattributed_share_basis",
    "phasing",
    "rag_green_max_pct",
    "rag_amber_max_pct",
)
_BASELINE_OUTCOMES = (Outcome.COSTED.value, Outcome.UNCOSTED.value, Outcome.UNATTRIBUTED.value)


# --- categories -----------------------------------------------------------------------------------------


def budget_categories_for(*, pct: Pct, year: FinancialYear, actor=None) -> list[BudgetCategory]:
    """The year's categories; a year with none gets the default POD categories (all devolved)."""
    existing = list(BudgetCategory.objects.filter(pct=pct, year=year).order_by("position", "code"))
    if existing:
        return existing
    with transaction.atomic():
        created = []
        for position, spec in enumerate(DEFAULT_CATEGORY_SPECS):
            category, _ = BudgetCategory.objects.get_or_create(
                pct=pct,
                year=year,
                code=spec.code,
                defaults={"name": spec.name, "pods": list(spec.pods), "devolved": True, "position": position},
            )
            created.append(category)
    return created


def _check_year_categories(pct: Pct, year: FinancialYear, changed: BudgetCategory) -> None:
    others = [c.spec for c in BudgetCategory.objects.filter(pct=pct, year=year).exclude(pk=changed.pk)]
    try:
        check_categories([*others, changed.spec])
    except CategoryError as exc:
        raise ApplicationError(str(exc)) from exc


def _clean_codes(values, *, name: str) -> list[str]:
    cleaned = sorted({str(v).strip().upper() for v in values or [] if str(v).strip()})
    return cleaned


@transaction.atomic
def budget_category_create(
    *,
    pct: Pct,
    year: FinancialYear,
    code: str,
    name: str,
    pods=(),
    tretspefs=(),
    devolved: bool = True,
    actor,
) -> BudgetCategory:
    """Add a category for the PCT and year (e.g. dermatology = treatment function 330, devolved)."""
    budget_categories_for(pct=pct, year=year, actor=actor)
    position = (BudgetCategory.objects.filter(pct=pct, year=year).count()) + 1
    category = BudgetCategory(
        pct=pct,
        year=year,
        code=(code or "").strip().upper(),
        name=(name or "").strip(),
        pods=_clean_codes(pods, name="pods"),
        tretspefs=_clean_codes(tretspefs, name="tretspefs"),
        devolved=devolved,
        position=position,
    )
    category.full_clean()
    if BudgetCategory.objects.filter(pct=pct, year=year, code=category.code).exists():
        raise ApplicationError(f"{year} already has a category {category.code}.")
    _check_year_categories(pct, year, category)
    category._history_user = actor
    category.save()
    return category


@transaction.atomic
def budget_category_update(*, category: BudgetCategory, actor, **fields) -> BudgetCategory:
    """Change a category's name, activity or devolution. Published budgets keep the categories they were
    calculated with; the change applies to the next version."""
    allowed = {"name", "pods", "tretspefs", "devolved"}
    unknown = set(fields) - allowed
    if unknown:
        raise ApplicationError(f"These cannot be changed: {', '.join(sorted(unknown))}.")
    for name in ("pods", "tretspefs"):
        if name in fields:
            fields[name] = _clean_codes(fields[name], name=name)
    for name, value in fields.items():
        setattr(category, name, value)
    category.full_clean()
    _check_year_categories(category.pct, category.year, category)
    category._history_user = actor
    category.save(update_fields=list(fields))
    return category


# --- versions -------------------------------------------------------------------------------------------


def _normalise_parameters(values: dict) -> dict:
    unknown = set(values) - set(PARAMETER_FIELDS)
    if unknown:
        raise ApplicationError(f"Unknown budget parameters: {', '.join(sorted(unknown))}.")
    out = dict(values)
    for name in ("uplift_by_category", "pace_by_category", "need_weights"):
        if name in out:
            mapping = {}
            for key, raw in (out[name] or {}).items():
                try:
                    number = Decimal(str(raw).strip())
                except InvalidOperation as exc:
                    raise ApplicationError(
                        f"{key}: '{raw}' is not a number.", {"fields": {name: [f"{key}: not a number."]}}
                    ) from exc
                if not number.is_finite():
                    raise ApplicationError(f"{key}: '{raw}' is not a number.")
                mapping[str(key).strip().upper()] = f"{number.normalize():f}"
            out[name] = mapping
    for name in ("baseline_start", "baseline_end"):
        if out.get(name):
            out[name] = out[name].replace(day=1)
    return out


def _record(budget_set: BudgetSet, *, to: str, actor, reason: str, from_status: str = "") -> None:
    BudgetSetTransition.objects.create(
        budget_set=budget_set, from_status=from_status, to_status=to, actor=actor, reason=reason
    )


def _validate(budget_set: BudgetSet, categories: list[str]) -> None:
    try:
        budget_set.full_clean(exclude=["pct", "year", "revises", "created_by", "approved_by", "published_by"])
    except ValidationError as exc:
        fields = exc.message_dict
        first = next(iter(fields.items()))
        raise ApplicationError(f"{first[0].replace('_', ' ')}: {first[1][0]}", {"fields": fields}) from exc
    for name in ("uplift_by_category", "pace_by_category"):
        unknown = sorted(set(getattr(budget_set, name)) - set(categories))
        if unknown:
            raise ApplicationError(
                f"{name.replace('_', ' ')} names categories the year does not budget: {', '.join(unknown)}.",
                {"fields": {name: [f"Unknown: {', '.join(unknown)}."]}},
            )
    for code, pct in budget_set.pace_by_category.items():
        if not 0 <= Decimal(pct) <= 100:
            raise ApplicationError(f"Pace of change for {code} must be between 0 and 100.")


@transaction.atomic
def budget_set_create(
    *, pct: Pct, year: FinancialYear, actor, reason: str = "", calculate: bool = True, **parameters
) -> BudgetSet:
    """Start a new draft version of a year's budgets and calculate it.

    Only one version is open (draft or approved) at a time. Once a version has been published, a new one
    needs a reason (it will replace what practices have seen).
    """
    Pct.objects.select_for_update().filter(pk=pct.pk).first()
    if BudgetSet.objects.filter(pct=pct, year=year, status__in=OPEN_BUDGET_STATUSES).exists():
        raise Conflict(f"{year} already has a version in progress: finish or change that one.")
    published = BudgetSet.objects.filter(pct=pct, year=year, status=BudgetStatus.PUBLISHED).first()
    if published and not reason.strip():
        raise ApplicationError(
            f"{year}'s budgets were published (version {published.version}): give a reason for a new version.",
            {"fields": {"reason": ["Required after a publication."]}},
        )
    number = (
        BudgetSet.objects.filter(pct=pct, year=year)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
        or 0
    ) + 1
    budget_set = BudgetSet(
        pct=pct,
        year=year,
        version=number,
        reason=reason.strip(),
        created_by=actor,
        revises=published,
        **_normalise_parameters(parameters),
    )
    categories = budget_categories_for(pct=pct, year=year, actor=actor)
    _validate(budget_set, [c.code for c in categories])
    budget_set._history_user = actor
    budget_set.save()
    if budget_set.reason:
        update_change_reason(budget_set, budget_set.reason)
    _record(budget_set, to=BudgetStatus.DRAFT, actor=actor, reason=budget_set.reason or "New budget version")
    if calculate:
        budget_set_calculate(budget_set=budget_set, actor=actor)
    return budget_set


@transaction.atomic
def budget_set_revise(*, budget_set: BudgetSet, actor, reason: str, calculate: bool = True) -> BudgetSet:
    """A new draft version copying a version's parameters and adjustments (a change after publication)."""
    if not (reason or "").strip():
        raise ApplicationError("Give the reason for the new version.", {"fields": {"reason": ["Required."]}})
    parameters = {name: getattr(budget_set, name) for name in PARAMETER_FIELDS}
    new = budget_set_create(
        pct=budget_set.pct, year=budget_set.year, actor=actor, reason=reason, calculate=False, **parameters
    )
    BudgetAdjustment.objects.bulk_create(
        [
            BudgetAdjustment(
                budget_set=new,
                practice_id=a.practice_id,
                category=a.category,
                amount_pence=a.amount_pence,
                reason=a.reason,
                created_by=actor,
            )
            for a in budget_set.adjustments.all()
        ]
    )
    if calculate:
        budget_set_calculate(budget_set=new, actor=actor)
    return new


def _locked_draft(budget_set: BudgetSet) -> BudgetSet:
    locked = BudgetSet.objects.select_for_update().select_related("pct", "year").get(pk=budget_set.pk)
    if locked.status != BudgetStatus.DRAFT:
        raise InvalidTransition(
            f"Version {locked.version} is {locked.get_status_display().lower()}: only a draft can be changed."
        )
    return locked


@transaction.atomic
def budget_set_update(*, budget_set: BudgetSet, actor, calculate: bool = True, **parameters) -> BudgetSet:
    """Change a draft's parameters and recalculate it."""
    locked = _locked_draft(budget_set)
    values = _normalise_parameters(parameters)
    for name, value in values.items():
        setattr(locked, name, value)
    categories = budget_categories_for(pct=locked.pct, year=locked.year, actor=actor)
    _validate(locked, [c.code for c in categories])
    locked._history_user = actor
    locked.save(update_fields=list(values) or None)
    if calculate:
        budget_set_calculate(budget_set=locked, actor=actor)
    return locked


def _parse_need_weights(data: bytes) -> dict[str, str]:
    """A CSV of practice code and need weight (header optional; comma, semicolon or tab)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    if not text.strip():
        raise ApplicationError("The need weights file is empty.")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    weights: dict[str, str] = {}
    errors = []
    for number, row in enumerate(csv.reader(io.StringIO(text), dialect), start=1):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if len(cells) < 2:
            errors.append({"row": number, "message": "Give a practice code and a weight."})
            continue
        code, raw = cells[0].upper(), cells[1]
        try:
            weight = Decimal(raw)
        except InvalidOperation:
            if number == 1:
                continue  # a header row
            errors.append({"row": number, "column": "weight", "message": f"'{raw}' is not a number."})
            continue
        if not weight.is_finite() or weight < 0:
            errors.append({"row": number, "column": "weight", "message": "A weight is a number ≥ 0."})
            continue
        if code in weights:
            errors.append({"row": number, "column": "practice", "message": f"{code} is given twice."})
            continue
        weights[code] = f"{weight.normalize():f}"
    if errors:
        raise ApplicationError("The need weights file has errors; nothing was changed.", {"errors": errors})
    if not weights:
        raise ApplicationError("The need weights file holds no weights.")
    return weights


@transaction.atomic
def budget_set_need_weights_upload(*, budget_set: BudgetSet, data: bytes, actor) -> BudgetSet:
    """Replace a draft's need weights from a CSV (practice code, weight) and recalculate."""
    locked = _locked_draft(budget_set)
    weights = _parse_need_weights(data)
    known = set(Practice.objects.filter(pct=locked.pct).values_list("code", flat=True))
    unknown = sorted(set(weights) - known)
    if unknown:
        raise ApplicationError(
            f"Need weights name practices that are not in {locked.pct.code}: {', '.join(unknown[:20])}.",
            {"errors": [{"practice": c, "message": "Not a practice of the PCT."} for c in unknown]},
        )
    return budget_set_update(budget_set=locked, actor=actor, need_weights=weights)


@transaction.atomic
def budget_adjustment_add(
    *, budget_set: BudgetSet, practice: Practice, category: str, amount_pence: int, reason: str, actor
) -> BudgetAdjustment:
    """A local adjustment to a draft (service moved, planned investment), then recalculate."""
    locked = _locked_draft(budget_set)
    if practice.pct_id != locked.pct_id:
        raise ApplicationError(f"{practice.code} is not a practice of {locked.pct.code}.")
    codes = [c.code for c in budget_categories_for(pct=locked.pct, year=locked.year, actor=actor)]
    category = (category or "").strip().upper()
    if category not in codes:
        raise ApplicationError(
            f"{locked.year} has no category {category}.", {"fields": {"category": ["Unknown category."]}}
        )
    if isinstance(amount_pence, bool) or not isinstance(amount_pence, int) or amount_pence == 0:
        raise ApplicationError("An adjustment is a non-zero amount.", {"fields": {"amount": ["Not zero."]}})
    adjustment = BudgetAdjustment(
        budget_set=locked,
        practice=practice,
        category=category,
        amount_pence=amount_pence,
        reason=(reason or "").strip(),
        created_by=actor,
    )
    adjustment.full_clean()
    adjustment._history_user = actor
    adjustment.save()
    budget_set_calculate(budget_set=locked, actor=actor)
    return adjustment


@transaction.atomic
def budget_adjustment_remove(*, adjustment: BudgetAdjustment, actor) -> BudgetSet:
    locked = _locked_draft(adjustment.budget_set)
    adjustment._history_user = actor
    adjustment.delete()
    budget_set_calculate(budget_set=locked, actor=actor)
    return locked


# --- the calculation ------------------------------------------------------------------------------------

# What re-costing needs of each stored row (the grain's price-setting columns, the practice and the month).
_STORED = {
    "practice_code": "text",
    "month": "date",
    "pod": "text",
    "provider": "text",
    "tretspef": "text",
    "hrg": "text",
    "ae_type": "text",
    "los_days": "int",
    "ssem_eligible": "bool",
    "outcome": "text",
    "price_reason": "text",
    "activity": "int",
}


# The columns a price depends on (costing.aggregate_costed); rows equal on them have one unit price.
_PRICE_KEY = [
    "pod",
    "hrg",
    "provider",
    "tretspef",
    "ae_type",
    "los_days",
    "ssem_eligible",
    "outcome",
    "price_reason",
]


def _recost(qs, tables) -> pd.DataFrame:
    """The stored activity of ``qs`` re-costed at ``tables`` (the target year's tariff), row by row.

    Rows are read as they are stored (one pass, no grouping in the database). A row's price depends only
    on its price key (POD, HRG, provider, treatment function, A&E type, stay, SSEM eligibility, outcome and
    untariffable reason), so each distinct key is priced once by ``costing.recost_aggregates`` (with an
    activity of 1: its unit price) and every row gets unit price × activity — exact, as the stored grain
    holds everything a price depends on. Returns the rows with ``outcome`` and ``price_reason`` as
    re-costed, ``price_pence`` and ``unit_pence``.
    """
    frame = queryset_frame(qs.values(*_STORED).order_by(), _STORED)
    if frame.empty:
        return frame.assign(
            practice=pd.Series(dtype="string"),
            price_pence=pd.Series(dtype="int64"),
            unit_pence=pd.Series(dtype="int64"),
        )
    group = frame.groupby(_PRICE_KEY, dropna=False, sort=False).ngroup().to_numpy()
    first = np.unique(group, return_index=True)[1]
    keys = frame.iloc[first][_PRICE_KEY].reset_index(drop=True)
    # The key's number rides through re-costing in the practice column (part of the grain, never priced).
    keys["practice"] = pd.array([str(g) for g in range(len(keys))], dtype="string")
    keys["month"] = pd.Timestamp("2000-01-01")
    keys["reason"] = pd.array([pd.NA] * len(keys), dtype="string")
    keys["mff_defaulted"] = False
    keys["activity"] = np.ones(len(keys), dtype="int64")
    keys["price_pence"] = pd.array([0] * len(keys), dtype="Int64")
    keys["excess_days"] = pd.array([0] * len(keys), dtype="Int64")
    priced = costing.recost_aggregates(keys[[*costing.GRAIN, *costing.MEASURES]], tariff=tables)
    order = priced["practice"].astype(int).to_numpy()
    unit = np.zeros(len(keys), dtype="int64")
    unit[order] = priced["price_pence"].fillna(0).to_numpy(dtype="int64")
    outcome = np.empty(len(keys), dtype=object)
    outcome[order] = priced["outcome"].astype(object).to_numpy()
    price_reason = np.empty(len(keys), dtype=object)
    price_reason[order] = priced["price_reason"].astype(object).to_numpy()
    activity = frame["activity"].to_numpy(dtype="int64")
    return pd.DataFrame(
        {
            "practice": frame["practice_code"],
            "month": frame["month"],
            "pod": frame["pod"],
            "provider": frame["provider"],
            "tretspef": frame["tretspef"],
            "outcome": outcome[group],
            "price_reason": price_reason[group],
            "activity": activity,
            "unit_pence": unit[group],
            "price_pence": unit[group] * activity,
        }
    )


def _lists_on(practice_ids: list[int], day: date) -> dict[int, int]:
    """Each practice's list at ``day``: the latest extract on or before it."""
    latest: dict[int, int] = {}
    rows = (
        ListSize.objects.filter(practice_id__in=practice_ids, extract_date__lte=day)
        .order_by("practice_id", "extract_date")
        .values_list("practice_id", "patients")
    )
    for practice_id, patients in rows:
        latest[practice_id] = patients
    return latest


def _baseline(budget_set: BudgetSet, specs: list[CategorySpec]):
    """Load and re-cost the baseline; returns (saved baseline data, methodology inputs, summary, warnings)."""
    from activity.selectors import tariff_current, tariff_tables

    year = budget_set.year
    version = tariff_current(year=year)
    if version is None:
        raise ApplicationError(
            f"{year} has no tariff yet: import it first, so the baseline can be re-costed at its prices."
        )
    tables = tariff_tables(version=version)
    warnings: list[str] = []
    practices = list(
        Practice.objects.filter(pct=budget_set.pct)
        .filter(Q(open_date__isnull=True) | Q(open_date__lte=year.fy.end))
        .filter(Q(close_date__isnull=True) | Q(close_date__gte=year.fy.start))
        .order_by("code")
        .values_list("pk", "code")
    )
    if not practices:
        raise ApplicationError(f"{budget_set.pct.code} has no practices open in {year}.")
    code_of = dict(practices)
    open_codes = set(code_of.values())
    end = budget_set.baseline_end
    end_of_period = date(end.year + (end.month == 12), end.month % 12 + 1, 1)
    base = ActivityAggregate.objects.current().filter(
        pct=budget_set.pct,
        dataset__in=DatasetChoice.values,  # lets PostgreSQL use the (pct, dataset, is_current, month) index
        month__gte=budget_set.baseline_start,
        month__lt=end_of_period,
        outcome__in=_BASELINE_OUTCOMES,
    )
    by_practice = _recost(base, tables)
    codes = [c.code for c in specs]
    by_practice["category"] = assign_categories(by_practice["pod"], by_practice["tretspef"], specs)

    outcome = by_practice["outcome"].astype(object)
    budgeted = by_practice["category"].notna()
    priced = by_practice["price_pence"] > 0
    not_chargeable = (
        by_practice["price_reason"].astype(object).isin([r.value for r in costing.TARIFF_INDEPENDENT_REASONS])
    )
    unpriced = budgeted & (outcome == Outcome.UNCOSTED.value) & ~not_chargeable
    summary = {
        "tariff_year": year.label,
        "tariff_version": version.version,
        "activity": int(by_practice["activity"].sum()),
        "uncosted_activity": int(by_practice.loc[unpriced, "activity"].sum()),
        "not_chargeable_activity": int(by_practice.loc[budgeted & not_chargeable, "activity"].sum()),
        "unbudgeted_activity": int(by_practice.loc[~budgeted, "activity"].sum()),
        "unbudgeted_pence": int(by_practice.loc[~budgeted, "price_pence"].sum()),
    }
    if summary["activity"] == 0:
        raise ApplicationError(
            f"There is no published activity of {budget_set.pct.code} in {budget_set.baseline_label}: "
            "upload the baseline period's extracts first."
        )
    if summary["uncosted_activity"]:
        warnings.append(
            f"{summary['uncosted_activity']:,} baseline spells or attendances have no price in the {year} "
            "tariff and count at nil."
        )
    if summary["unbudgeted_activity"]:
        warnings.append(
            f"{summary['unbudgeted_activity']:,} baseline spells or attendances are in no budget category."
        )
    attributed = budgeted & (outcome == Outcome.COSTED.value) & priced
    closed = attributed & ~by_practice["practice"].isin(list(open_codes))
    if closed.any():
        gone = sorted(by_practice.loc[closed, "practice"].dropna().unique())
        warnings.append(
            f"Baseline activity of practices not open in {year} ({', '.join(gone[:10])}) is treated as "
            "unattributed."
        )
    unattributed_rows = budgeted & priced & ((outcome == Outcome.UNATTRIBUTED.value) | closed)
    lines = (
        by_practice.loc[attributed & ~closed]
        .assign(provider=lambda f: f["provider"].fillna(""))
        .groupby(["practice", "category", "provider"], as_index=False)["price_pence"]
        .sum()
    )
    unattributed = by_practice.loc[unattributed_rows].groupby("category")["price_pence"].sum()
    high_cost: dict[str, int] = {}
    if budget_set.risk_mode == RiskMode.THRESHOLD and budget_set.risk_threshold_pence is not None:
        high = attributed & ~closed & (by_practice["unit_pence"] > budget_set.risk_threshold_pence)
        for (code, category), pence in (
            by_practice.loc[high].groupby(["practice", "category"])["price_pence"].sum().items()
        ):
            high_cost[f"{code}|{category}"] = int(pence)
        summary["high_cost_activity"] = int(by_practice.loc[high, "activity"].sum())
    # The seasonal profile: each category's priced activity by financial month, averaged over the times
    # a month occurs in the baseline (a baseline may be 6 + 6 months of two years, or longer than 12).
    occurrences = defaultdict(int)
    day = budget_set.baseline_start
    while day <= budget_set.baseline_end:
        occurrences[month_number(day)] += 1
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    profile: dict[str, list[int]] = {}
    if len(occurrences) == 12:
        months = by_practice.loc[by_practice["category"].notna(), ["category", "month", "price_pence"]]
        months = months.assign(fm=(pd.to_datetime(months["month"]).dt.month - 4) % 12 + 1)
        table = months.groupby(["category", "fm"])["price_pence"].sum()
        for code in codes:
            profile[code] = [int(table.get((code, m), 0)) // occurrences[m] for m in range(1, 13)]
    elif budget_set.phasing == "seasonal":
        warnings.append("The baseline covers fewer than 12 calendar months, so budgets are phased flat.")

    ids = [pk for pk, _ in practices]
    base_day = budget_set.base_list_date or budget_set.baseline_start
    base_lists = _lists_on(ids, base_day)
    target_lists = _lists_on(ids, year.fy.start)
    lists: dict[str, list[int]] = {}
    for pk, code in practices:
        base_list, target_list = base_lists.get(pk, 0), target_lists.get(pk)
        if target_list is None:
            warnings.append(
                f"{code}: no list size on or before 1 April {year.start_year}; its base-period list is used."
            )
            target_list = base_list
        lists[code] = [base_list, target_list]
    baseline = {
        "lines": [
            [code, category, provider, int(pence)]
            for code, category, provider, pence in lines.itertuples(index=False)
        ],
        "unattributed": {k: int(v) for k, v in unattributed.items() if v},
        "high_cost": high_cost,
        "lists": lists,
        "profile": profile,
    }
    baseline_pence: dict[tuple[str, str], int] = defaultdict(int)
    for code, category, _provider, pence in baseline["lines"]:
        baseline_pence[(code, category)] += pence
    inputs = BudgetInputs(
        categories=tuple(codes),
        practices=tuple(
            PracticeInput(code=code, base_list_size=b, target_list_size=t) for code, (b, t) in lists.items()
        ),
        baseline_pence=dict(baseline_pence),
        unattributed_pence=baseline["unattributed"],
        high_cost_pence={tuple(k.split("|", 1)): v for k, v in high_cost.items()},
    )
    summary["attributed_pence"] = int(sum(baseline_pence.values()))
    summary["unattributed_pence"] = int(sum(baseline["unattributed"].values()))
    return baseline, inputs, summary, warnings


_NO_CAP_RULE = "Not scaled: no PCT resource cap was given for these budgets"


def _steps_json(line, *, capped: bool) -> list[dict]:
    return [
        {
            "name": s.name,
            "label": s.label,
            "rule": s.rule if capped or s.name != "scaling" else _NO_CAP_RULE,
            "before_pence": s.before_pence,
            "change_pence": s.change_pence,
            "after_pence": s.after_pence,
        }
        for s in line.steps
    ]


@transaction.atomic
def budget_set_calculate(*, budget_set: BudgetSet, actor) -> BudgetSet:
    """Run the methodology on a draft and save every practice's lines, the central holdings and totals."""
    locked = _locked_draft(budget_set)
    categories = budget_categories_for(pct=locked.pct, year=locked.year, actor=actor)
    specs = [c.spec for c in categories]
    try:
        check_categories(specs)
    except CategoryError as exc:
        raise ApplicationError(str(exc)) from exc
    baseline, inputs, summary, warnings = _baseline(locked, specs)
    adjustments = list(locked.adjustments.select_related("practice"))
    known = {p.code for p in inputs.practices}
    usable = [a for a in adjustments if a.practice.code in known]
    for skipped in set(adjustments) - set(usable):
        warnings.append(f"The adjustment for {skipped.practice.code} was skipped: the practice is not open.")
    weights = {k: v for k, v in locked.need_weights.items() if k in known}
    if len(weights) != len(locked.need_weights):
        warnings.append("Need weights of practices not open in the year were ignored.")
    try:
        params = methodology_params(
            locked, adjustments=usable, need_weights={k: Decimal(v) for k, v in weights.items()}
        )
        result = set_budgets(params=params, inputs=inputs)
    except MethodologyError as exc:
        raise ApplicationError(str(exc)) from exc
    practice_ids = dict(Practice.objects.filter(pct=locked.pct).values_list("code", "pk"))
    devolved = {c.code: c.devolved for c in categories}
    BudgetLine.objects.filter(budget_set=locked).delete()
    BudgetHolding.objects.filter(budget_set=locked).delete()
    BudgetBaseline.objects.filter(budget_set=locked).delete()
    capped = locked.resource_pence is not None
    bulk_insert_frame(  # thousands of lines with their steps: COPY on PostgreSQL
        BudgetLine,
        pd.DataFrame(
            [
                {
                    "budget_set_id": locked.pk,
                    "practice_id": practice_ids[line.practice_code],
                    "category": line.category,
                    "devolved": devolved[line.category],
                    "baseline_pence": line.steps[0].before_pence,
                    "final_pence": line.final_pence,
                    "steps": json.dumps(_steps_json(line, capped=capped)),
                }
                for budget in result.practices
                for line in budget.lines
            ]
        ),
    )
    BudgetHolding.objects.bulk_create(
        [
            BudgetHolding(
                budget_set=locked,
                kind=h.kind,
                category=h.category,
                rule=h.rule,
                before_scaling_pence=h.before_scaling_pence,
                final_pence=h.final_pence,
            )
            for h in result.central
        ]
    )
    BudgetBaseline.objects.create(budget_set=locked, **baseline)
    locked.categories = [c.spec.as_dict() for c in categories]
    locked.calculated_at = timezone.now()
    locked.practice_total_pence = result.practice_total_pence
    locked.central_total_pence = result.central_total_pence
    locked.total_before_scaling_pence = result.total_before_scaling_pence
    locked.scale_factor = f"{result.scale_factor:.6f}"
    locked.step_totals = result.step_totals()
    locked.warnings = [*warnings, *result.warnings]
    locked.baseline_summary = {
        **summary,
        "scaling_rule": result.scaling_rule if locked.resource_pence is not None else _NO_CAP_RULE,
    }
    locked._history_user = actor
    locked.save(
        update_fields=[
            "categories",
            "calculated_at",
            "practice_total_pence",
            "central_total_pence",
            "total_before_scaling_pence",
            "scale_factor",
            "step_totals",
            "warnings",
            "baseline_summary",
        ]
    )
    logger.info(
        "budgets calculated",
        extra={"budget_set": locked.pk, "practices": len(result.practices), "total": result.total_pence},
    )
    budget_set.refresh_from_db()
    return locked


# --- status ---------------------------------------------------------------------------------------------


def _move(budget_set: BudgetSet, *, to: str, actor, reason: str) -> BudgetSet:
    locked = BudgetSet.objects.select_for_update().select_related("pct", "year").get(pk=budget_set.pk)
    if to not in BUDGET_TRANSITIONS[locked.status]:
        raise InvalidTransition(
            f"Version {locked.version} is {locked.get_status_display().lower()}; it cannot become "
            f"{BudgetStatus(to).label.lower()}.",
            {"status": locked.status, "to": to},
        )
    before = locked.status
    locked.status = to
    fields = ["status"]
    now = timezone.now()
    if to == BudgetStatus.APPROVED:
        locked.approved_by, locked.approved_at = actor, now
        fields += ["approved_by", "approved_at"]
    elif to == BudgetStatus.PUBLISHED:
        locked.published_by, locked.published_at = actor, now
        fields += ["published_by", "published_at"]
    elif to == BudgetStatus.DRAFT:
        locked.approved_by, locked.approved_at = None, None
        fields += ["approved_by", "approved_at"]
    locked._history_user = actor
    locked.save(update_fields=fields)
    if reason:
        update_change_reason(locked, reason)
    _record(locked, from_status=before, to=to, actor=actor, reason=reason)
    for name in fields:  # the caller's copy follows
        setattr(budget_set, name, getattr(locked, name))
    return locked


@transaction.atomic
def budget_set_approve(*, budget_set: BudgetSet, actor, reason: str = "") -> BudgetSet:
    """PCT finance approves a calculated draft."""
    if not budget_set.is_calculated:
        raise ApplicationError("Calculate the budgets before approving them.")
    return _move(budget_set, to=BudgetStatus.APPROVED, actor=actor, reason=reason.strip())


@transaction.atomic
def budget_set_reopen(*, budget_set: BudgetSet, actor, reason: str) -> BudgetSet:
    """Send an approved version back to draft (with a reason) so it can be changed."""
    if not (reason or "").strip():
        raise ApplicationError("Give the reason for reopening.", {"fields": {"reason": ["Required."]}})
    return _move(budget_set, to=BudgetStatus.DRAFT, actor=actor, reason=reason.strip())


@transaction.atomic
def budget_set_publish(*, budget_set: BudgetSet, actor, reason: str = "") -> BudgetSet:
    """Publish an approved version to practices; the version published before it is superseded.

    The year's reports are recomputed against it once the change is committed.
    """
    Pct.objects.select_for_update().filter(pk=budget_set.pct_id).first()
    locked = BudgetSet.objects.select_for_update().get(pk=budget_set.pk)
    if locked.status != BudgetStatus.APPROVED:
        raise InvalidTransition(
            f"Version {locked.version} is {locked.get_status_display().lower()}: only an approved version "
            "can be published."
        )
    previous = (
        BudgetSet.objects.select_for_update()
        .filter(pct_id=locked.pct_id, year_id=locked.year_id, status=BudgetStatus.PUBLISHED)
        .exclude(pk=locked.pk)
        .first()
    )
    if previous:
        _move(
            previous,
            to=BudgetStatus.SUPERSEDED,
            actor=actor,
            reason=f"Superseded by version {locked.version}",
        )
    published = _move(budget_set, to=BudgetStatus.PUBLISHED, actor=actor, reason=reason.strip())
    pct_id, start_year, version = published.pct_id, published.year.start_year, published.version
    transaction.on_commit(lambda: _queue_reports(pct_id, start_year, f"budget version {version} published"))
    return published


def _queue_reports(pct_id: int, start_year: int, trigger: str) -> None:
    queue.send_or_log("budgets.tasks.report_recompute_task", pct_id, start_year, trigger)
