"""附件: upload, content checks, content-addressed storage, visibility and download."""

import io
import struct
import zipfile
import zlib
from urllib.parse import quote

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from hub.attachments import services
from hub.attachments.models import Attachment
from hub.audit.models import AuditEvent
from hub.auth.visibility import visible
from hub.core.errors import ServiceError
from hub.extensions import db
from tests.cases.factories import forwarded
from tests.conftest import user_named

# --- sample files, built here -------------------------------------------------------------

PDF = (b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
       b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n"
       b"trailer <</Root 1 0 R>>\n%%EOF\n")
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(56)


def png() -> bytes:
    def chunk(tag: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + tag + data
                + struct.pack(">I", zlib.crc32(tag + data)))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1×1, 8-bit RGB
    pixels = zlib.compress(b"\x00\xc0\x30\x30")
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
            + chunk(b"IEND", b""))


def ooxml(folder: str, main_type: str, macros: bool = False) -> bytes:
    buffer = io.BytesIO()
    main = {"word": "document.xml", "xl": "workbook.xml", "ppt": "presentation.xml"}[folder]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            '.org/package/2006/content-types"><Override PartName="/' + folder + "/" + main
            + '" ContentType="' + main_type + '"/></Types>'))
        package.writestr(f"{folder}/{main}", "<x/>")
        if macros:
            package.writestr(f"{folder}/vbaProject.bin", b"\x00" * 16)
    return buffer.getvalue()


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


def ole2(stream_name: str) -> bytes:
    """The smallest OLE2 compound file: header, one FAT sector, one directory sector."""
    end, free = 0xFFFFFFFE, 0xFFFFFFFF
    header = bytearray(512)
    header[:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<II", header, 44, 1, 1)  # one FAT sector; directory starts at sector 1
    struct.pack_into("<III", header, 56, 4096, end, 0)
    struct.pack_into("<II", header, 68, end, 0)
    struct.pack_into("<109I", header, 76, 0, *([free] * 108))
    fat = struct.pack("<128I", 0xFFFFFFFD, end, *([free] * 126))

    def entry(name: str, kind: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\x00\x00"
        out = bytearray(128)
        out[:len(raw)] = raw
        struct.pack_into("<H", out, 64, len(raw))
        out[66] = kind
        return bytes(out)

    directory = entry("Root Entry", 5) + entry(stream_name, 2) + bytes(256)
    return bytes(header) + fat + directory


# --- fixtures and helpers -----------------------------------------------------------------

@pytest.fixture(autouse=True)
def upload_dir(app, tmp_path, monkeypatch):
    """Each test stores into its own folder, so "nothing written" can be checked."""
    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "HUB_UPLOAD_DIR", str(folder))
    return folder


def stored_files(folder):
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def a_case(app):
    """Lead 芒市信访局, assisted by 德宏州纪委监委; 组织部 takes no part."""
    with app.test_request_context():
        return forwarded(lead="mangshi.xfj", assist=("dh.jw",))


def upload(client, case, content: bytes, name: str):
    return client.post(f"/cases/{case.id}/attachments", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(content), name)})


def rows_for(case):
    return db.session.scalar(select(func.count()).select_from(Attachment).where(
        Attachment.object_type == "cases", Attachment.object_id == case.id))


def store(case, content: bytes, name: str, actor="secretariat"):
    return services.store(user_named(actor), "cases", case.id,
                          FileStorage(io.BytesIO(content), filename=name))


def last_action():
    return db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.seq.desc()).limit(1))


# --- upload and download ------------------------------------------------------------------

def test_upload_and_download_a_pdf_with_a_chinese_name(app, login_as, upload_dir):
    case = a_case(app)
    client = login_as("liaison.jiwei")
    name = "信访材料 扫描件.pdf"
    resp = upload(client, case, PDF, name)
    assert resp.status_code == 302 and resp.headers["Location"].endswith(
        f"/cases/{case.id}#attachments")
    attachment = db.session.scalar(select(Attachment).where(Attachment.object_id == case.id))
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        name, "application/pdf", len(PDF))
    assert attachment.uploaded_by_id == user_named("liaison.jiwei").id
    added = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "attachment.added"))
    assert added.object_type == "attachments" and added.object_id == str(attachment.id)
    assert added.after["object_id"] == case.id and added.after["sha256"] == attachment.sha256

    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "已上传附件" in page and name in page and f"/attachments/{attachment.id}" in page

    with client.get(f"/attachments/{attachment.id}") as download:  # closes the file
        assert download.status_code == 200
        assert download.data == PDF
    assert download.mimetype == "application/pdf"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(name, safe='')}" in disposition
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in download.headers["Cache-Control"]
    assert last_action() == "attachment.downloaded"


