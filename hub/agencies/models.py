from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.core.types import UTCDateTime, utcnow
from hub.extensions import db


class AgencyKind(StrEnum):
    PETITION_BUREAU = "petition_bureau"  # 信访局
    DISCIPLINE = "discipline"  # 纪委监委
    INSPECTION = "inspection"  # 巡察办
    ORGANIZATION = "organization"  # 组织部
    POLITICAL_LEGAL = "political_legal"  # 政法委
    HANDLING_UNIT = "handling_unit"  # 职能部门
    TOWNSHIP = "township"  # 乡镇 (综治中心)
    VILLAGE = "village"  # 村/社区

    @property
    def label(self) -> str:
        return str(KIND_LABELS[self])


KIND_LABELS = {
    AgencyKind.PETITION_BUREAU: _l("信访局"),
    AgencyKind.DISCIPLINE: _l("纪委监委"),
    AgencyKind.INSPECTION: _l("巡察办"),
    AgencyKind.ORGANIZATION: _l("组织部"),
    AgencyKind.POLITICAL_LEGAL: _l("政法委"),
    AgencyKind.HANDLING_UNIT: _l("职能部门"),
    AgencyKind.TOWNSHIP: _l("乡镇"),
    AgencyKind.VILLAGE: _l("村/社区"),
}


class AgencyLevel(StrEnum):
    PREFECTURE = "prefecture"  # 州/市
    COUNTY = "county"  # 县/市
    TOWNSHIP = "township"  # 乡镇
    VILLAGE = "village"  # 村/社区

    @property
    def rank(self) -> int:
        return LEVEL_ORDER.index(self)

    @property
    def label(self) -> str:
        return str(LEVEL_LABELS[self])


LEVEL_ORDER = [AgencyLevel.PREFECTURE, AgencyLevel.COUNTY, AgencyLevel.TOWNSHIP, AgencyLevel.VILLAGE]
LEVEL_LABELS = {
    AgencyLevel.PREFECTURE: _l("州级"),
    AgencyLevel.COUNTY: _l("县级"),
    AgencyLevel.TOWNSHIP: _l("乡镇级"),
    AgencyLevel.VILLAGE: _l("村级"),
}


def _in(column: str, enum) -> str:
    values = ", ".join(f"'{m.value}'" for m in enum)
    return f"{column} IN ({values})"


class Agency(db.Model):
    """An agency (单位) in the tree; every user belongs to exactly one."""

    __tablename__ = "agencies"
    __table_args__ = (
        CheckConstraint(_in("kind", AgencyKind), name="kind"),
        CheckConstraint(_in("level", AgencyLevel), name="level"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(30))
    level: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped[Agency | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Agency]] = relationship(back_populates="parent", order_by="Agency.code")

    @property
    def kind_enum(self) -> AgencyKind:
        return AgencyKind(self.kind)

    @property
    def level_enum(self) -> AgencyLevel:
        return AgencyLevel(self.level)

    def audit_state(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "kind": self.kind,
            "level": self.level,
            "parent_id": self.parent_id,
            "active": self.active,
        }

    def __repr__(self) -> str:
        return f"<Agency {self.code}>"
