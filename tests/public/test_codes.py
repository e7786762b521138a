"""一县一码: the PNG and SVG codes decode to the portal's form for the county (or the
department), the posters print them, and administrators give departments their own."""

from __future__ import annotations

import struct
import zlib

import pytest
import zxingcpp
from sqlalchemy import select

from hub.audit.models import AuditEvent
from hub.cases.intake import COUNTIES
from hub.extensions import db
from hub.public.models import PortalDepartment
from tests.conftest import agency_coded


def _png_pixels(data: bytes) -> tuple[int, int, bytes]:
    """A greyscale PNG (bit depth 1 or 8, as segno writes) as one byte per pixel."""
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, tag = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if tag == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif tag == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _c, _f, interlace = header
    assert colour == 0 and depth in (1, 8) and interlace == 0
    raw = zlib.decompress(idat)
    stride = (width * depth + 7) // 8
    rows, previous, offset = [], bytearray(stride), 0
    for _ in range(height):
        kind, line = raw[offset], bytearray(raw[offset + 1:offset + 1 + stride])
        offset += 1 + stride
        for i in range(stride):  # PNG filters, one byte per "pixel" unit
            left = line[i - 1] if i else 0
            up, corner = previous[i], previous[i - 1] if i else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                line[i] = (line[i] + pred) & 0xFF
        rows.append(bytes(line))
        previous = line
    if depth == 8:
        return width, height, b"".join(rows)
    pixels = bytearray()
    for row in rows:
        for x in range(width):
            pixels.append(255 if row[x // 8] >> (7 - x % 8) & 1 else 0)
    return width, height, bytes(pixels)


def decode(png: bytes) -> str:
    width, height, pixels = _png_pixels(png)
    view = memoryview(pixels).cast("B", (height, width))
    found = zxingcpp.read_barcodes(view)
    assert len(found) == 1
    assert found[0].format == zxingcpp.BarcodeFormat.QRCode
    return found[0].text


@pytest.mark.parametrize("county", list(COUNTIES))
def test_each_county_code_decodes_to_its_form(client, county):
    response = client.get(f"/public/codes/{county}/qr.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    url = decode(response.data)
    assert url == f"http://localhost/public/qr/{county}"
    form = client.get(url.removeprefix("http://localhost"))
    assert form.status_code == 200
    assert COUNTIES[county] in form.get_data(as_text=True)


def test_a_department_code_decodes_to_the_department_form(client, department):
    url = decode(client.get(f"/public/codes/mangshi/{department.id}/qr.png").data)
    assert url == f"http://localhost/public/qr/mangshi/{department.id}"
    page = client.get(url.removeprefix("http://localhost")).get_data(as_text=True)
    assert "芒市自然资源局" in page and 'data-testid="routed-to"' in page
    # Not a department of that county, or one without a code: nothing there.
    assert client.get(f"/public/codes/ruili/{department.id}/qr.png").status_code == 404
    other = agency_coded("dh.zrzyj")
    assert client.get(f"/public/codes/mangshi/{other.id}/qr.png").status_code == 404
    assert client.get(f"/public/qr/mangshi/{other.id}").status_code == 404


def test_the_public_address_setting_goes_into_the_code(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "HUB_PUBLIC_URL", "https://xf.example.gov.cn")
    url = decode(client.get("/public/codes/ruili/qr.png").data)
    assert url == "https://xf.example.gov.cn/public/qr/ruili"


def test_svg_and_poster(client):
    svg = client.get("/public/codes/longchuan/qr.svg")
    assert svg.mimetype == "image/svg+xml"
    body = svg.get_data(as_text=True)
    assert "<svg" in body and "陇川县" in body
    poster = client.get("/public/codes/longchuan/poster").get_data(as_text=True)
    assert "陇川县" in poster and "/public/codes/longchuan/qr.png" in poster
    assert "http://localhost/public/qr/longchuan" in poster and "css/poster.css" in poster
    listing = client.get("/public/codes").get_data(as_text=True)
    assert all(f"/public/codes/{county}/poster" in listing for county in COUNTIES)


def test_the_public_url_setting_is_checked():
    from hub.config import ConfigError, _public_url

    assert _public_url({"HUB_PUBLIC_URL": "https://xf.example.gov.cn/"}) == \
        "https://xf.example.gov.cn"
    assert _public_url({}) is None
    for bad in ("xf.example.gov.cn", "ftp://x", "https://x/?a=1", "https://x/portal"):
        with pytest.raises(ConfigError):
            _public_url({"HUB_PUBLIC_URL": bad})


def test_administrators_give_departments_their_own_code(app, login_as):
    client = login_as("admin")
    agency = agency_coded("mangshi.zrzyj")
    page = client.get("/county-codes").get_data(as_text=True)
    assert "芒市自然资源局" in page and "生成二维码" in page
    assert client.post(f"/county-codes/{agency.id}/enable").status_code == 302
    assert db.session.get(PortalDepartment, agency.id) is not None
    assert db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.seq.desc())
                             .limit(1)) == "public.department_code_enabled"
    assert f"/public/codes/mangshi/{agency.id}/poster" in client.get("/county-codes").get_data(
        as_text=True)
    # A county's own 信访局 has the county's code; it cannot get a second one.
    bureau = agency_coded("mangshi.xfj")
    client.post(f"/county-codes/{bureau.id}/enable")
    assert db.session.get(PortalDepartment, bureau.id) is None
    assert client.post(f"/county-codes/{agency.id}/disable").status_code == 302
    assert db.session.get(PortalDepartment, agency.id) is None


def test_others_see_the_posters_but_do_not_manage(login_as):
    client = login_as("liaison.jiwei")
    page = client.get("/county-codes").get_data(as_text=True)
    assert "/public/codes/mangshi/poster" in page and "生成二维码" not in page
    agency = agency_coded("mangshi.zrzyj")
    assert client.post(f"/county-codes/{agency.id}/enable").status_code == 403
