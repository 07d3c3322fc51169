from django import template

from pbc.labels import provider_label as _provider_label
from pbc.labels import treatment_function_label
from pbc.money import format_gbp

register = template.Library()


@register.filter(name="gbp")
def gbp(pence):
    """Whole pence as £1,234.56."""
    return format_gbp(pence)


@register.filter(name="treatment_function")
def treatment_function(code):
    """A treatment function code with its name ("300 General Internal Medicine"); a list of codes
    becomes one line, "300 General Internal Medicine, 330 Dermatology"."""
    if isinstance(code, list | tuple):
        return ", ".join(treatment_function_label(c) for c in code)
    return treatment_function_label(code) if code else ""


@register.filter(name="provider_label")
def provider_label(code, names=None):
    """``{{ code|provider_label:provider_names }}``: "RD1 Royal Devon ..." (the names from the view)."""
    return _provider_label(code, names) if code else ""
