"""Storing, listing and opening attachments.

The type of a file is told from its content (magic bytes, the OLE2 directory, the OOXML
package), never from the name or the browser's Content-Type; the name's extension must
agree with it.  The bytes are stored outside the web root, content-addressed:
``<HUB_UPLOAD_DIR>/ab/cd/<sha256>``.  A file is written only after every check passed,
so a refused upload leaves nothing behind.  A stored file whose row later rolls back stays
on disk unreferenced (harmless: the same content uploaded again reuses it).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import struct
import tempfile
import unicodedata
import zipfile
import zlib
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import abort, current_app
from flask_babel import gettext as _
from sqlalchemy import Select, and_, false, or_, select
from sqlalchemy.orm import selectinload

from hub.attachments.models import Attachment
from hub.audit.services import record
from hub.auth.capabilities import Capability, can
from hub.auth.visibility import get_visible_or_404, rule, visible
from hub.cases.models import Case
from hub.core.errors import ServiceError
from hub.extensions import db

log = logging.getLogger(__name__)

CHUNK = 64 * 1024
DEFAULT_NAME = "附件"
MAX_NAME_LENGTH = 200


# --- owners: the objects attachments hang on ----------------------------------------------

_owners: dict[str, type] = {}
_guards: dict[str, object] = {}


def register_owner(object_type: str, model: type, guard=None) -> None:
    """Let ``object_type`` carry attachments; ``model`` has a visibility rule, and an
    attachment is visible exactly when its ``model`` row is — and, with a ``guard``
    (user, object) → bool, when the guard also allows it (e.g. reporter protection)."""
    _owners[object_type] = model
    if guard is not None:
        _guards[object_type] = guard


def owner_or_404(user, object_type: str, object_id):
    """The owning object if the user may see it and its attachments; 404 otherwise."""
    model = _owners.get(object_type)
    if model is None:
        abort(404)
    owner = get_visible_or_404(user, model, object_id)
    guard = _guards.get(object_type)
    if guard is not None and not guard(user, owner):
        abort(404)
    return owner


def _case_guard(user, case) -> bool:
    """A restricted case's scanned letters name the reporter: only those who may identify
    the petitioner see them (纪委 clue, reporter protection)."""
    from hub.cases.permissions import may_identify

    return may_identify(user, case)


register_owner("cases", Case, _case_guard)


@rule(Attachment)
def _attachments(user, stmt: Select) -> Select:
    clauses = [
        and_(Attachment.object_type == object_type,
             Attachment.object_id.in_(visible(user, model).with_only_columns(model.id)))
        for object_type, model in _owners.items()
    ]
    return stmt.where(or_(*clauses)) if clauses else stmt.where(false())


# --- file kinds, told from the content ------------------------------------------------------

@dataclass(frozen=True)
class FileKind:
    code: str
    content_type: str
    extensions: tuple[str, ...]  # the first one is added to a name that has none


KINDS = {k.code: k for k in (
    FileKind("pdf", "application/pdf", ("pdf",)),
    FileKind("jpeg", "image/jpeg", ("jpg", "jpeg")),
    FileKind("png", "image/png", ("png",)),
    FileKind("gif", "image/gif", ("gif",)),
    FileKind("tiff", "image/tiff", ("tif", "tiff")),
    FileKind("doc", "application/msword", ("doc",)),
    FileKind("xls", "application/vnd.ms-excel", ("xls",)),
    FileKind("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             ("docx",)),
    FileKind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             ("xlsx",)),
    FileKind("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation",
             ("pptx",)),
)}
ALLOWED_EXTENSIONS = frozenset(e for k in KINDS.values() for e in k.extensions)

MAGIC = (
    (b"%PDF-", "pdf"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
)
OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_MAGIC = b"PK\x03\x04"

# OOXML: the package's folder and the content type of its main part.  Macro-enabled
# documents (docm, xlsm, pptm) declare other main types and are not accepted.
OOXML = (
    ("docx", "word/",
     b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    ("xlsx", "xl/",
     b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
    ("pptx", "ppt/",
     b"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"),
)
CONTENT_TYPES_PART = "[Content_Types].xml"
CONTENT_TYPES_MAX = 1024 * 1024

# Legacy Office files are OLE2 compound files; the main stream's name tells which.
OLE2_STREAMS = (("WordDocument", "doc"), ("Workbook", "xls"), ("Book", "xls"))
OLE2_SPECIAL = 0xFFFFFFFA  # sector numbers from here up are markers (end of chain, free …)


def detect(stream: BinaryIO) -> FileKind | None:
    """The allowed kind the content is, or None.  ``stream`` must be seekable."""
    stream.seek(0)
    head = stream.read(16)
    try:
        for magic, code in MAGIC:
            if head.startswith(magic):
                return KINDS[code]
        if head.startswith(ZIP_MAGIC):
            code = _ooxml_kind(stream)
        elif head.startswith(OLE2_MAGIC):
            code = _ole2_kind(stream)
        else:
            code = None
    finally:
        stream.seek(0)
    return KINDS[code] if code else None


def _ooxml_kind(stream: BinaryIO) -> str | None:
    try:
        with zipfile.ZipFile(stream) as package:
            names = package.namelist()
            if CONTENT_TYPES_PART not in names:
                return None
            if package.getinfo(CONTENT_TYPES_PART).file_size > CONTENT_TYPES_MAX:
                return None
            types = package.read(CONTENT_TYPES_PART)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError,
            EOFError, OSError, ValueError, zlib.error):
        return None
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        return None  # macros, whatever the declared type
    for code, folder, main_type in OOXML:
        if main_type in types and any(n.startswith(folder) for n in names):
            return code
    return None


def _ole2_kind(stream: BinaryIO) -> str | None:
    try:
        names = _ole2_entry_names(stream)
    except (struct.error, ValueError, IndexError):
        return None
    found = {code for name, code in OLE2_STREAMS if name in names}
    return found.pop() if len(found) == 1 else None


def _ole2_entry_names(stream: BinaryIO) -> set[str]:
    """Names in an OLE2 compound file's directory ([MS-CFB]): header → FAT → directory."""
    stream.seek(0, os.SEEK_END)
    total = stream.tell()
    stream.seek(0)
    header = stream.read(512)
    if len(header) < 512:
        raise ValueError("short header")
    shift = struct.unpack_from("<H", header, 30)[0]
    if shift not in (9, 12):
        raise ValueError("sector size")
    size = 1 << shift
    per_sector = size // 4
    sectors = total // size  # an upper bound for every walk below (no endless loops)

    def sector(number: int) -> bytes:
        if number >= sectors:
            raise ValueError("sector out of range")
        stream.seek((number + 1) * size)
        data = stream.read(size)
        if len(data) != size:
            raise ValueError("short sector")
        return data

    first_dir = struct.unpack_from("<I", header, 48)[0]
    next_difat, difat_count = struct.unpack_from("<II", header, 68)
    fat_sectors = [n for n in struct.unpack_from("<109I", header, 76) if n < OLE2_SPECIAL]
    for _hop in range(min(difat_count, sectors)):
        if next_difat >= OLE2_SPECIAL:
            break
        entries = struct.unpack(f"<{per_sector}I", sector(next_difat))
        fat_sectors += [n for n in entries[:-1] if n < OLE2_SPECIAL]
        next_difat = entries[-1]
    fat: list[int] = []
    for number in fat_sectors[:sectors]:
        fat.extend(struct.unpack(f"<{per_sector}I", sector(number)))
    names: set[str] = set()
    current = first_dir
    for _hop in range(sectors):
        if current >= OLE2_SPECIAL:
            break
        data = sector(current)
        for offset in range(0, size, 128):
            name_length = struct.unpack_from("<H", data, offset + 64)[0]
            entry_type = data[offset + 66]
            if entry_type in (1, 2, 5) and 2 <= name_length <= 64:
                names.add(data[offset:offset + name_length - 2].decode("utf-16-le", "replace"))
        current = fat[current]
    return names


