"""Pure workflow rules, and the registry through which downstream apps add checks to transitions.

``applications`` must not import ``freed_resources``; yet approving a proposal for use of freed-up
resources must check that the pot holds the money. So ``freed_resources`` registers a check here::

    from applications.workflow import register_transition_check

    def pot_covers_cost(*, application, actor, reason):
        ...  # raise pbc.exceptions.ApplicationError to refuse

    register_transition_check(ApplicationKind.FREED_RESOURCES, Action.APPROVE, pot_covers_cost)

Checks run inside ``application_transition``, after the table's own checks and with the application row
locked, so a check may read and lock its own rows and rely on nothing changing underneath it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from applications.choices import RATIFICATION_STATE, WORKFLOW, Step

TransitionCheck = Callable[..., None]

_CHECKS: dict[tuple[str, str], list[TransitionCheck]] = defaultdict(list)


def register_transition_check(kind: str, action: str, check: TransitionCheck) -> None:
    """Run ``check(application=, actor=, reason=)`` whenever ``action`` is taken on an application of ``kind``.

    A check refuses by raising ``ApplicationError`` (or a subclass); registering the same function twice
    has no further effect.
    """
    if action not in WORKFLOW:
        raise ValueError(f"{action!r} is not an action of the workflow.")
    checks = _CHECKS[(str(kind), str(action))]
    if check not in checks:
        checks.append(check)


def unregister_transition_check(kind: str, action: str, check: TransitionCheck) -> None:
    checks = _CHECKS.get((str(kind), str(action)), [])
    if check in checks:
        checks.remove(check)


def transition_checks(kind: str, action: str) -> list[TransitionCheck]:
    return list(_CHECKS.get((str(kind), str(action)), ()))


def ratification_required(
    *, total_cost_pence: int, threshold_pence: int, provider_is_applicant: bool
) -> bool:
    """The Board ratifies a PEC approval above the threshold, or where the applicant is also the provider."""
    return provider_is_applicant or total_cost_pence > threshold_pence


def target_of(step: Step, *, needs_ratification: bool) -> str:
    return RATIFICATION_STATE if step.ratifiable and needs_ratification else step.target


def may_take(step: Step, *, status: str, permissions: Iterable[str] | Callable[[str], bool]) -> bool:
    """Whether a holder of ``permissions`` may take ``step`` from ``status`` (table only, not scope)."""
    has = permissions if callable(permissions) else set(permissions).__contains__
    return status in step.sources and has(step.permission)


def quorate(*, eligible_votes: int, quorum: int) -> bool:
    return eligible_votes >= quorum
