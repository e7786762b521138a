"""RFC 5545 / RFC 5546 (iTIP) invitations for hub meetings.

Pure functions over plain data: no database, no Flask. ``build`` turns an
``Invitation`` into the bytes of a ``text/calendar`` attachment with one VEVENT,
its start and end expressed in a named zone (``Asia/Shanghai`` by default) together
with the matching VTIMEZONE. Reminders are the hub's job, so no VALARM is added.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, Event, vCalAddress

PRODID = "-//xinfang-hub//meetings//ZH"
METHODS = frozenset({"REQUEST", "CANCEL"})
# RFC 5545 section 3.2.12, the values allowed on a VEVENT.
PARTSTATS = frozenset({"NEEDS-ACTION", "ACCEPTED", "DECLINED", "TENTATIVE", "DELEGATED"})
ORGANIZER_URI = "urn:hub:organizer"


@dataclass(frozen=True)
class Attendee:
    name: str
    email: str | None  # None: addressed as "urn:hub:user:<user_id>"
    user_id: int
    status: str = "NEEDS-ACTION"  # NEEDS-ACTION | ACCEPTED | DECLINED | DELEGATED


@dataclass(frozen=True)
class Invitation:
    uid: str  # stable per meeting, e.g. "meeting-12@xinfang-hub"
    sequence: int  # increases on every change of time/place/cancel
    title: str
    starts_at: datetime  # tz-aware
    ends_at: datetime
    place: str
    description: str
    organizer_name: str
    organizer_email: str | None
    attendees: tuple[Attendee, ...]
    stamp: datetime  # DTSTAMP, tz-aware


def _aware(value: datetime, field: str) -> datetime:
    if not isinstance(value, datetime):
        raise ValueError(f"{field} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{field} must be timezone-aware, got naive {value.isoformat()}")
    return value


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {tz!r}") from exc


def _address(email: str | None, fallback: str) -> str:
    """A mailto: URI for an address, or the non-mail ``fallback`` URI without one."""
    email = (email or "").strip()
    if not email:
        return fallback
    if email.lower().startswith("mailto:"):
        return email
    return f"mailto:{email}"


def _organizer(inv: Invitation) -> vCalAddress:
    organizer = vCalAddress(_address(inv.organizer_email, ORGANIZER_URI))
    organizer.params["CN"] = inv.organizer_name
    return organizer


def _attendee(person: Attendee) -> vCalAddress:
    status = person.status.upper()
    if status not in PARTSTATS:
        raise ValueError(f"unknown PARTSTAT {person.status!r} for user {person.user_id}")
    address = vCalAddress(_address(person.email, f"urn:hub:user:{person.user_id}"))
    address.params["CN"] = person.name
    address.params["ROLE"] = "REQ-PARTICIPANT"
    address.params["PARTSTAT"] = status
    address.params["RSVP"] = "TRUE"
    return address


def build(inv: Invitation, method: str = "REQUEST", tz: str = "Asia/Shanghai") -> bytes:
    """A VCALENDAR with METHOD (REQUEST for create/update, CANCEL for cancellation, then with
    STATUS:CANCELLED on the VEVENT), PRODID, VERSION 2.0 and one VEVENT carrying UID, SEQUENCE,
    DTSTAMP (UTC), DTSTART/DTEND in zone ``tz`` with TZID plus the matching VTIMEZONE, SUMMARY,
    LOCATION, DESCRIPTION, ORGANIZER (CN) and one ATTENDEE per attendee (CN,
    ROLE=REQ-PARTICIPANT, PARTSTAT, RSVP=TRUE). No VALARM.

    Returns UTF-8 bytes with CRLF line endings, folded as icalendar folds them.
    Raises ValueError for naive datetimes, an end not after the start, a negative sequence,
    an unknown method, PARTSTAT or zone.
    """
    method = method.upper()
    if method not in METHODS:
        raise ValueError(f"method must be one of {sorted(METHODS)}, not {method!r}")
    if isinstance(inv.sequence, bool) or not isinstance(inv.sequence, int) or inv.sequence < 0:
        raise ValueError(f"sequence must be a non-negative integer, not {inv.sequence!r}")
    zone = _zone(tz)
    starts_at = _aware(inv.starts_at, "starts_at").astimezone(zone)
    ends_at = _aware(inv.ends_at, "ends_at").astimezone(zone)
    stamp = _aware(inv.stamp, "stamp").astimezone(UTC)
    if ends_at <= starts_at:
        raise ValueError("ends_at must be later than starts_at")

    event = Event()
    event.add("uid", inv.uid)
    event.add("sequence", inv.sequence)
    event.add("dtstamp", stamp)
    event.add("dtstart", starts_at)
    event.add("dtend", ends_at)
    event.add("summary", inv.title)
    event.add("location", inv.place)
    event.add("description", inv.description)
    event.add("organizer", _organizer(inv))
    for person in inv.attendees:
        event.add("attendee", _attendee(person))
    if method == "CANCEL":
        event.add("status", "CANCELLED")

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    calendar.add_component(event)
    # A VTIMEZONE for every TZID used, valid from a year before the meeting until a year
    # after it: short, and still right for zones whose rules change around the event.
    calendar.add_missing_timezones(
        first_date=date(starts_at.year - 1, 1, 1),
        last_date=date(ends_at.year + 2, 1, 1),
    )
    missing = calendar.get_missing_tzids()
    if missing:
        raise ValueError(f"no VTIMEZONE could be built for {sorted(missing)}")
    return calendar.to_ical()