# --- names and sizes ------------------------------------------------------------------------

def clean_filename(raw: str | None) -> str:
    """The user's file name, safe to show and to send back: no folders, no control or
    direction-changing characters, no leading dots, at most 200 characters."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[\\/]", name)[-1]
    name = " ".join(name.split())  # tabs and line breaks become single spaces
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = name.strip(" .")
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        if dot and stem and 0 < len(ext) <= 10:
            name = stem[:MAX_NAME_LENGTH - len(ext) - 1].rstrip(" .") + "." + ext
        else:
            name = name[:MAX_NAME_LENGTH]
    return name or DEFAULT_NAME


def extension_of(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem and ext else ""


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    for unit in ("KB", "MB", "GB"):
        size /= 1024
        if size < 1024 or unit == "GB":
            text = f"{size:.1f}".removesuffix(".0")
            return f"{text} {unit}"
    raise AssertionError("unreachable")


def _forbidden_type() -> ServiceError:
    return ServiceError(_("不支持的文件类型：只能上传 PDF、图片（JPEG、PNG、GIF、TIFF）和 "
                          "Office 文档（Word、Excel、PowerPoint）"), "file")


def _name_for(filename: str, kind: FileKind | None) -> str:
    """Check the name's extension against the content; add one when the name has none."""
    ext = extension_of(filename)
    if ext in ALLOWED_EXTENSIONS:
        if kind is None or ext not in kind.extensions:
            raise ServiceError(_("文件内容与扩展名不符"), "file")
        return filename
    if ext or kind is None:
        raise _forbidden_type()
    return f"{filename}.{kind.extensions[0]}"


# --- storage --------------------------------------------------------------------------------

def upload_root() -> Path:
    return Path(current_app.config["HUB_UPLOAD_DIR"])


