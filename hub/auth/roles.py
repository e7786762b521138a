from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class Role(StrEnum):
    ADMIN = "admin"  # 系统管理员
    SECRETARIAT = "secretariat"  # 联席会议办公室
    LIAISON = "liaison"  # 联络员
    LEADER = "leader"  # 包案领导
    AUDITOR = "auditor"  # 审计员 (read-only)

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.ADMIN: _l("系统管理员"),
    Role.SECRETARIAT: _l("联席办"),
    Role.LIAISON: _l("联络员"),
    Role.LEADER: _l("包案领导"),
    Role.AUDITOR: _l("审计员"),
}


class LeaderRank(StrEnum):
    TING = "ting"  # 厅级
    XIANCHU = "xianchu"  # 县处级
    XIANGKE = "xiangke"  # 乡科级

    @property
    def label(self) -> str:
        return str(RANK_LABELS[self])


RANK_LABELS = {
    LeaderRank.TING: _l("厅级"),
    LeaderRank.XIANCHU: _l("县处级"),
    LeaderRank.XIANGKE: _l("乡科级"),
}
