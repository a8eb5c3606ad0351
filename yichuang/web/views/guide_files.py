"""空白表格 and 示范文本: the files staff attach to an item's material, served by the item and material
codes (``/guide/<item>/materials/<material>/blank-form/`` and ``…/sample/``) for published items only.
The files sit among the other stored files, which are never served as a folder: only these two fields
of a published item's material are reachable, and only types a citizen can open."""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath

from django.http import FileResponse, Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from yichuang.catalog.models import MaterialRequirement
from yichuang.catalog.selectors import items_published
from yichuang.web.views.common import key_or_404

#: what may be downloaded: documents and images, never HTML or scripts
ALLOWED = {".pdf", ".doc", ".docx", ".xls", ".xlsx", ".wps", ".et", ".odt", ".ods", ".jpg", ".jpeg", ".png"}
INLINE = {".pdf", ".jpg", ".jpeg", ".png"}
WHICH = {"blank-form": ("blank_form", "空白表格"), "sample": ("sample", "示范文本")}


def material_file_url(item_code: str, material: MaterialRequirement, which: str) -> str:
    field = getattr(material, WHICH[which][0])
    if not field:
        return ""
    return reverse("web:material-file", kwargs={"code": item_code, "material": material.code, "which": which})


@require_GET
def material_file(request: HttpRequest, code: str, material: str, which: str) -> FileResponse:
    if which not in WHICH:
        raise Http404
    item = items_published().filter(code=key_or_404(code)[:40]).first()
    row = (
        MaterialRequirement.objects.filter(item=item, code=key_or_404(material)[:30]).first()
        if item is not None
        else None
    )
    field_name, word = WHICH[which]
    stored = getattr(row, field_name, None) if row is not None else None
    if item is None or row is None or not stored:
        raise Http404(_("没有这个文件。"))
    suffix = PurePosixPath(stored.name).suffix.lower()
    if suffix not in ALLOWED:
        raise Http404(_("没有这个文件。"))
    try:
        handle = stored.open("rb")
    except OSError as exc:
        raise Http404(_("没有这个文件。")) from exc
    response = FileResponse(
        handle,
        as_attachment=suffix not in INLINE,
        filename=f"{row.name}-{word}{suffix}",
        content_type=mimetypes.guess_type(f"x{suffix}")[0] or "application/octet-stream",
    )
    response["Cache-Control"] = "public, max-age=300"
    return response
