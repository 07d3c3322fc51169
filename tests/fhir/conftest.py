"""The budgets fixtures (a hand-checkable baseline, published 2007/08 budgets, an uploaded extract and the
reports recomputed from it), for the FHIR MeasureReports."""

from tests.budgets.conftest import baseline, published, reported  # noqa: F401
