"""Which ladder step is due — pure logic, no database (DESIGN §7).

Catch-up: after a missed sweep the ladder sends the reminder that is due now, not a burst
of every step it skipped.  Fairness: an escalation (督查, 通报) is taken only when the step
before it was taken at least ``gap`` days earlier, so nobody is escalated without having
been reminded first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Step:
    name: str
    offset: int  # days relative to the due date (negative: before it)
    kind: str  # remind | warn | escalate


def next_step(ladder: list[Step], due: date, today: date, taken: dict[str, date],
              gap: int) -> Step | None:
    """The one step to take today for an item due on ``due`` (or None)."""
    last = max((i for i, s in enumerate(ladder) if s.name in taken), default=-1)
    candidates = [(i, s) for i, s in enumerate(ladder)
                  if i > last and due + timedelta(days=s.offset) <= today]
    if not candidates:
        return None
    first_index, first = candidates[0]
    if first.kind == "escalate":
        before = taken.get(ladder[first_index - 1].name) if first_index > 0 else None
        if before is None or (today - before).days < gap:
            return None
        return first
    run = []
    for _i, step in candidates:
        if step.kind == "escalate":
            break
        run.append(step)
    reminders = [s for s in run if s.kind == "remind"]
    # The latest reminder that is due stands for the ones missed before it.
    return reminders[-1] if reminders else run[0]
