"""Helpers shared by the agreements selectors."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404


def get_or_404(qs: QuerySet, **lookup):
    try:
        return qs.get(**lookup)
    except qs.model.DoesNotExist as exc:
        raise Http404(f"No {qs.model._meta.verbose_name} matches, or it is not in your scope.") from exc


def filtered(filterset_class, qs: QuerySet, filters) -> QuerySet:
    if filters is None:
        return qs
    fs = filterset_class(data=filters, queryset=qs)
    return fs.qs if fs.is_valid() else qs.none()
