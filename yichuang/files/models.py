"""Case materials (ID card scans, application forms …) stored before the case that uses them exists.

A file is uploaded first and referenced by its UUID when a case is created. The row keeps what was
checked against the content (type, size, SHA-256), never what the client claimed; the bytes live in
Django's default storage under ``MEDIA_ROOT`` with a random name, so nothing personal appears in a
path or a URL.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class FileType(models.TextChoices):
    """The content types we accept, detected from the bytes. The value is the MIME type we serve."""

    PDF = "application/pdf", _("PDF 文档")
    JPEG = "image/jpeg", _("JPEG 图片")
    PNG = "image/png", _("PNG 图片")
    # GB/T 33190-2016 版式文档; there is no IANA registration, "application/ofd" is what issuers use.
    OFD = "application/ofd", _("OFD 版式文档")


#: The storage extension of each type (the client's file name plays no part).
EXTENSIONS: dict[str, str] = {
    FileType.PDF: ".pdf",
    FileType.JPEG: ".jpg",
    FileType.PNG: ".png",
    FileType.OFD: ".ofd",
}

#: Extensions a download name may already carry for its type; any other gets the right one appended.
NAME_EXTENSIONS: dict[str, tuple[str, ...]] = {
    FileType.PDF: (".pdf",),
    FileType.JPEG: (".jpg", ".jpeg", ".jpe", ".jfif"),
    FileType.PNG: (".png",),
    FileType.OFD: (".ofd",),
}


def storage_path(instance: StoredFile, filename: str) -> str:
    """``uploads/YYYY/MM/<random hex><ext of the detected type>``; ``filename`` (the client's) is ignored."""
    month = timezone.localdate().strftime("%Y/%m")
    return f"uploads/{month}/{uuid.uuid4().hex}{EXTENSIONS.get(instance.content_type, '.bin')}"


class StoredFile(models.Model):
    id = models.UUIDField(_("编号"), primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(
        _("文件名"), max_length=255, help_text=_("上传时的文件名，去掉了路径和控制字符。")
    )
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    content_type = models.CharField(
        _("文件类型"),
        max_length=40,
        choices=FileType.choices,
        help_text=_("按文件内容识别，不采信文件名或客户端声明的类型。"),
    )
    digest = models.CharField(
        _("SHA-256"),
        max_length=64,
        db_index=True,
        help_text=_("文件内容的 SHA-256，64 位小写十六进制，不带 sha256: 前缀。"),
    )
    file = models.FileField(
        _("存储路径"),
        upload_to=storage_path,
        max_length=200,
        help_text=_("相对 MEDIA_ROOT 的路径。"),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="uploaded_files",
        help_text=_("为空表示系统生成。"),
    )
    point = models.ForeignKey(
        "org.ServicePoint",
        verbose_name=_("服务点"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="files",
        help_text=_("上传人所在的服务点。"),
    )
    region = models.ForeignKey(
        "org.Region",
        verbose_name=_("所属区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="files",
        help_text=_("上传时上传人的管辖区划（没有则取其服务点所在区划），用于可见范围。"),
    )
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("材料文件")
        verbose_name_plural = pgettext_lazy("plural", "材料文件")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def download_name(self) -> str:
        """The name to offer on download: the uploaded name, with the real extension if it lied."""
        allowed = NAME_EXTENSIONS.get(self.content_type, ())
        if allowed and self.name.lower().endswith(allowed):
            return self.name
        return f"{self.name}{EXTENSIONS.get(self.content_type, '')}"
