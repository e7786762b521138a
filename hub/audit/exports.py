"""The audit log, with the page's filters, as an export source (auditors and admins)."""

from __future__ import annotations

import json
from collections.abc import Iterator

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from hub.audit.models import AuditEvent
from hub.auth.capabilities import Capability
from hub.deadlines.services import local_zone
from hub.extensions import db
from hub.transfers.exporting import Source, partitions, source

COLUMNS = (AuditEvent.seq, AuditEvent.occurred_at, AuditEvent.actor_name, AuditEvent.action,
           AuditEvent.object_type, AuditEvent.object_id, AuditEvent.address,
           AuditEvent.before, AuditEvent.after, AuditEvent.hash)


def _params(args) -> dict:
    from hub.audit.views import FILTERS

    return {k: str(args[k])[:64] for k in FILTERS if args.get(k)}


def _statement(params: dict):
    from hub.audit.views import filtered

    return filtered(params)[1]


def _headers() -> list[str]:
    return [_("序号"), _("时间"), _("操作人"), _("操作"), _("对象类型"), _("对象编号"), _("地址"),
            _("变更前"), _("变更后"), _("哈希")]


def _count(user, params: dict) -> int:
    return db.session.scalar(select(func.count()).select_from(_statement(params).subquery()))


def _json(value) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _rows(user, params: dict) -> Iterator[list]:
    zone = local_zone()
    stmt = _statement(params).with_only_columns(*COLUMNS).order_by(AuditEvent.seq.desc())
    for partition in partitions(stmt, entities=False):
        yield [[seq, at.astimezone(zone).replace(tzinfo=None), actor, action, object_type,
                object_id, address, _json(before), _json(after), digest]
               for seq, at, actor, action, object_type, object_id, address, before, after,
               digest in partition]


source(Source("audit", _l("审计日志"), Capability.AUDIT_VIEW, _params, _headers, _count, _rows))
