from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from activity import extract_schema
from pbc.exports import Money, Percent
from pbc.money import format_gbp
from pbc.tables import Link, RagCell

register = template.Library()

_RAG_CLASS = {"green": "text-bg-success", "amber": "text-bg-warning", "red": "text-bg-danger"}


@register.simple_tag
def cell(value):
    """A table cell's content: money as £, percentages to 1 dp, RAG as a labelled badge, links."""
    if value is None:
        return "—"
    if isinstance(value, Money):
        return format_gbp(int(value))
    if isinstance(value, Percent):
        return f"{value:.1f}%"
    if isinstance(value, RagCell):
        return rag_badge(str(value))
    if isinstance(value, Link):
        return format_html('<a href="{}">{}</a>', value.url, value.text)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return intcomma(value)
    return value


def _row_html(row) -> str:
    parts = []
    for i, (value, num) in enumerate(row):
        content = conditional_escape(cell(value))
        if i == 0:
            parts.append(f'<th scope="row">{content}</th>')
        else:
            parts.append(f'<td class="table-money">{content}</td>' if num else f"<td>{content}</td>")
    return "".join(parts)


@register.simple_tag
def table_rows(rows):
    """Every body row of a table at once: a dashboard has hundreds of cells and a tag per cell dominated the
    page's render time."""
    return mark_safe("".join(f"<tr>{_row_html(row)}</tr>" for row in rows))  # noqa: S308 (cells escaped)


@register.simple_tag
def table_cells(row):
    return mark_safe(_row_html(row))  # noqa: S308 (cells escaped)


@register.filter
def numeric(value) -> bool:
    return isinstance(value, int | Percent) and not isinstance(value, bool)


@register.simple_tag
def rag_badge(rag):
    rag = rag or ""
    label = {"green": "Green", "amber": "Amber", "red": "Red"}.get(rag, "Not assessed")
    css = _RAG_CLASS.get(rag, "text-bg-light border")
    return format_html('<span class="badge {}">{}</span>', css, label)


@register.filter
def tenths_pct(tenths):
    if tenths is None:
        return "—"
    return f"{tenths / 10:.1f}%"


@register.filter
def month_name(number):
    from pbc.fiscal import MONTH_NAMES

    try:
        return MONTH_NAMES[int(number) - 1]
    except (TypeError, ValueError, IndexError):
        return ""


@register.filter
def mff(scaled):
    """A market forces factor stored × 100,000 (105000) as written in the tariff (1.05000), exactly."""
    if scaled is None:
        return "—"
    from decimal import Decimal

    return f"{Decimal(int(scaled)).scaleb(-5):.5f}"


@register.filter
def outcome_label(code):
    return extract_schema.outcome_label(str(code or ""))


@register.filter
def reason_label(code):
    return extract_schema.reason_label(str(code or ""))
