"""Material files on the pages: each file is checked and stored the moment it is chosen (htmx), so a
form that comes back with an error keeps what was uploaded; without JavaScript the files travel with
the form and are stored when it arrives.

Uploads are read through the files API's size-limit handler, so a file past the limit is refused
while it streams in, not after it is all on disk.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST
from rest_framework import exceptions

from yichuang.cases.services import MaterialInput
from yichuang.files.api import UPLOAD_ROLES, SizeLimitUploadHandler
from yichuang.files.models import StoredFile
from yichuang.files.selectors import files_for
from yichuang.files.services import file_max_bytes, file_store
from yichuang.org.models import Staff
from yichuang.web.views.common import problem_from, staff, staff_view

#: What the file chooser offers (the content is checked anyway).
ACCEPT = ".pdf,.jpg,.jpeg,.png,.ofd,application/pdf,image/jpeg,image/png"


def upload_context() -> dict[str, Any]:
    return {"accept": ACCEPT, "max_mib": file_max_bytes() // (1024 * 1024)}


def with_upload_limit(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Install the size-limit handler before anything reads the body. CSRF is checked right after, by
    ``csrf_protect`` (the middleware would read the body first; Django's documented pattern)."""
    protected = csrf_protect(view)

    @wraps(view)
    @csrf_exempt
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST":
            request.upload_handlers = [
                SizeLimitUploadHandler(request, limit=file_max_bytes()),
                *request.upload_handlers,
            ]
        try:
            return protected(request, *args, **kwargs)
        except exceptions.APIException as exc:  # the limit passed while the body streamed in
            problem = problem_from(exc)
            return render(request, "web/_problem.html", {"problem": problem}, status=problem.status)

    return wrapper


def may_upload(user: Staff) -> bool:
    return user.is_superuser or user.role in UPLOAD_ROLES


def store_uploads(request: HttpRequest, user: Staff, names: Iterable[str]) -> list[StoredFile]:
    """Store every file sent under ``names``; the first refusal (too large, wrong type, empty) raises."""
    stored = []
    for name in names:
        for upload in request.FILES.getlist(name):
            stored.append(file_store(upload=upload, actor=user))
    return stored


def resolve_ids(user: Staff, ids: Iterable[str]) -> list[StoredFile]:
    """Files the user may use, by the ids the form carries; unknown or foreign ids are refused."""
    wanted: list[uuid.UUID] = []
    for raw in ids:
        try:
            wanted.append(uuid.UUID(str(raw)))
        except ValueError as exc:
            raise exceptions.ValidationError({"files": [_("文件编号不正确。")]}) from exc
    if not wanted:
        return []
    found = {f.pk: f for f in files_for(user).filter(pk__in=wanted)}
    if len(found) != len(set(wanted)):
        raise exceptions.ValidationError({"files": [_("文件不存在或无权使用，请重新上传。")]})
    return [found[pk] for pk in dict.fromkeys(wanted)]


def collect_files(request: HttpRequest, user: Staff, codes: Iterable[str]) -> list[MaterialInput]:
    """The files given for each material code: already stored ones (``file_<code>``) and any sent
    with the form itself (``upload_<code>``, ``camera_<code>``)."""
    materials = []
    for code in codes:
        files = resolve_ids(user, request.POST.getlist(f"file_{code}"))
        files += store_uploads(request, user, [f"upload_{code}", f"camera_{code}"])
        if files:
            materials.append(MaterialInput(requirement=code, files=files))
    return materials


@require_POST
@with_upload_limit
@staff_view
def upload(request: HttpRequest) -> HttpResponse:
    """htmx: store the chosen file(s) at once and answer the list items that carry their ids.

    ``field`` names the hidden input the ids go into (``file_<code>`` or ``consent_file``); a refusal
    answers in the field's error place (``HX-Retarget``) with the status of the files API.
    """
    user = staff(request)
    field = request.POST.get("field", "")[:60]
    if not (field.startswith("file_") or field == "consent_file") or not field.replace("_", "").isalnum():
        return render(
            request,
            "web/_problem.html",
            {"problem": problem_from(exceptions.ValidationError(_("参数不正确。")))},
            status=400,
        )
    if not may_upload(user):
        problem = problem_from(exceptions.PermissionDenied(_("您的角色不能上传材料。")))
        return _refused(request, field, problem.message, 403)
    names = list(request.FILES.keys())
    if not names:
        return _refused(request, field, _("请选择文件。"), 400)
    try:
        stored = store_uploads(request, user, names)
    except exceptions.APIException as exc:
        problem = problem_from(exc)
        return _refused(request, field, problem.message, problem.status)
    return render(request, "web/intake/_uploaded.html", {"files": stored, "field": field})


def _refused(request: HttpRequest, field: str, message: str, status: int) -> HttpResponse:
    response = render(request, "web/intake/_upload_error.html", {"message": message}, status=status)
    response["HX-Retarget"] = f"#err-{field}"
    response["HX-Reswap"] = "innerHTML"
    return response
