"""Table bodies are rendered by one tag per table: cells must still be escaped and formatted."""

from django.template import Context, Template

from pbc.exports import Money
from pbc.tables import Link, Table


def _render(rows, total=None):

    table = Table(slug="t", title="T", headers=["Practice", "Budget", "Note"], rows=rows, total=total)
    return Template('{% include "budgets/includes/table.html" %}').render(Context({"table": table}))


def test_cells_are_escaped_and_money_is_formatted():
    html = _render(
        [[Link("<b>Abbey</b>", "/p/L85001/"), Money(123456), "<script>x</script>"], [None, Money(-5), None]],
        total=["Total", Money(123451), None],
    )
    assert "&lt;b&gt;Abbey&lt;/b&gt;" in html and '<a href="/p/L85001/">' in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>" not in html
    assert '<td class="table-money">£1,234.56</td>' in html
    assert '<th scope="row">Total</th><td class="table-money">£1,234.51</td>' in html
    assert "<td>—</td>" in html


def test_empty_table_says_so():
    assert "Nothing to show." in _render([])
