"""Synthetic cases for benchmarks: ``bulk_cases`` inserts many cases quickly with Core bulk
inserts (no service calls, one audit event).  It does not commit: the caller does."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import false, insert, literal_column, select

from hub.agencies.models import Agency, AgencyKind
from hub.audit.services import record
from hub.auth.models import User
from hub.cases import steps
from hub.cases.demo import SURNAMES, TOPICS, _id_number, _phone
from hub.cases.intake import COUNTIES, case_number, reserve_numbers
from hub.cases.models import Case, CaseBoard, CaseParticipant, Petitioner
from hub.cases.steps import board_rank
from hub.cases.vocab import COLLECTIVE_HEADCOUNT, Channel, ParticipantRole, Stage, Status
from hub.deadlines.engine import warning_dates
from hub.deadlines.services import local_today, thresholds
from hub.extensions import db
from hub.indicators import tallies
from hub.similar import services as similar

# ---------------------------------------------------------------------------------------
# bulk_cases: synthetic cases for benchmarks
# ---------------------------------------------------------------------------------------

BATCH_SIZE = 5000
_BULK_STAGES = [  # stage, status, weight
    (Stage.SORT, Status.REGISTERED, 10),
    (Stage.ASSIGNED, Status.FORWARDED, 12),
    (Stage.HANDLING, Status.ACCEPTED, 28),
    (Stage.SUPERVISED, Status.ACCEPTED, 8),
    (Stage.RESOLVED, Status.REPLIED, 15),
    (Stage.CLOSED, Status.CLOSED, 27),
]
_BULK_PERIOD = {Stage.SORT: 15, Stage.ASSIGNED: 15, Stage.HANDLING: 60, Stage.SUPERVISED: 60,
                Stage.RESOLVED: 30}


def bulk_cases(n: int, seed: int = 1, *, index: bool = True) -> int:
    """Insert ``n`` synthetic cases quickly: Core bulk inserts in batches of 5,000 into
    cases, petitioners, participants and board rows, generated batch by batch (memory stays
    flat).  No deadline rows (``current_deadline_id`` is NULL); ``due_on``/``warn_on`` are
    filled as the deadline service would, so the colours work.  The indicator tallies and
    — unless ``index`` is false (a benchmark that rewrites the texts and indexes them
    afterwards, or does not need the index) — the similar-cases index are kept in step.
    One audit event for the lot.  Flushes, never commits."""
    if n <= 0:
        return 0
    rng = random.Random(seed)  # noqa: S311 # nosec B311 - deterministic demo data, not secrets
    rand = rng.random
    today = local_today()
    th = thresholds()
    agencies = list(db.session.scalars(select(Agency).where(Agency.active.is_(True))))
    by_code = {a.code: a for a in agencies}
    if "dh.xfj" not in by_code:
        raise RuntimeError("the demo prefecture is missing: run `hub demo` first")
    mechanism = {a.id: steps.mechanism_of(a) for a in agencies}
    prefecture_xfj = by_code["dh.xfj"].id
    partners = [a for a in agencies if mechanism[a.id]]
    top_partners = [a.id for a in partners if a.level == "prefecture"] or [a.id for a in partners]
    units = [a.id for a in agencies if a.kind == AgencyKind.HANDLING_UNIT.value] or top_partners
    liaison_id = db.session.scalar(select(User.id).where(User.username == "liaison.xinfang"))
    channels = [c.value for c in Channel]
    # One weighted table lookup per case instead of rng.choices.
    stage_table = [(s.value, st.value, _BULK_PERIOD.get(s)) for s, st, w in _BULK_STAGES
                   for _ in range(w)]

    def county_profile(county: str) -> dict:
        name = COUNTIES[county]
        texts = []
        for t in TOPICS:
            title = t.title.format(place=name, village="某村", county=name)
            texts.append((t.category, title, "（合成数据，用于性能测试）" + title))
        return {
            "county": county,
            "xfj": by_code.get(f"{county}.xfj", by_code["dh.xfj"]).id,
            "partners": [a.id for a in partners if a.code.startswith(county + ".")]
            or top_partners,
            "townships": [a.id for a in agencies if a.kind == AgencyKind.TOWNSHIP.value
                          and a.code.startswith(county + ".")],
            "texts": texts,
        }

    profiles = [county_profile(county) for county in COUNTIES]
    warn_cache: dict[tuple[date, int], date] = {}
    at_cache: dict[date, datetime] = {}
    cases_table, petitioners_table = Case.__table__, Petitioner.__table__
    participants_table, boards_table = CaseParticipant.__table__, CaseBoard.__table__
    # Columns that are the same for every synthetic case are written inline in the SQL
    # (no per-row parameters).
    constant = {name: false() for name in ("public", "restricted", "repeat", "joint_letter",
                                           "foreign", "non_reception", "to_discuss",
                                           "extended", "paused")}
    insert_cases = insert(cases_table).values(**constant, version=literal_column("1"))
    # The new ids: on SQLite from RETURNING (number, id) (unordered RETURNING batches many
    # rows per statement; ordered RETURNING would insert one row at a time); on PostgreSQL
    # a plain multi-row insert and one lookup by number is faster (measured).
    use_returning = db.session.get_bind().dialect.name == "sqlite"
    returning = insert_cases.returning(cases_table.c.number, cases_table.c.id)
    now = datetime.now(UTC)
    lead_role, assist_role = ParticipantRole.LEAD.value, ParticipantRole.ASSIST.value
    supervise_role = ParticipantRole.SUPERVISE.value

    done = 0
    batch_index = 0
    while done < n:
        size = min(BATCH_SIZE, n - done)
        # One year per batch (numbers are per year: one UPDATE reserves the batch's block).
        year = today.year - (0, 0, 1, 0, 1, 2)[batch_index % 6]
        year_start = date(year, 1, 1)
        span = (min(date(year, 12, 31), today) - year_start).days + 1
        first = reserve_numbers(year, size)
        case_rows, extras = [], []
        for i in range(size):
            profile = profiles[int(rand() * 5)]
            texts = profile["texts"]
            category, title, content = texts[int(rand() * len(texts))]
            stage, status, period = stage_table[int(rand() * len(stage_table))]
            registered_on = year_start + timedelta(days=int(rand() * span))
            threat = rand() < 0.01
            headcount = 1 if rand() < 0.8 else 2 + int(rand() * 39)
            due_on = warn_on = None
            if period is not None:  # an open step: the clock's dates, as the service sets
                if stage == "sort":
                    start = registered_on
                else:
                    start = max(registered_on, today - timedelta(days=int(period * 1.5 * rand())))
                due_on = start + timedelta(days=period)
                warn_on = warn_cache.get((start, period))
                if warn_on is None:
                    warn_on = warn_cache[(start, period)] = min(warning_dates(start, due_on, th))
            registering = prefecture_xfj if rand() < 0.4 else profile["xfj"]
            members = {}
            lead = None
            if stage == "sort":
                if rand() < 0.05:  # received at a partner's joint window
                    local = profile["partners"]
                    registering = local[int(rand() * len(local))]
            else:
                roll = rand()
                if roll < 0.25:
                    pool = profile["partners"] if rand() < 0.6 else top_partners
                elif roll < 0.6:
                    pool = units
                else:
                    pool = (profile["xfj"],)
                lead = pool[int(rand() * len(pool))]
                members[lead] = lead_role
                if rand() < 0.2:
                    members.setdefault(top_partners[int(rand() * len(top_partners))],
                                       assist_role)
            members.setdefault(registering, supervise_role)
            reg_at = at_cache.get(registered_on)
            if reg_at is None:  # 09:00 in 德宏 is 01:00 UTC
                reg_at = at_cache[registered_on] = datetime.combine(registered_on, time(1),
                                                                    tzinfo=UTC)
            townships = profile["townships"]
            replied = stage in ("resolved", "closed")
            case_rows.append({
                "number": case_number(year, first + i),
                "title": title,
                "content": content,
                "channel": channels[int(rand() * 8)],
                "category": category,
                "headcount": headcount,
                "county": profile["county"],
                "township_id": townships[int(rand() * len(townships))]
                if townships and rand() < 0.2 else None,
                "registered_at": reg_at,
                "registered_by_id": liaison_id if registering == prefecture_xfj else None,
                "registering_agency_id": registering,
                "lead_agency_id": lead,
                "skip_level": rand() < 0.03,
                "collective": headcount >= COLLECTIVE_HEADCOUNT,
                "threat": threat,
                "status": status,
                "stage": stage,
                "supervised": stage == "supervised",
                "due_on": due_on,
                "warn_on": warn_on,
                "reply_text": "（合成答复）" if replied else None,
                "replied_at": now if replied else None,
                "closed_at": now if stage == "closed" else None,
                "rank": board_rank(stage, threat, due_on, now),
                "created_at": now,
            })
            extras.append((members, stage, case_rows[-1]["rank"], profile["county"]))
        if use_returning:
            ids = dict(db.session.execute(returning, case_rows).tuples().all())
        else:
            db.session.execute(insert_cases, case_rows)
            ids = dict(db.session.execute(
                select(cases_table.c.number, cases_table.c.id)
                .where(cases_table.c.number.in_([row["number"] for row in case_rows]))
            ).tuples().all())
        people, member_rows, board_rows = [], [], []
        for row, (members, stage, rank, county) in zip(case_rows, extras, strict=True):
            case_id = ids[row["number"]]
            people.append({"case_id": case_id, "name": SURNAMES[int(rand() * len(SURNAMES))]
                           + "某某", "phone": _phone(rng), "id_number": _id_number(rng, county)})
            boards = set()
            for agency_id, role in members.items():
                mech = mechanism[agency_id]
                member_rows.append({"case_id": case_id, "agency_id": agency_id, "role": role,
                                    "mechanism": mech, "stage": stage, "rank": rank})
                if mech and mech not in boards:
                    boards.add(mech)
                    board_rows.append({"case_id": case_id, "board": mech, "stage": stage,
                                       "rank": rank})
        db.session.execute(insert(petitioners_table), people)
        db.session.execute(insert(participants_table), member_rows)
        if board_rows:
            db.session.execute(insert(boards_table), board_rows)
        tallies.refresh(ids.values())  # Core inserts: the indicator tallies are told
        if index:
            similar.index_cases(ids.values())  # … and the similar-cases index
        done += size
        batch_index += 1
    record(None, "demo.bulk_cases", "cases", None, after={"count": n})
    return n