def test_png_is_stored_content_addressed_outside_the_web_root(app, ctx, upload_dir):
    case = a_case(app)
    content = png()
    attachment = store(case, content, "现场照片.PNG")
    assert attachment.content_type == "image/png"
    path = upload_dir / attachment.sha256[:2] / attachment.sha256[2:4] / attachment.sha256
    assert path.read_bytes() == content
    assert stored_files(upload_dir) == [path]  # no temporary file left behind
    with services.open_for_download(attachment) as fh:
        assert fh.read() == content
    assert last_action() == "attachment.added"


def test_same_content_twice_is_stored_once(app, login_as, upload_dir):
    case, other = a_case(app), a_case(app)
    client = login_as("secretariat")
    content = png()
    assert upload(client, case, content, "照片.png").status_code == 302
    assert upload(client, case, content, "照片（副本）.png").status_code == 302
    assert upload(client, other, content, "同一张照片.png").status_code == 302
    rows = db.session.scalars(select(Attachment).where(
        Attachment.object_id.in_([case.id, other.id]))).all()
    assert len(rows) == 3 and len({r.sha256 for r in rows}) == 1
    assert len(stored_files(upload_dir)) == 1
    for row in rows:
        with client.get(f"/attachments/{row.id}") as download:
            assert download.data == content


def test_office_files_are_told_by_content(app, ctx):
    case = a_case(app)
    docx = store(case, ooxml("word", DOCX_TYPE), "答复意见书.docx")
    assert docx.content_type.endswith("wordprocessingml.document")
    xlsx = store(case, ooxml("xl", XLSX_TYPE), "台账.xlsx")
    assert xlsx.content_type.endswith("spreadsheetml.sheet")
    assert store(case, ole2("WordDocument"), "旧版文书.doc").content_type == "application/msword"
    assert store(case, ole2("Workbook"), "旧版台账.xls").content_type == "application/vnd.ms-excel"
    tiff = store(case, b"II*\x00" + bytes(64), "扫描件.tif")
    assert tiff.content_type == "image/tiff"
    # A name without an extension gets the one its content has.
    assert store(case, PDF, "扫描件").filename == "扫描件.pdf"


@pytest.mark.parametrize(("content", "name"), [
    (ooxml("word", DOCX_TYPE), "台账.xlsx"),  # a Word document called a workbook
    (ole2("WordDocument"), "台账.xls"),
    (ooxml("word", DOCX_TYPE, macros=True), "文书.docx"),  # macros are never accepted
    (ooxml("word", "application/vnd.ms-word.document.macroEnabled.main+xml"), "文书.docx"),
    (b"PK\x03\x04" + bytes(40), "文书.docx"),  # a broken zip
    (ELF, "说明.pdf"),
], ids=["docx-as-xlsx", "doc-as-xls", "docx-with-macros", "docm-as-docx", "bad-zip", "elf-as-pdf"])
def test_content_must_match_the_extension(app, ctx, upload_dir, content, name):
    case = a_case(app)
    with pytest.raises(ServiceError, match="文件内容与扩展名不符"):
        store(case, content, name)
    assert rows_for(case) == 0 and stored_files(upload_dir) == []


def test_file_names_are_cleaned_for_display(app, ctx):
    clean = services.clean_filename
    assert clean("../../etc/passwd") == "passwd"
    assert clean("C:\\Users\\王\\报告.pdf") == "报告.pdf"
    assert clean("invoice\u202efdp.exe") == "invoicefdp.exe"  # no right-to-left override
    assert clean("  多个   空格\t.pdf ") == "多个 空格 .pdf"
    assert clean("...") == "附件"
    long = clean("长" * 300 + ".pdf")
    assert len(long) == 200 and long.endswith(".pdf")


# --- refusals: a clear message, and nothing written ---------------------------------------

REFUSALS = [
    ("too-large", PDF + b"0" * 200, "大文件.pdf", "文件大小超过上限（100 B）"),
    ("empty", b"", "空文件.pdf", "文件是空的"),
    ("forbidden-type", ELF, "tool.exe", "不支持的文件类型"),
    ("html", b"<html><script>alert(1)</script></html>", "page.html", "不支持的文件类型"),
    ("png-named-pdf", png(), "伪装.pdf", "文件内容与扩展名不符"),
]


@pytest.mark.parametrize(("content", "name", "message"), [r[1:] for r in REFUSALS],
                         ids=[r[0] for r in REFUSALS])
