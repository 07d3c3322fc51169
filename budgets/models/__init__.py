"""Models of the budgets app: tariffs and costed activity, indicative budgets, monthly reports."""

from budgets.models.activity import (
    TARIFF_MODELS,
    ActivityAggregate,
    AdmittedTariff,
    AeTariff,
    ExtractUpload,
    MarketForcesFactor,
    OutpatientTariff,
    ProblemRow,
    TariffRowBase,
    TariffVersion,
)
from budgets.models.budgets import (
    BudgetAdjustment,
    BudgetBaseline,
    BudgetCategory,
    BudgetHolding,
    BudgetLine,
    BudgetSet,
    BudgetSetTransition,
)
from budgets.models.reports import PeerActivity, ReportRow, ReportRun

__all__ = [
    "TARIFF_MODELS",
    "ActivityAggregate",
    "AdmittedTariff",
    "AeTariff",
    "BudgetAdjustment",
    "BudgetBaseline",
    "BudgetCategory",
    "BudgetHolding",
    "BudgetLine",
    "BudgetSet",
    "BudgetSetTransition",
    "ExtractUpload",
    "MarketForcesFactor",
    "OutpatientTariff",
    "PeerActivity",
    "ProblemRow",
    "ReportRow",
    "ReportRun",
    "TariffRowBase",
    "TariffVersion",
]
