from django import template

from pbc.money import format_gbp

register = template.Library()


@register.filter(name="gbp")
def gbp(pence):
    """Whole pence as £1,234.56."""
    return format_gbp(pence)
