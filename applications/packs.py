"""PEC papers as PDF (WeasyPrint): the meeting pack and the minutes of decisions.

The pack shows each applicant's budget position. Budget reports belong to ``budgets``; rather than reach
into them, the pack asks the providers registered here (``budgets`` registers one once its reports are
published)::

    from applications.packs import BudgetPosition, register_budget_position

    def latest_report(*, practice, on):
        ...
        return BudgetPosition(title="Month 6 of 2007/08", rows=[("Budget", "£1,234.00"), ...])

    register_budget_position(latest_report)

With no provider, or none with a report, the pack says "No budget report is published yet for this practice".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.template.loader import render_to_string
from django.utils import timezone

from applications import selectors
from applications.models import Meeting

NO_BUDGET_REPORT = "No budget report is published yet for this practice"


@dataclass(frozen=True)
class BudgetPosition:
    """What a provider says of a practice's budget: a title and label/value rows, already formatted."""

    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    note: str = ""


BudgetPositionProvider = Callable[..., BudgetPosition | None]
_BUDGET_POSITION_PROVIDERS: list[BudgetPositionProvider] = []


def register_budget_position(provider: BudgetPositionProvider) -> None:
    """Register ``provider(*, practice, on) -> BudgetPosition | None``; the first that answers is used."""
    if provider not in _BUDGET_POSITION_PROVIDERS:
        _BUDGET_POSITION_PROVIDERS.append(provider)


def unregister_budget_position(provider: BudgetPositionProvider) -> None:
    if provider in _BUDGET_POSITION_PROVIDERS:
        _BUDGET_POSITION_PROVIDERS.remove(provider)


def budget_position(*, practice, on: date) -> BudgetPosition | None:
    for provider in _BUDGET_POSITION_PROVIDERS:
        position = provider(practice=practice, on=on)
        if position is not None:
            return position
    return None


def published_report_position(*, practice, on: date) -> BudgetPosition | None:
    """The practice's position in the budgets app's published monthly reports (registered at start-up)."""
    from budgets.selectors import practice_budget_position

    found = practice_budget_position(practice=practice, on=on)
    return BudgetPosition(**found) if found else None


def _pdf(template: str, context: dict) -> bytes:
    from weasyprint import HTML

    html = render_to_string(template, context)
    return HTML(string=html).write_pdf()


def meeting_pack_context(meeting: Meeting) -> dict:
    on = timezone.localtime(meeting.starts_at).date()
    entries = []
    for item in selectors.agenda_items(meeting=meeting):
        application = item.application
        view = selectors.agenda_item_view(item=item, quorum=meeting.quorum)
        practices = selectors.applicant_practices(application=application)
        entries.append(
            {
                "item": item,
                "application": application,
                "practices": practices,
                "assessments": list(selectors.assessment_list(application=application)),
                "conflicts": view.conflicts,
                "budgets": [(p, budget_position(practice=p, on=on)) for p in practices],
            }
        )
    return {
        "meeting": meeting,
        "entries": entries,
        "generated": timezone.localtime(),
        "no_budget_report": NO_BUDGET_REPORT,
    }


def meeting_pack_pdf(meeting: Meeting) -> bytes:
    """The papers for a meeting: agenda, and for each item the summary, assessments and budget position."""
    return _pdf("applications/pdf/meeting_pack.html", meeting_pack_context(meeting))


def meeting_minutes_context(meeting: Meeting) -> dict:
    items = [
        selectors.agenda_item_view(item=i, quorum=meeting.quorum)
        for i in selectors.agenda_items(meeting=meeting)
    ]
    declarations = list(meeting.interest_declarations.select_related("member", "application"))
    return {
        "meeting": meeting,
        "items": items,
        "declarations": declarations,
        "generated": timezone.localtime(),
    }


def meeting_minutes_pdf(meeting: Meeting) -> bytes:
    """Minutes of the PEC's decisions: each item's votes, the members who could not vote, and the decision."""
    return _pdf("applications/pdf/minutes.html", meeting_minutes_context(meeting))
