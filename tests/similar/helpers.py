"""Cases for the similar-cases tests, written with multi-row inserts (as the import does)."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count

from hub.cases.models import Case, CaseParticipant
from hub.extensions import bulk_insert
from tests.conftest import agency_coded

_numbers = count(1)
MARCH = datetime(2026, 3, 2, 1, tzinfo=UTC)  # 09:00 in 德宏


def add_cases(petitions, *, agency: str = "dh.xfj", assist: tuple[str, ...] = (),
              restricted: bool = False, registered_at: datetime = MARCH) -> list[int]:
    """One case per petition (corpus.Petition), registered by ``agency`` (which takes part
    as 督办), with the agencies of ``assist`` assisting; their ids in order."""
    registering = agency_coded(agency)
    helpers = [agency_coded(code) for code in assist]
    rows = []
    for p in petitions:
        rows.append({
            "number": f"SIM{next(_numbers):09d}", "title": p.title[:200], "content": p.content,
            "channel": "letter", "category": p.category, "headcount": 1, "county": p.county,
            "village": p.village, "registered_at": registered_at,
            "registering_agency_id": registering.id, "restricted": restricted,
            "status": "registered", "stage": "sort", "rank": 0,
        })
    by_number = dict(bulk_insert(Case.__table__, rows, returning=("number", "id")))
    ids = [by_number[row["number"]] for row in rows]
    members = []
    for case_id in ids:
        members.append({"case_id": case_id, "agency_id": registering.id, "role": "supervise",
                        "mechanism": None, "stage": "sort", "rank": 0})
        members += [{"case_id": case_id, "agency_id": a.id, "role": "assist",
                     "mechanism": None, "stage": "sort", "rank": 0} for a in helpers]
    bulk_insert(CaseParticipant.__table__, members)
    return ids
