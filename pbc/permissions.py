"""The one place that knows scope: which rows a user may see, from their organisation memberships.

Capabilities ("may import list sizes") are Django permissions granted through role groups; scope
("practices in my locality") comes from memberships. Every selector, page, export and API view narrows
its queryset through :func:`scope_queryset`, so an object outside a user's scope is simply not found
(404), never shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, Q, QuerySet

__all__ = ["ScopePaths", "UserScope", "can", "scope_queryset", "user_scope"]


@dataclass(frozen=True)
class ScopePaths:
    """ORM lookups from a model to the PCT, locality and practice it belongs to.

    A ``None`` path means users scoped at that level see none of the model's rows (unless a wider
    membership lets them). A model whose ``scope_paths`` is ``None`` is reference data for every
    signed-in user.
    """

    pct: str | None
    locality: str | None = None
    practice: str | None = None

    @property
    def crosses_many(self) -> bool:
        # Reverse relations (a PCT's practices) can repeat a row in a join.
        return any(
            p and p.split("__")[-1] in {"practices", "localities"} for p in (self.locality, self.practice)
        )


@dataclass(frozen=True)
class UserScope:
    everything: bool
    pct_ids: frozenset[int]
    locality_ids: frozenset[int]
    practice_ids: frozenset[int]

    @property
    def is_empty(self) -> bool:
        return not (self.everything or self.pct_ids or self.locality_ids or self.practice_ids)


NO_SCOPE = UserScope(False, frozenset(), frozenset(), frozenset())


def user_scope(user) -> UserScope:
    """What a user's memberships let them see; computed once per user object (one query)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_SCOPE
    cached = getattr(user, "_pbc_scope", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        scope = UserScope(True, frozenset(), frozenset(), frozenset())
    else:
        pcts, localities, practices = set(), set(), set()
        for pct_id, locality_id, practice_id in user.memberships.values_list(
            "pct_id", "locality_id", "practice_id"
        ):
            if practice_id:
                practices.add(practice_id)
            elif locality_id:
                localities.add(locality_id)
            else:
                pcts.add(pct_id)
        scope = UserScope(False, frozenset(pcts), frozenset(localities), frozenset(practices))
    user._pbc_scope = scope
    return scope


def _paths(model: type[Model]) -> ScopePaths | None:
    try:
        return model.scope_paths
    except AttributeError as exc:
        raise ImproperlyConfigured(
            f"{model.__name__} must declare scope_paths to be shown to users."
        ) from exc


def scope_queryset(qs: QuerySet, user) -> QuerySet:
    """Narrow ``qs`` to the rows ``user`` may see."""
    paths = _paths(qs.model)
    if user is None or not user.is_authenticated or not user.is_active:
        return qs.none()
    if paths is None:
        return qs
    scope = user_scope(user)
    if scope.everything:
        return qs
    condition = Q()
    matched = False
    for path, ids in (
        (paths.pct, scope.pct_ids),
        (paths.locality, scope.locality_ids),
        (paths.practice, scope.practice_ids),
    ):
        if path and ids:
            condition |= Q(**{f"{path}__in": sorted(ids)})
            matched = True
    if not matched:
        return qs.none()
    if paths.crosses_many:
        return qs.filter(pk__in=qs.model._default_manager.filter(condition).values("pk"))
    return qs.filter(condition)


def can(user, perm: str, obj: Model | None = None) -> bool:
    """Whether ``user`` holds capability ``perm`` and, for an object, has it in scope."""
    if user is None or not user.is_authenticated or not user.has_perm(perm):
        return False
    if obj is None:
        return True
    return scope_queryset(type(obj)._default_manager.filter(pk=obj.pk), user).exists()


def pct_ids_for(user) -> frozenset[int]:
    """The PCTs a user works in, whatever the level of their memberships."""
    if user is None or not user.is_authenticated:
        return frozenset()
    return frozenset(user.memberships.values_list("pct_id", flat=True).distinct())
