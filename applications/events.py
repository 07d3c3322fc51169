"""Events of business cases for the feed (``pbc.events``): the PEC (or the SHA) decided an application."""

from __future__ import annotations

from applications.choices import Action
from applications.models import Application, ApplicationTransition
from pbc.events import Event
from pbc.permissions import scope_queryset

DECISIONS = [
    Action.APPROVE,
    Action.APPROVE_WITH_CONDITIONS,
    Action.DEFER,
    Action.REJECT,
    Action.RATIFY,
    Action.UPHOLD,
    Action.OVERTURN,
]


def applications_decided(*, user, since, limit):
    steps = scope_queryset(ApplicationTransition.objects.filter(action__in=DECISIONS), user)
    if since is not None:
        steps = steps.filter(created__gt=since)
    rows = steps.order_by("created", "pk").values_list(
        "pk", "created", "application__pct__code", "application_id", "application__title",
        "action",
    )[:limit]  # fmt: skip
    for pk, created, pct, application_id, title, action in rows:
        yield Event(
            "application.decided",
            pk,
            created,
            pct,
            f"{Application.reference_for(application_id)} {title}: {Action(action).label}",
        )
