"""三·三制 indicators: where disputes were resolved (小事不出村，大事不出乡，矛盾不上交).

Counted with one SQL aggregate inside the user's visibility, by county, over the disputes
found (``reported_on``) in a period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func

from hub.agencies.models import Agency
from hub.auth.visibility import visible
from hub.cases.intake import COUNTIES
from hub.extensions import db
from hub.mediation.models import Dispute, Level, Status


@dataclass
class Counts:
    total: int = 0
    resolved_group: int = 0  # 村民小组
    resolved_village: int = 0  # 村委会
    resolved_township: int = 0  # 乡镇
    cases: int = 0  # 转为信访事项
    open: int = 0

    @property
    def resolved_in_village(self) -> int:
        return self.resolved_group + self.resolved_village

    @property
    def resolved(self) -> int:
        return self.resolved_in_village + self.resolved_township

    def rate(self, part: int) -> float | None:
        """A share of all disputes found; None (shown "—") when there were none."""
        return part / self.total if self.total else None

    @property
    def village_rate(self) -> float | None:  # 村级化解率
        return self.rate(self.resolved_in_village)

    @property
    def township_rate(self) -> float | None:  # 乡镇化解率
        return self.rate(self.resolved_township)

    @property
    def resolved_rate(self) -> float | None:  # 基层化解率 (不上交)
        return self.rate(self.resolved)

    def add(self, other: Counts) -> None:
        for name in ("total", "resolved_group", "resolved_village", "resolved_township",
                     "cases", "open"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


DEFINITIONS = {
    "village_rate": _l("村级化解率 = 在村民小组和村委会化解的纠纷 ÷ 登记的纠纷"),
    "township_rate": _l("乡镇化解率 = 在乡镇化解的纠纷 ÷ 登记的纠纷"),
    "resolved_rate": _l("基层化解率 = 在村、乡镇两级化解的纠纷 ÷ 登记的纠纷"),
}


def _resolved_at(level: str):
    return func.sum(case((Dispute.resolved_level == level, 1), else_=0))


def by_county(user, since: date | None = None, until: date | None = None):
    """[(county name, Counts)] for the visible disputes found in [since, until], and the
    total."""
    stmt = visible(user, Dispute)
    if since is not None:
        stmt = stmt.where(Dispute.reported_on >= since)
    if until is not None:
        stmt = stmt.where(Dispute.reported_on <= until)
    stmt = (stmt.join(Agency, Agency.id == Dispute.county_id)
            .with_only_columns(
                Agency.name, Agency.code, func.count(Dispute.id),
                _resolved_at(Level.GROUP.value), _resolved_at(Level.VILLAGE.value),
                _resolved_at(Level.TOWNSHIP.value),
                func.sum(case((Dispute.status == Status.CASE.value, 1), else_=0)),
                func.sum(case((Dispute.status == Status.OPEN.value, 1), else_=0)))
            .group_by(Agency.name, Agency.code).order_by(Agency.code))
    rows, total = [], Counts()
    for name, code, *numbers in db.session.execute(stmt):
        counts = Counts(*(int(n or 0) for n in numbers))
        total.add(counts)
        rows.append((COUNTIES.get(code.split(".")[0], name), counts))
    return rows, total

