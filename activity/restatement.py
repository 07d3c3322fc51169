"""The restatement guard: an upload replaces the published figures of every (provider, month) slice it holds,
so a small file can silently wipe a whole provider-month. A slice that the upload would shrink to under a
share of its published spells (``PBC_RESTATE_MIN_SHARE``, default a half) or empty needs the uploader's
confirmation. Pure: figures in, the slices to confirm out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class SliceChange:
    provider: str
    month: date
    activity_before: int
    cost_before_pence: int
    activity_after: int
    cost_after_pence: int | None = None  # costed only for the slices shown to the user

    def as_dict(self) -> dict:
        return {
            "provider": self.provider,
            "month": f"{self.month:%Y-%m}",
            "activity_before": self.activity_before,
            "activity_after": self.activity_after,
            "cost_before_pence": self.cost_before_pence,
            "cost_after_pence": self.cost_after_pence,
        }


def shrinking_slices(
    before: dict[tuple[str, date], tuple[int, int]],
    after: dict[tuple[str, date], int],
    *,
    min_share: Decimal,
) -> list[SliceChange]:
    """Slices whose published activity (``before``: activity, cost in pence) the upload (``after``:
    activity per slice it holds) would bring under ``min_share`` of what it was, or to nothing."""
    changes = []
    for key in sorted(after):
        was_activity, was_cost = before.get(key, (0, 0))
        now = after[key]
        if was_activity <= 0:
            continue  # a new slice adds; it replaces nothing
        if now == 0 or Decimal(now) < Decimal(was_activity) * min_share:
            changes.append(SliceChange(key[0], key[1], was_activity, was_cost, now))
    return changes
