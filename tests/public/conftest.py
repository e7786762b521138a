"""Portal fixtures: each test's own upload folder, a form that may be sent at once, and a
petitioner who fills it in."""

from __future__ import annotations

import re

import pytest

from hub.extensions import db
from tests.conftest import agency_coded

# A petitioner with personal data in the text itself, as people write.
NAME = "段明华"
PHONE = "13800001111"
ID_NUMBER = "53310319800101003X"
ADDRESS = "团结路18号2栋3单元402室"
CONTENT = (f"我叫{NAME}，家住芒市勇罕街道{ADDRESS}。小区旁工地每天夜里施工到凌晨两点，噪声扰民，"
           f"请求依法查处。联系电话{PHONE}，身份证号{ID_NUMBER}。")


@pytest.fixture(autouse=True)
def upload_dir(app, tmp_path, monkeypatch):
    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "HUB_UPLOAD_DIR", str(folder))
    return folder


@pytest.fixture(autouse=True)
def no_fill_time(app, monkeypatch):
    """A test client fills the form in no time; the fill-time check has its own test."""
    monkeypatch.setitem(app.config, "HUB_PORTAL_MIN_FILL_SECONDS", 0)


@pytest.fixture
def department(ctx):
    """芒市自然资源局 with its own 一县一码."""
    from hub.public.models import PortalDepartment

    agency = agency_coded("mangshi.zrzyj")
    db.session.add(PortalDepartment(agency_id=agency.id))
    db.session.flush()
    return agency


def ticket(client, path: str = "/public/submit") -> str:
    """The signed ticket of the form as the page at ``path`` gives it."""
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="ticket"[^>]*value="([^"]+)"', page).group(1)


def form_data(**overrides) -> dict:
    data = {"title": "芒市某小区旁工地夜间施工噪声扰民", "content": CONTENT,
            "category": "environment", "county": "mangshi", "township_id": "", "village": "",
            "name": NAME, "phone": PHONE, "id_number": ID_NUMBER, "allow_publication": "y",
            "consent": "y", "website": ""}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def submit(client, path: str = "/public/submit", address: str = "192.0.2.10", **overrides):
    data = form_data(**overrides)
    data.setdefault("ticket", ticket(client, path))
    return client.post("/public/submit", data=data, environ_base={"REMOTE_ADDR": address},
                       content_type="multipart/form-data")


def receipt_of(response) -> tuple[str, str]:
    """(query code, secret) from the page shown after a submission."""
    page = response.get_data(as_text=True)
    code = re.search(r'data-testid="query-code">([^<]+)<', page).group(1)
    secret = re.search(r'data-testid="query-secret">([^<]+)<', page).group(1)
    return code, secret
