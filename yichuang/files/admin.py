"""The admin for material files: read-only. Files are evidence of a case; nobody edits or deletes them here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from yichuang.files.models import StoredFile


@admin.register(StoredFile)
class StoredFileAdmin(admin.ModelAdmin[StoredFile]):
    list_display = ["name", "content_type", "size_display", "uploaded_by", "point", "created_at"]
    list_filter = ["content_type", "created_at"]
    search_fields = ["name", "digest", "=id"]
    list_select_related = ["uploaded_by", "point"]
    date_hierarchy = "created_at"
    fields = (
        "id",
        "name",
        "content_type",
        "size_display",
        "digest",
        "uploaded_by",
        "point",
        "region",
        "created_at",
        "download",
    )
    readonly_fields = fields

    @admin.display(description=_("大小"), ordering="size")
    def size_display(self, obj: StoredFile) -> str:
        return str(filesizeformat(obj.size))

    @admin.display(description=_("文件内容"))
    def download(self, obj: StoredFile) -> SafeString:
        url = reverse("v1:file-content", kwargs={"id": obj.pk})
        return format_html('<a href="{}">{}</a>', url, _("下载"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
