from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class Mechanism:
    """A joint mechanism the agency forms with the 信访局 (e.g. 信访+纪委监委)."""

    code: str
    name: str


class AgencyPlugin:
    """What a partner agency brings to the hub.

    Subclasses set the class attributes; later features (handoff kinds, outcome
    vocabularies, default deadlines) are declared here too.
    """

    code: ClassVar[str]  # stable identifier, e.g. "discipline"
    name: ClassVar[str]  # Chinese name, e.g. "纪委监委"
    kind: ClassVar[str]  # an AgencyKind value: which agencies in the tree this plug-in serves
    mechanism: ClassVar[Mechanism | None] = None  # None for the 信访局 itself
    description: ClassVar[str] = ""

    def __repr__(self) -> str:
        return f"<AgencyPlugin {self.code}>"
