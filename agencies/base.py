from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class Mechanism:
    """A joint mechanism the agency forms with the 信访局 (e.g. 信访+纪委监委)."""

    code: str
    name: str


@dataclass(frozen=True)
class HandoffKind:
    """A kind of handoff (移送 / 交办 / 协办) a plug-in declares.

    ``receivers`` are the agency kinds that may receive it; ``sign_days`` (working days) and
    ``feedback_days`` (calendar days) are the defaults of its two clocks, which admins may
    change; ``outcomes`` is the vocabulary feedback must use (code → label); ``fields`` is a
    marshmallow schema for the extra data the kind needs.  A ``restricted`` kind makes its
    case restricted and hides the petitioner's identity from everyone but the receiving
    agency and the sender.

    An ``internal`` kind is sent only by the hub area that owns it (a 评查 finding's 整改),
    never from the 交办 form or the API.  ``closed_cases``: it may concern a case that is
    already 办结 (a finding about how the case was handled).  ``moves_card``: sending,
    signing and confirming move the case's board card (交办 → 办理 → 化解); a kind about
    how a case was handled rather than its progress leaves the card where it is.
    """

    code: str
    name: object  # a (lazily) translated label
    receivers: tuple[str, ...]
    outcomes: tuple[tuple[str, object], ...]
    sign_days: int = 3
    feedback_days: int = 30
    restricted: bool = False
    batch: bool = False  # one handoff about several cases (e.g. a 巡察 round's issues)
    fields: type | None = None  # marshmallow Schema class, or None
    internal: bool = False
    closed_cases: bool = False
    moves_card: bool = True

    def outcome_label(self, code: str | None) -> str:
        return str(dict(self.outcomes).get(code, code or ""))


class AgencyPlugin:
    """What a partner agency brings to the hub.

    Subclasses set the class attributes, including the handoff kinds the agency receives
    (with their outcome vocabularies and default deadlines).
    """

    code: ClassVar[str]  # stable identifier, e.g. "discipline"
    name: ClassVar[str]  # Chinese name, e.g. "纪委监委"
    kind: ClassVar[str]  # an AgencyKind value: which agencies in the tree this plug-in serves
    mechanism: ClassVar[Mechanism | None] = None  # None for the 信访局 itself
    description: ClassVar[str] = ""
    handoff_kinds: ClassVar[tuple[HandoffKind, ...]] = ()

    def __repr__(self) -> str:
        return f"<AgencyPlugin {self.code}>"
