"""Storing uploaded materials: check the content, hash it, write it, record it — all or nothing."""

from __future__ import annotations

import hashlib
import logging
import re
import struct
import unicodedata
import warnings
import zipfile
from typing import IO
from xml.etree import ElementTree

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from rest_framework import exceptions, status

from yichuang.files.models import EXTENSIONS, FileType, StoredFile
from yichuang.org.models import Staff
from yichuang.org.selectors import scope_of

logger = logging.getLogger(__name__)

#: 20 MiB: a multi-page scan as PDF stays well below; settings.FILE_MAX_BYTES overrides it.
DEFAULT_FILE_MAX_BYTES = 20 * 1024 * 1024

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"
PDF_SIGNATURE = b"%PDF-"
ZIP_SIGNATURE = b"PK\x03\x04"
#: GB/T 33190: the package's entry document sits at the root of the zip under this exact name.
OFD_ENTRY = "OFD.xml"

CHUNK_SIZE = 64 * 1024

#: 8000万像素: an A3 page scanned at 600 dpi (7016×9921) or a 64-megapixel phone photo passes; a
#: small file that claims 50000×50000 pixels (a decompression bomb) does not. Below Pillow's own
#: warning threshold (about 89 million), so an accepted image never trips it elsewhere.
#: settings.FILE_MAX_IMAGE_PIXELS overrides it.
DEFAULT_MAX_IMAGE_PIXELS = 80_000_000
#: PDF 32000-1, 7.5.5 and Adobe's implementation note: a reader looks for ``%%EOF`` only in the
#: last 1024 bytes; ``startxref`` (or, in the oldest files, the ``trailer`` dictionary) precedes it.
PDF_EOF_WINDOW = 1024
PDF_TRAILER_WINDOW = 4096


class FileTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("文件过大。")
    default_code = "file_too_large"


class UnsupportedFileType(exceptions.APIException):
    status_code = status.HTTP_415_UNSUPPORTED_MEDIA_TYPE
    default_detail = gettext_lazy("只接受 PDF、JPEG、PNG 或 OFD 文件。")
    default_code = "unsupported_file_type"


def file_max_bytes() -> int:
    """The upload limit in bytes: ``settings.FILE_MAX_BYTES``, else 20 MiB."""
    return int(getattr(settings, "FILE_MAX_BYTES", DEFAULT_FILE_MAX_BYTES))


def too_large(limit: int) -> FileTooLarge:
    return FileTooLarge(_("文件不能超过 %(mib)s MiB。") % {"mib": f"{limit / (1024 * 1024):g}"})


#: OFD.xml is a few hundred bytes of entry points; more than this is not an OFD's root file.
OFD_ROOT_MAX_BYTES = 1024 * 1024


def _is_ofd(stream: IO[bytes] | UploadedFile) -> bool:
    """A real zip archive (central directory readable) with ``OFD.xml`` at its root that parses as
    XML whose root is ``OFD`` holding a ``DocBody`` (GB/T 33190-2016 § 7.4: the document's entry
    point). An empty or made-up ``OFD.xml`` in any zip is not an OFD (issue 15).

    Only ``OFD.xml`` is decompressed, and at most ``OFD_ROOT_MAX_BYTES`` of it, so a zip bomb costs
    nothing; a DTD is refused before parsing (an OFD has none, and entities are how XML bombs work).
    """
    try:
        stream.seek(0)
        with zipfile.ZipFile(stream) as archive:
            entry = next(
                (info for info in archive.infolist() if info.filename == OFD_ENTRY and not info.is_dir()),
                None,
            )
            if entry is None or entry.file_size > OFD_ROOT_MAX_BYTES:
                return False
            with archive.open(entry) as root_file:
                data = root_file.read(OFD_ROOT_MAX_BYTES + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, KeyError, RuntimeError):
        return False
    if len(data) > OFD_ROOT_MAX_BYTES or b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        return False
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError:
        return False

    def local(tag: str) -> str:
        return tag.rsplit("}", 1)[-1]

    return local(root.tag) == "OFD" and any(local(child.tag) == "DocBody" for child in root)


