"""Reads of the organisation core, always narrowed to the user's scope."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404

from pbc.filters import ListSizeFilter, LocalityFilter, PracticeFilter, ProviderFilter
from pbc.fiscal import FinancialYear
from pbc.models import ApiToken, ImportRun, ListSize, Locality, Membership, Pct, Practice, Provider
from pbc.permissions import scope_queryset


def _get(qs: QuerySet, **lookup):
    try:
        return qs.get(**lookup)
    except qs.model.DoesNotExist as exc:
        raise Http404(f"No {qs.model._meta.verbose_name} matches.") from exc


def _filtered(filterset_class, qs: QuerySet, filters) -> QuerySet:
    if filters is None:
        return qs
    fs = filterset_class(data=filters, queryset=qs)
    return fs.qs if fs.is_valid() else qs.none()


def latest_list_size_subquery(on: date | None = None) -> Subquery:
    sizes = ListSize.objects.filter(practice=OuterRef("pk"))
    if on is not None:
        sizes = sizes.filter(extract_date__lte=on)
    return Subquery(sizes.order_by("-extract_date").values("patients")[:1])


def pct_list(*, user) -> QuerySet[Pct]:
    return scope_queryset(Pct.objects.all(), user)


def locality_list(*, user, filters=None) -> QuerySet[Locality]:
    qs = scope_queryset(Locality.objects.select_related("pct"), user)
    return _filtered(LocalityFilter, qs, filters)


def locality_get(*, user, code: str) -> Locality:
    return _get(locality_list(user=user), code=code.upper())


def practice_list(*, user, filters=None) -> QuerySet[Practice]:
    qs = scope_queryset(Practice.objects.select_related("pct", "locality"), user).annotate(
        current_list_size=latest_list_size_subquery()
    )
    return _filtered(PracticeFilter, qs, filters)


def practice_get(*, user, code: str) -> Practice:
    return _get(practice_list(user=user), code=code.upper())


def list_size_list(*, user, filters=None) -> QuerySet[ListSize]:
    qs = scope_queryset(ListSize.objects.select_related("practice"), user)
    return _filtered(ListSizeFilter, qs, filters)


def list_size_at(*, practice: Practice, on: date) -> ListSize | None:
    """The practice's list on a date: the latest extract taken on or before it."""
    return practice.list_sizes.filter(extract_date__lte=on).order_by("-extract_date").first()


def list_size_for_year(*, practice: Practice, year: FinancialYear) -> ListSize | None:
    """The list a budget year uses: the list at 1 April of that year."""
    return list_size_at(practice=practice, on=year.start)


def provider_list(*, user, filters=None) -> QuerySet[Provider]:
    return _filtered(ProviderFilter, scope_queryset(Provider.objects.all(), user), filters)


def provider_names(*, codes: Iterable[str]) -> dict[str, str]:
    """The names of the given providers (national reference data, so unscoped), in one query, for
    :func:`pbc.labels.provider_label`."""
    wanted = {str(c).strip().upper() for c in codes if c}
    if not wanted:
        return {}
    return dict(Provider.objects.filter(code__in=wanted).exclude(name="").values_list("code", "name"))


def provider_get(*, user, code: str) -> Provider:
    return _get(provider_list(user=user), code=code.upper())


def import_run_list(*, user) -> QuerySet[ImportRun]:
    return scope_queryset(ImportRun.objects.select_related("pct", "actor"), user)


def import_run_get(*, user, pk: int) -> ImportRun:
    return _get(import_run_list(user=user), pk=pk)


def api_token_list(*, user) -> QuerySet[ApiToken]:
    """A user's own API tokens, newest first: nobody lists or rotates another user's tokens here."""
    if user is None or not user.is_authenticated:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=user).order_by("-created", "-pk")


def api_token_get(*, user, pk: int) -> ApiToken:
    return _get(api_token_list(user=user), pk=pk)


def membership_list_for(*, user) -> QuerySet[Membership]:
    return user.memberships.select_related("pct", "locality", "practice")


def home_pct(*, user) -> Pct | None:
    """The PCT a user works in (the first of their memberships)."""
    membership = user.memberships.select_related("pct").order_by("pk").first()
    if membership:
        return membership.pct
    return Pct.objects.order_by("code").first() if user.is_superuser else None
