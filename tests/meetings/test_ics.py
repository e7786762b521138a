"""RFC 5545 invitations built by hub.meetings.ics, checked by parsing them back with icalendar."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone

import pytest
from icalendar import Calendar

from hub.meetings.ics import Attendee, Invitation, build

UID = "meeting-12@xinfang-hub"
TITLE = "联合会商研判：某村征地补偿"
PLACE = "区信访局三楼第二会议室"
DESCRIPTION = "议程：\n1. 通报情况；2. 研判化解方案, 明确责任单位; 3. 形成会商纪要"
START = datetime(2026, 5, 12, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai
END = datetime(2026, 5, 12, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai
STAMP = datetime(2026, 5, 8, 6, 15, 42, tzinfo=UTC)


def make_invitation(**changes) -> Invitation:
    invitation = Invitation(
        uid=UID,
        sequence=0,
        title=TITLE,
        starts_at=START,
        ends_at=END,
        place=PLACE,
        description=DESCRIPTION,
        organizer_name="王建国（区信访局）",
        organizer_email="wang.jianguo@xf.example.gov.cn",
        attendees=(
            Attendee(name="李娜", email="li.na@zrzy.example.gov.cn", user_id=31),
            Attendee(name="张伟", email=None, user_id=47, status="ACCEPTED"),
            Attendee(name="陈静", email="chen.jing@example.gov.cn", user_id=52, status="DECLINED"),
        ),
        stamp=STAMP,
    )
    return dataclasses.replace(invitation, **changes)


def parse(data: bytes) -> tuple[Calendar, object]:
    calendar = Calendar.from_ical(data)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


def attendees_by_address(event) -> dict[str, object]:
    values = event.get("ATTENDEE", [])
    if not isinstance(values, list):
        values = [values]
    return {str(value): value for value in values}


def test_request_has_calendar_headers_and_chinese_text():
    data = build(make_invitation())
    assert isinstance(data, bytes)
    calendar, event = parse(data)

    assert calendar["METHOD"] == "REQUEST"
    assert calendar["VERSION"] == "2.0"
    assert str(calendar["PRODID"])
    assert event["UID"] == UID
    assert event["SEQUENCE"] == 0
    assert event["SUMMARY"] == TITLE
    assert event["LOCATION"] == PLACE
    assert event["DESCRIPTION"] == DESCRIPTION
    assert "STATUS" not in event
    assert calendar.walk("VALARM") == []
    # The raw text carries the Chinese as UTF-8, not escaped.
    assert TITLE.encode("utf-8") in data.replace(b"\r\n ", b"")


def test_start_and_end_are_the_given_instants_in_shanghai_with_a_vtimezone():
    data = build(make_invitation())
    calendar, event = parse(data)

    start = event["DTSTART"]
    end = event["DTEND"]
    assert start.params["TZID"] == "Asia/Shanghai"
    assert end.params["TZID"] == "Asia/Shanghai"
    assert start.dt == START
    assert end.dt == END
    assert start.dt.utcoffset() == timedelta(hours=8)
    assert (start.dt.hour, start.dt.minute) == (9, 30)
    assert b"DTSTART;TZID=Asia/Shanghai:20260512T093000\r\n" in data
    assert b"DTEND;TZID=Asia/Shanghai:20260512T110000\r\n" in data

    assert [tz.tz_name for tz in calendar.timezones] == ["Asia/Shanghai"]
    assert calendar.get_missing_tzids() == set()
    vtimezone = calendar.timezones[0]
    offsets = {sub["TZOFFSETTO"].td for sub in vtimezone.subcomponents}
    assert offsets == {timedelta(hours=8)}
    # The VTIMEZONE comes before the VEVENT that uses it.
    assert data.index(b"BEGIN:VTIMEZONE") < data.index(b"BEGIN:VEVENT")


def test_dtstamp_is_utc():
    shanghai_stamp = STAMP.astimezone(timezone(timedelta(hours=8)))
    data = build(make_invitation(stamp=shanghai_stamp))
    _, event = parse(data)
    assert event["DTSTAMP"].dt == STAMP
    assert event["DTSTAMP"].dt.utcoffset() == timedelta(0)
    assert b"DTSTAMP:20260508T061542Z\r\n" in data


def test_non_utc_aware_inputs_are_converted_to_the_zone():
    plus_two = timezone(timedelta(hours=2))
    _, event = parse(
        build(
            make_invitation(starts_at=START.astimezone(plus_two), ends_at=END.astimezone(plus_two))
        )
    )
    assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert event["DTSTART"].dt == START
    assert event["DTEND"].dt == END


def test_organizer_and_attendees_carry_cn_role_partstat_rsvp():
    _, event = parse(build(make_invitation()))

    organizer = event["ORGANIZER"]
    assert str(organizer) == "mailto:wang.jianguo@xf.example.gov.cn"
    assert organizer.params["CN"] == "王建国（区信访局）"

    attendees = attendees_by_address(event)
    assert set(attendees) == {
        "mailto:li.na@zrzy.example.gov.cn",
        "urn:hub:user:47",
        "mailto:chen.jing@example.gov.cn",
    }
    expected = {
        "mailto:li.na@zrzy.example.gov.cn": ("李娜", "NEEDS-ACTION"),
        "urn:hub:user:47": ("张伟", "ACCEPTED"),
        "mailto:chen.jing@example.gov.cn": ("陈静", "DECLINED"),
    }
    for address, (name, partstat) in expected.items():
        params = attendees[address].params
        assert params["CN"] == name
        assert params["PARTSTAT"] == partstat
        assert params["ROLE"] == "REQ-PARTICIPANT"
        assert params["RSVP"] == "TRUE"


def test_organizer_without_email_uses_a_non_mail_uri():
    _, event = parse(build(make_invitation(organizer_email=None)))
    assert str(event["ORGANIZER"]).startswith("urn:hub:")
    assert event["ORGANIZER"].params["CN"] == "王建国（区信访局）"


def test_names_with_ical_special_characters_survive():
    odd = 'Qiao "老乔", 组长: 第一组; 备注'
    invitation = make_invitation(
        organizer_name=odd,
        attendees=(Attendee(name=odd, email="qiao@example.cn", user_id=9, status="DELEGATED"),),
    )
    _, event = parse(build(invitation))
    assert event["ORGANIZER"].params["CN"] == odd
    attendee = attendees_by_address(event)["mailto:qiao@example.cn"]
    assert attendee.params["CN"] == odd
    assert attendee.params["PARTSTAT"] == "DELEGATED"


def test_output_is_utf8_with_crlf_and_folded_lines():
    long_title = TITLE + "（" + "某镇某村二〇二五年度集体土地征收补偿款分配争议" * 4 + "）"
    data = build(make_invitation(title=long_title))
    data.decode("utf-8")  # whole document is valid UTF-8
    assert data.endswith(b"\r\n")
    assert data.count(b"\n") == data.count(b"\r\n")
    lines = data.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    for line in lines:
        line.decode("utf-8")  # folding never splits a multi-byte character
    assert any(line.startswith(b" ") for line in lines)
    _, event = parse(data)
    assert event["SUMMARY"] == long_title


def test_output_is_deterministic():
    assert build(make_invitation()) == build(make_invitation())


def test_update_keeps_uid_and_raises_sequence_with_new_time():
    first = make_invitation()
    moved = dataclasses.replace(
        first,
        sequence=1,
        starts_at=START + timedelta(days=1, hours=5),
        ends_at=END + timedelta(days=1, hours=5),
        place="市信访局一楼接待大厅",
        stamp=STAMP + timedelta(hours=2),
    )
    original_calendar, original = parse(build(first))
    updated_calendar, updated = parse(build(moved))

    assert updated_calendar["METHOD"] == "REQUEST"
    assert updated["UID"] == original["UID"] == UID
    assert updated["SEQUENCE"] > original["SEQUENCE"]
    assert updated["SEQUENCE"] == 1
    assert updated["DTSTART"].dt == START + timedelta(days=1, hours=5)
    assert updated["DTEND"].dt == END + timedelta(days=1, hours=5)
    assert updated["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert (updated["DTSTART"].dt.hour, updated["DTSTART"].dt.minute) == (14, 30)
    assert updated["LOCATION"] == "市信访局一楼接待大厅"
    assert updated["DTSTAMP"].dt > original["DTSTAMP"].dt
    assert "STATUS" not in updated
    assert [tz.tz_name for tz in updated_calendar.timezones] == ["Asia/Shanghai"]


def test_cancel_sets_method_status_and_keeps_uid():
    request_calendar, request = parse(build(make_invitation(sequence=1)))
    cancel_calendar, cancelled = parse(build(make_invitation(sequence=2), method="CANCEL"))

    assert request_calendar["METHOD"] == "REQUEST"
    assert cancel_calendar["METHOD"] == "CANCEL"
    assert cancelled["STATUS"] == "CANCELLED"
    assert cancelled["UID"] == request["UID"] == UID
    assert cancelled["SEQUENCE"] == 2 > request["SEQUENCE"]
    assert cancelled["DTSTART"].dt == START
    assert cancelled["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert [tz.tz_name for tz in cancel_calendar.timezones] == ["Asia/Shanghai"]
    assert cancelled["ORGANIZER"].params["CN"] == "王建国（区信访局）"
    assert len(attendees_by_address(cancelled)) == 3
    assert cancel_calendar.walk("VALARM") == []


def test_other_zone_gets_its_own_vtimezone():
    calendar, event = parse(build(make_invitation(), tz="Europe/Berlin"))
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event["DTSTART"].dt == START
    assert [tz.tz_name for tz in calendar.timezones] == ["Europe/Berlin"]


@pytest.mark.parametrize("field", ["starts_at", "ends_at", "stamp"])
def test_naive_datetimes_are_rejected(field):
    naive = getattr(make_invitation(), field).replace(tzinfo=None)
    with pytest.raises(ValueError, match="timezone-aware"):
        build(make_invitation(**{field: naive}))


@pytest.mark.parametrize(
    ("changes", "kwargs"),
    [
        ({"ends_at": START}, {}),
        ({"ends_at": START - timedelta(minutes=30)}, {}),
        ({"sequence": -1}, {}),
        ({}, {"method": "PUBLISH"}),
        ({}, {"tz": "Asia/Nowhere"}),
        ({"attendees": (Attendee(name="李娜", email=None, user_id=31, status="MAYBE"),)}, {}),
    ],
)
def test_invalid_input_is_rejected(changes, kwargs):
    with pytest.raises(ValueError):
        build(make_invitation(**changes), **kwargs)