def max_image_pixels() -> int:
    """The largest image accepted, in pixels: ``settings.FILE_MAX_IMAGE_PIXELS``, else 80 million."""
    return int(getattr(settings, "FILE_MAX_IMAGE_PIXELS", DEFAULT_MAX_IMAGE_PIXELS))


def _too_many_pixels(limit: int, size: str = "") -> UnsupportedFileType:
    return UnsupportedFileType(
        _("图片像素过多%(size)s，请缩小到%(million)d万像素以内后重新上传。")
        % {"size": f"（{size}）" if size else "", "million": limit // 10_000}
    )


def _check_image(upload: UploadedFile, kind: FileType) -> None:
    """A JPEG or PNG must open in Pillow as that format, stay within the pixel limit and pass
    ``verify()`` (for a PNG: every chunk and its checksum up to IEND). A JPEG's ``verify`` reads
    nothing beyond the headers, so it is decoded too, at an eighth of its size (libjpeg scales while
    decoding: a few MB at most), which finds a scan cut off in transfer. The pixel limit is checked
    before anything is decoded, so a decompression bomb costs nothing."""
    limit = max_image_pixels()
    pillow_format = "JPEG" if kind == FileType.JPEG else "PNG"
    try:
        with warnings.catch_warnings():
            # Pillow warns of a possible decompression bomb; here that is a refusal, not a warning.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload, formats=[pillow_format]) as image:
                width, height = image.size
                if width * height > limit:
                    raise _too_many_pixels(limit, f"{width}×{height}")
                image.verify()
            if kind == FileType.JPEG:
                upload.seek(0)
                with Image.open(upload, formats=[pillow_format]) as image:
                    image.draft(image.mode, (max(width // 8, 1), max(height // 8, 1)))
                    image.load()
    except UnsupportedFileType:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own limit (about 89 million pixels) stopped it before the size could be read.
        raise _too_many_pixels(limit) from None
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
        struct.error,
        IndexError,
        KeyError,
        TypeError,
    ) as exc:
        logger.info("refused a broken %s: %s", kind, exc)
        raise UnsupportedFileType(_("图片文件已损坏或不完整，无法打开，请重新扫描或拍照后上传。")) from None


def _check_pdf(upload: UploadedFile) -> None:
    """A PDF must end like one — ``%%EOF`` in its last 1024 bytes and, before it, ``startxref`` (or a
    ``trailer``), which is where a reader starts: a page cut off in transfer has neither — and must
    then open in a PDF reader (pypdf) with at least one page: ``%PDF-1.4 hello startxref 0 %%EOF``
    has the words of a PDF and nothing else (issue 15). pypdf reads the cross-reference table and the
    page tree only, not the pages' content, so a large scan costs little."""
    broken = UnsupportedFileType(
        _("PDF文件不完整或已损坏（缺少文件结尾或交叉引用信息），请重新生成或扫描后上传。")
    )
    upload.seek(0, 2)
    upload.seek(max(upload.tell() - PDF_TRAILER_WINDOW, 0))
    tail = upload.read(PDF_TRAILER_WINDOW)
    ends = b"%%EOF" in tail[-PDF_EOF_WINDOW:]
    if not ends or (b"startxref" not in tail and b"trailer" not in tail):
        raise broken
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(upload, strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                raise UnsupportedFileType(_("PDF文件设置了打开密码，无法查看，请去除密码后上传。"))
            pages = len(reader.pages)
    except UnsupportedFileType:
        raise
    except Exception as exc:  # pypdf raises many kinds (PdfReadError, KeyError, ValueError …) on garbage
        logger.info("refused a PDF that does not parse: %s", exc)
        raise broken from None
    if pages < 1:
        raise broken


def detect_type(upload: UploadedFile) -> FileType:
    """The type of the content by its magic bytes, checked further by its structure (an image that
    opens, a PDF that ends like one); raises ``UnsupportedFileType`` for anything else."""
    upload.seek(0)
    head = upload.read(8)
    if head.startswith(PDF_SIGNATURE):
        _check_pdf(upload)
        return FileType.PDF
    if head.startswith(JPEG_SIGNATURE):
        _check_image(upload, FileType.JPEG)
        return FileType.JPEG
    if head.startswith(PNG_SIGNATURE):
        _check_image(upload, FileType.PNG)
        return FileType.PNG
    if head.startswith(ZIP_SIGNATURE) and _is_ofd(upload):
        return FileType.OFD
    raise UnsupportedFileType()


_SEPARATORS = re.compile(r"[\\/]")


def clean_file_name(raw: str | None, content_type: str) -> str:
    """The client's file name fit to show and to offer on download.

    Only the last path part is kept (browsers on Windows used to send ``C:\\Users\\…\\身份证.jpg``);
    control and format characters go (a right-to-left override can make ``exe.pdf`` look like
    ``fdp.exe``); Chinese and other letters stay. Capped at 255 characters, keeping the extension.
    """
    name = unicodedata.normalize("NFC", raw or "")
    name = _SEPARATORS.split(name)[-1]
    name = "".join(
        " " if unicodedata.category(ch)[0] == "Z" else ch for ch in name if unicodedata.category(ch)[0] != "C"
    )
    name = " ".join(name.split())
    name = name.strip().lstrip(".").strip()
    if not name:
        name = _("材料") + EXTENSIONS.get(content_type, "")
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        keep_extension = bool(dot) and 0 < len(ext) <= 10
        name = f"{stem[: 254 - len(ext)]}.{ext}" if keep_extension else name[:255]
    return name


def _measure(upload: UploadedFile, limit: int) -> tuple[int, str]:
    """Size and hex SHA-256 of the content, read once in chunks; stops as soon as the limit is passed."""
    digest = hashlib.sha256()
    size = 0
    for chunk in upload.chunks(CHUNK_SIZE):
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        digest.update(chunk)
    return size, digest.hexdigest()


def file_store(*, upload: UploadedFile, actor: Staff) -> StoredFile:
    """Check ``upload`` by its content, write it to the default storage and record it.

    Refuses an empty file (400 ``invalid``), one above ``FILE_MAX_BYTES`` (413 ``file_too_large``)
    and anything but PDF, JPEG, PNG or OFD (415 ``unsupported_file_type``), including an image that
    does not open or has too many pixels and a PDF without an end. The file belongs to the
    actor's point and scope region at this moment, so later moves of the actor change nothing.

    Nothing is half-stored: if the row cannot be inserted the written file is deleted again. (A
    caller's own transaction that rolls back after this returns can still leave the bytes behind; they
    are unreachable, since only the row names them.)
    """
    limit = file_max_bytes()
    if upload.size is not None and upload.size > limit:
        raise too_large(limit)
    size, digest = _measure(upload, limit)
    if size == 0:
        raise exceptions.ValidationError({"file": [_("文件为空。")]}, code="empty")
    content_type = detect_type(upload)

    point = actor.point
    region = scope_of(actor).region or (point.region if point is not None else None)
    stored = StoredFile(
        name=clean_file_name(upload.name, content_type),
        size=size,
        content_type=content_type,
        digest=digest,
        uploaded_by=actor,
        point=point,
        region=region,
    )
    upload.seek(0)
    # FieldFile.save writes through default storage (a temporary upload is moved, not copied).
    stored.file.save(upload.name or "upload", upload, save=False)
    path = stored.file.name
    try:
        with transaction.atomic():
            stored.save(force_insert=True)
    except BaseException:
        _discard(stored, path)
        raise
    logger.info("file stored id=%s type=%s size=%d", stored.pk, content_type, size)
    return stored


def _discard(stored: StoredFile, path: str | None) -> None:
    if not path:
        return
    try:
        stored.file.storage.delete(path)
    except OSError:  # pragma: no cover - logged for the operator; the original error matters more
        logger.exception("could not delete %s after a failed insert", path)
