"""The event feed other systems poll instead of scraping: what happened, when, in which PCT.

Each app registers its kinds of event (in its ``AppConfig.ready``) as a source that reads its own records,
scoped to the user through ``pbc.permissions``; this module only merges them in time order. Nothing is
stored twice: an event is the record it comes from (an upload that finished, a report run, a decision, a
publication), so the feed can never disagree with the pages.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

MAX_EVENTS = 1000  # per call: a client polls again from the last event it saw


@dataclass(frozen=True)
class Event:
    kind: str
    object_id: int
    occurred_at: datetime
    pct: str
    summary: str
    practice: str = ""

    @property
    def id(self) -> str:
        return f"{self.kind}:{self.object_id}"


# source(user=, since=, limit=) -> the user's events of one kind after ``since``, oldest first, at most limit
Source = Callable[..., Iterable[Event]]
_SOURCES: dict[str, tuple[Source, str]] = {}


def register(kind: str, source: Source, *, permission: str) -> None:
    """``permission``: the capability that shows these records on the pages (scope is the source's)."""
    _SOURCES[kind] = (source, permission)


def kinds() -> list[str]:
    return sorted(_SOURCES)


def event_list(*, user, since: datetime | None = None, kinds: Iterable[str] | None = None) -> list[Event]:
    """The user's events after ``since`` (exclusive), oldest first, at most ``MAX_EVENTS``."""
    wanted = sorted(k for k in set(kinds or _SOURCES) & set(_SOURCES) if user.has_perm(_SOURCES[k][1]))
    events = [e for k in wanted for e in _SOURCES[k][0](user=user, since=since, limit=MAX_EVENTS)]
    events.sort(key=lambda e: (e.occurred_at, e.kind, e.object_id))
    return events[:MAX_EVENTS]