def path_for(sha256: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{64}", sha256):
        raise ValueError("not a sha256 hex digest")
    return upload_root() / sha256[:2] / sha256[2:4] / sha256


def _seekable(stream) -> bool:
    try:
        return bool(stream.seekable())
    except (AttributeError, ValueError):
        return False


def _measure(stream, limit: int) -> tuple[BinaryIO, int, str]:
    """Hash and count the upload, refusing it past ``limit`` bytes.  Returns a seekable
    stream with the content (the upload's own, or a spooled copy), its size and sha256."""
    spool = None
    if _seekable(stream):
        stream.seek(0)
    else:
        spool = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)
    digest = hashlib.sha256()
    size = 0
    try:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > limit:
                raise ServiceError(_("文件大小超过上限（%(limit)s），未保存",
                                     limit=human_size(limit)), "file")
            digest.update(chunk)
            if spool is not None:
                spool.write(chunk)
    except BaseException:
        if spool is not None:
            spool.close()
        raise
    source = spool if spool is not None else stream
    source.seek(0)
    return source, size, digest.hexdigest()


def _write(source: BinaryIO, sha256: str) -> None:
    """Store the content once: a temporary file in the target folder, then an atomic
    rename (a reader never sees half a file; two writers of the same content agree)."""
    target = path_for(sha256)
    if target.exists():
        return
    target.parent.mkdir(mode=0o750, parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            source.seek(0)
            shutil.copyfileobj(source, out, CHUNK)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


# --- services -------------------------------------------------------------------------------

def store(actor, object_type: str, object_id: int, file_storage) -> Attachment:
    """Check and keep an uploaded file on an object the actor may see.  Flushes, never
    commits; audited as ``attachment.added``."""
    model = _owners.get(object_type)
    if model is None:
        raise LookupError(f"no attachment owner registered for {object_type!r}")
    if not can(actor, Capability.ATTACHMENTS_ADD) or db.session.scalar(
            visible(actor, model).where(model.id == object_id)) is None:
        raise ServiceError(_("您无权为此事项上传附件"))
    return keep(actor, object_type, object_id, file_storage)


def keep(actor, object_type: str, object_id: int, file_storage, *,
         kinds: frozenset[str] | None = None, limit: int | None = None,
         actor_name: str | None = None) -> Attachment:
    """Check and keep an uploaded file on an object, without asking who may add it: the
    caller has decided (``store`` for users; the public portal for a petitioner's own
    submission, ``actor`` None).  ``kinds`` narrows the allowed file kinds and ``limit``
    the size.  Flushes, never commits; audited as ``attachment.added``."""
    if object_type not in _owners:
        raise LookupError(f"no attachment owner registered for {object_type!r}")
    if file_storage is None or not (file_storage.filename or "").strip():
        raise ServiceError(_("请选择要上传的文件"), "file")
    filename = clean_filename(file_storage.filename)
    limit = min(limit or current_app.config["HUB_UPLOAD_MAX_BYTES"],
                current_app.config["HUB_UPLOAD_MAX_BYTES"])
    source, size, sha256 = _measure(file_storage.stream, limit)
    try:
        if size == 0:
            raise ServiceError(_("文件是空的，未保存"), "file")
        kind = detect(source)
        if kinds is not None and (kind is None or kind.code not in kinds):
            raise ServiceError(_("不支持的文件类型：只能上传 PDF 和图片（JPEG、PNG）"), "file")
        filename = _name_for(filename, kind)
        _write(source, sha256)
    finally:
        if source is not file_storage.stream:
            source.close()
    attachment = Attachment(object_type=object_type, object_id=object_id, filename=filename,
                            content_type=kind.content_type, size=size, sha256=sha256,
                            uploaded_by_id=getattr(actor, "id", None))
    db.session.add(attachment)
    db.session.flush()
    record(actor, "attachment.added", "attachments", attachment.id,
           after=attachment.audit_state(), actor_name=actor_name)
    log.info("attachment %s (%s, %d bytes) added to %s %s by %s", attachment.id,
             kind.code, size, object_type, object_id,
             getattr(actor, "username", None) or actor_name)
    return attachment


def list_for(object_type: str, object_id: int) -> list[Attachment]:
    """The object's attachments, oldest first.  The caller has checked the object is
    visible (an attachment is visible exactly when its object is)."""
    return list(db.session.scalars(
        select(Attachment).where(Attachment.object_type == object_type,
                                 Attachment.object_id == object_id)
        .options(selectinload(Attachment.uploaded_by))
        .order_by(Attachment.uploaded_at, Attachment.id)))


def open_for_download(attachment: Attachment) -> BinaryIO:
    """The stored bytes, opened for reading (the caller closes the file)."""
    fh = path_for(attachment.sha256).open("rb")
    if os.fstat(fh.fileno()).st_size != attachment.size:
        fh.close()
        log.error("attachment %s: stored file %s has the wrong size", attachment.id,
                  attachment.sha256)
        raise OSError(f"stored file for attachment {attachment.id} is damaged")
    return fh


def record_download(actor, attachment: Attachment) -> None:
    record(actor, "attachment.downloaded", "attachments", attachment.id,
           after={"object_type": attachment.object_type, "object_id": attachment.object_id,
                  "filename": attachment.filename})