def test_refused_uploads_say_why_and_write_nothing(app, login_as, upload_dir, monkeypatch,
                                                   content, name, message):
    monkeypatch.setitem(app.config, "HUB_UPLOAD_MAX_BYTES", 100)
    case = a_case(app)
    client = login_as("liaison.jiwei")
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    resp = upload(client, case, content, name)
    assert resp.status_code == 302
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert message in page
    assert rows_for(case) == 0 and stored_files(upload_dir) == []
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_no_file_chosen(app, login_as):
    case = a_case(app)
    client = login_as("liaison.jiwei")
    resp = client.post(f"/cases/{case.id}/attachments", data={})
    assert "请选择要上传的文件" in client.get(resp.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize("csrf", [False, True], ids=["plain", "csrf-on"])
def test_request_over_the_limit_gets_a_chinese_page_not_a_bare_413(app, login_as, upload_dir,
                                                                     monkeypatch, csrf):
    case = a_case(app)
    client = login_as("liaison.jiwei")
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2000)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", csrf)  # CSRF reads the form first
    resp = upload(client, case, PDF + b"0" * 5000, "大文件.pdf")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 413
    assert "文件过大" in body and "未保存" in body
    assert rows_for(case) == 0 and stored_files(upload_dir) == []


def test_default_limits_leave_room_for_the_service_message(app):
    assert app.config["HUB_UPLOAD_MAX_BYTES"] == 20 * 1024 * 1024
    assert app.config["MAX_CONTENT_LENGTH"] > app.config["HUB_UPLOAD_MAX_BYTES"]


def test_upload_form_needs_the_csrf_token(app, login_as, monkeypatch):
    case = a_case(app)
    client = login_as("liaison.jiwei")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert upload(client, case, PDF, "材料.pdf").status_code == 400
    assert rows_for(case) == 0


# --- visibility: the attachment's object decides, and the answer is 404 -------------------

def test_an_agency_that_cannot_see_the_case_gets_404(app, login_as, upload_dir):
    case = a_case(app)
    with app.test_request_context():
        attachment = store(case, PDF, "材料.pdf")
    files = stored_files(upload_dir)
    client = login_as("liaison.zuzhi")  # 州委组织部: not a participant
    assert upload(client, case, png(), "照片.png").status_code == 404
    assert client.get(f"/attachments/{attachment.id}").status_code == 404
    assert client.get("/attachments/999999").status_code == 404
    assert rows_for(case) == 1 and stored_files(upload_dir) == files
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "attachment.downloaded")) == 0


def test_visibility_rule_for_attachment_queries(app, ctx):
    case = a_case(app)
    attachment = store(case, PDF, "材料.pdf")

    def seen_by(username):
        return db.session.scalars(visible(user_named(username), Attachment)
                                  .where(Attachment.id == attachment.id)).all()

    assert seen_by("liaison.jiwei") == [attachment]
    assert seen_by("auditor") == [attachment]
    assert seen_by("liaison.zuzhi") == []


def test_roles_on_the_case_page(app, login_as, client):
    case = a_case(app)
    with app.test_request_context():
        store(case, PDF, "材料.pdf")
    leader = login_as("leader.mangshi")  # 芒市信访局 leads: may read, not upload
    page = leader.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "材料.pdf" in page and 'data-testid="attachment-upload"' not in page
    assert leader.post(f"/cases/{case.id}/attachments").status_code == 403
    client.post("/logout")
    secretariat = login_as("secretariat")
    page = secretariat.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'data-testid="attachment-upload"' in page and 'enctype="multipart/form-data"' in page


def test_service_checks_the_actor_too(app, ctx, upload_dir):
    case = a_case(app)
    with pytest.raises(ServiceError, match="无权"):
        store(case, PDF, "材料.pdf", actor="liaison.zuzhi")
    with pytest.raises(ServiceError, match="无权"):
        store(case, PDF, "材料.pdf", actor="auditor")
    assert rows_for(case) == 0 and stored_files(upload_dir) == []


def test_upload_settings(tmp_path):
    from hub.config import ConfigError, flask_config, load_settings

    base = {"HUB_INSTANCE_PATH": str(tmp_path), "HUB_SECRET_KEY": "k" * 40}
    settings = load_settings(base)
    assert settings.upload_dir == tmp_path / "uploads"
    config = flask_config(load_settings({**base, "HUB_UPLOAD_DIR": str(tmp_path / "files"),
                                         "HUB_UPLOAD_MAX_BYTES": "1048576"}))
    assert config["HUB_UPLOAD_DIR"] == str(tmp_path / "files")
    assert config["MAX_CONTENT_LENGTH"] > config["HUB_UPLOAD_MAX_BYTES"] == 1048576
    with pytest.raises(ConfigError, match="HUB_UPLOAD_MAX_BYTES"):
        load_settings({**base, "HUB_UPLOAD_MAX_BYTES": "20MB"})
