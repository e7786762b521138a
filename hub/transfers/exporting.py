"""Exporting a board or list view to .xlsx, with the view's filters, as an RQ job.

Each exportable view is a ``Source``: which capability it needs, how it reads its filters
from the view's query string, its column headers, and its rows — produced by the same
queries the page uses, so an export never holds more than the page would show.  Rows are
streamed into a write-only workbook (memory stays flat); personal data is always masked
(the audited "show" is a one-person action on the case page, never a bulk one); every text
cell is escaped against formula injection (hub.core.exports).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from hub.audit.services import record_change
from hub.auth.capabilities import Capability, can
from hub.core.errors import ServiceError
from hub.core.exports import append_row
from hub.core.types import utcnow
from hub.extensions import db, in_values
from hub.transfers import progress
from hub.transfers.models import FileJob, Kind, State

CHUNK = 1000


@dataclass(frozen=True)
class Source:
    name: str
    title: object  # lazy string: the sheet's and the file's name
    capability: Capability
    params: Callable[[dict], dict]  # the view's query string → the filters kept
    headers: Callable[[], list[str]]
    count: Callable[[object, dict], int]
    rows: Callable[[object, dict], Iterator[list]]  # in chunks, never all loaded
    filename: Callable[[dict], str] | None = None


SOURCES: dict[str, Source] = {}


def source(item: Source) -> Source:
    SOURCES[item.name] = item
    return item


# ---------------------------------------------------------------------------------------
# Running an export
# ---------------------------------------------------------------------------------------

def start_export(actor, name: str, args: dict) -> FileJob:
    src = SOURCES.get(name)
    if src is None or not can(actor, src.capability):
        raise ServiceError(_("没有可以导出的列表"))
    params = src.params(args)
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    title = src.filename(params) if src.filename else str(src.title)
    job = FileJob(kind=Kind.EXPORT.value, user_id=actor.id, agency_id=actor.agency_id,
                  state=State.QUEUED.value, source=name, params=params,
                  filename=f"{title}-{stamp}.xlsx", result={})
    db.session.add(job)
    db.session.flush()
    job.stored_name = f"export-{job.id}-{os.urandom(8).hex()}.xlsx"
    progress.clear(job.id)  # a reused id (a restored database) starts with no stale flag
    record_change(actor, "transfers.export_requested", job, None)
    return job


def run_export(job_id: int) -> str:
    from openpyxl import Workbook

    from hub.auth.models import User
    from hub.transfers.services import stopped, stored_path

    job = db.session.get(FileJob, job_id)
    if job is None or job.state not in (State.QUEUED.value, State.RUNNING.value):
        return job.state if job else "missing"
    user = db.session.get(User, job.user_id)
    src = SOURCES.get(job.source)
    if src is None or user is None or not user.active or not can(user, src.capability):
        job.state, job.finished_at = State.FAILED.value, utcnow()
        job.message = _("无权导出该列表")
        db.session.commit()
        return job.state
    job.state = State.RUNNING.value
    db.session.commit()
    if progress.cancel_requested(job.id):  # cancelled while it waited in the queue
        return stopped(job, user)
    total = src.count(user, job.params)
    progress.report(job.id, "exporting", 0, total)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(str(src.title)[:31])
    append_row(sheet, src.headers())
    done = 0
    for chunk in src.rows(user, job.params):
        for values in chunk:
            append_row(sheet, values)
        done += len(chunk)
        progress.report(job.id, "exporting", done, max(total, done))
        if progress.cancel_requested(job.id):
            return stopped(job, user)
    path = stored_path(job)
    partial = path.with_suffix(".part")
    book.save(partial)
    partial.replace(path)
    before = job.audit_state()
    job.rows_total = job.rows_done = done
    job.state, job.finished_at = State.DONE.value, utcnow()
    job.result = {"rows": done}
    record_change(user, "transfers.exported", job, before)
    progress.report(job.id, "exporting", done, done)
    db.session.commit()
    return job.state


def partitions(stmt, *, entities: bool = True) -> Iterator[list]:
    """The results of ``stmt`` in chunks of CHUNK.  ORM objects (``entities``) are let go of
    (expunged) once the caller turned a chunk into rows; plain column rows need nothing.
    Memory stays flat however long the list."""
    result = db.session.execute(stmt.execution_options(yield_per=CHUNK))
    if not entities:
        yield from result.partitions()
        return
    for partition in result.scalars().partitions():
        yield partition
        for item in partition:
            db.session.expunge(item)


# ---------------------------------------------------------------------------------------
# Cases: a board (any mechanism's, or all) with its filters
# ---------------------------------------------------------------------------------------

def _board_params(args) -> dict:
    from hub.boards import queries

    code = str(args.get("board") or args.get("code") or queries.ALL)
    if queries.board_by_code(code) is None:
        code = queries.ALL
    return {"board": code} | queries.filter_args(queries.filters_from(args))


def _board_headers() -> list[str]:
    return [_("编号"), _("信访件编号"), _("标题"), _("信访形式"), _("问题类别"), _("问题属地"),
            _("登记日期"), _("看板列"), _("状态"), _("主办单位"), _("办理期限"), _("预警"),
            _("标记"), _("信访人"), _("联系电话"), _("证件号码"), _("人数")]


def _board_statements(user, params: dict):
    from hub.boards import queries
    from hub.cases.vocab import Stage
    from hub.deadlines.services import local_today

    filters = queries.filters_from(params)
    today = local_today()
    for stage in Stage:
        stmt, order = queries.column_query(user, params["board"], stage, filters, today)
        yield stmt.options(*queries.CARD_OPTIONS).order_by(*order)


def _board_count(user, params: dict) -> int:
    from hub.cases.models import Case

    return sum(db.session.scalar(select(func.count()).select_from(
        stmt.with_only_columns(Case.id).order_by(None).subquery()))
        for stmt in _board_statements(user, params))


def _board_rows(user, params: dict) -> Iterator[list]:
    from hub.agencies.models import Agency
    from hub.cases.intake import COUNTIES
    from hub.cases.models import Petitioner
    from hub.cases.permissions import mask_id_number, mask_phone
    from hub.cases.vocab import CATEGORIES, CHANNEL_LABELS, FLAGS, STAGE_LABELS, STATUS_LABELS
    from hub.deadlines.engine import colour
    from hub.deadlines.services import local_date, local_today

    today = local_today()
    agencies = dict(db.session.execute(select(Agency.id, Agency.name)).all())
    labels = {"red": _("红"), "yellow": _("黄"), "green": _("绿"), "paused": _("暂停"),
              "done": _("已完成")}
    hidden = _("（保密）")
    for stmt in _board_statements(user, params):
        for partition in db.session.execute(
                stmt.execution_options(yield_per=CHUNK)).scalars().partitions():
            ids = [c.id for c in partition]
            people: dict[int, list] = {}
            for case_id, name, phone, id_number in db.session.execute(
                    select(Petitioner.case_id, Petitioner.name, Petitioner.phone,
                           Petitioner.id_number).where(in_values(Petitioner.case_id, ids))
                    .order_by(Petitioner.id)):
                people.setdefault(case_id, []).append((name, phone, id_number))
            chunk = []
            for case in partition:
                first = (people.get(case.id) or [("", None, None)])[0]
                names = "、".join(p[0] for p in people.get(case.id, []))
                shade = colour(today, case.due_on, case.warn_on, None, progressed=True,
                               done=case.stage == "closed", paused=case.paused,
                               threat=case.threat)
                chunk.append([
                    case.number, case.external_number or "", case.title,
                    str(CHANNEL_LABELS.get(case.channel, case.channel)),
                    str(CATEGORIES.get(case.category, case.category)),
                    COUNTIES.get(case.county, case.county), local_date(case.registered_at),
                    str(STAGE_LABELS.get(case.stage, case.stage)),
                    str(STATUS_LABELS.get(case.status, case.status)),
                    agencies.get(case.lead_agency_id, ""), case.due_on,
                    labels.get(shade.value, ""),
                    "、".join(str(FLAGS[f]) for f in case.flags()),
                    # A restricted case's petitioner is not named in a list (reporter
                    # protection); phone and ID number are always masked.
                    hidden if case.restricted else names,
                    hidden if case.restricted else mask_phone(first[1]),
                    hidden if case.restricted else mask_id_number(first[2]),
                    case.headcount,
                ])
            for case in partition:  # memory stays flat over a million rows
                db.session.expunge(case)
            yield chunk


def _board_filename(params: dict) -> str:
    from hub.boards import queries

    board = queries.board_by_code(params["board"])
    return _("看板-%(name)s", name=board.name if board else params["board"])


source(Source("board", _l("信访事项"), Capability.CASES_VIEW, _board_params, _board_headers,
              _board_count, _board_rows, _board_filename))


# The list views of other areas register their sources next to their queries (the page's
# own), in an ``exports`` module: imported here so the web app and the worker both have them.
from hub.audit import exports as _audit_exports  # noqa: E402, F401
from hub.baoan import exports as _baoan_exports  # noqa: E402, F401
from hub.handoffs import exports as _handoffs_exports  # noqa: E402, F401
from hub.meetings import exports as _meetings_exports  # noqa: E402, F401
