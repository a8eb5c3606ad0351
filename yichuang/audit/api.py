"""The audit trail over HTTP, for platform administrators only (like Open Zaak's audit trail): case
lines and security events in one list, newest first, with the digests that chain them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import CharField, F, QuerySet, Value
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yichuang.audit.models import SecurityEvent, SecurityKind
from yichuang.common.pagination import Pagination
from yichuang.notify.selectors import can_read_outbox

CASE = "case_event"
COLUMNS = (
    "source",
    "id",
    "seq",
    "at",
    "kind",
    "actor",
    "actor_name",
    "case",
    "subject",
    "from_value",
    "to_value",
    "note",
    "prev_digest",
    "digest",
)


class IsPlatformAdmin(BasePermission):
    message = _("只有平台管理员可以查看审计记录。")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return can_read_outbox(request.user)  # type: ignore[arg-type]


class AuditRecordSerializer(serializers.Serializer[Any]):
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=[CASE, "security_event"], help_text=_("记录来源：办件记录或安全事件")
    )
    id = serializers.IntegerField()
    seq = serializers.IntegerField(help_text=_("在其链中的序号（每个办件一条链，安全事件一条链）"))
    at = serializers.DateTimeField()
    kind = serializers.CharField(help_text=_("办件动作（accept、approve…）或安全事件类型（login、export…）"))
    actor = serializers.CharField(allow_null=True, help_text=_("操作人账号"))
    actor_name = serializers.CharField(help_text=_("操作人姓名或登录时填写的账号"))
    case = serializers.CharField(allow_null=True, help_text=_("办件编号"))
    subject = serializers.CharField(help_text=_("安全事件的对象（人员、文件、导出文件名）"))
    from_value = serializers.CharField(help_text=_("原状态或原值"))
    to_value = serializers.CharField(help_text=_("新状态或新值"))
    note = serializers.CharField()
    prev_digest = serializers.CharField(help_text=_("前一条记录的 SM3 摘要"))
    digest = serializers.CharField(help_text=_("本条记录的 SM3 摘要"))


#: The columns of one trail record, in the same order for case lines and security events (a UNION).
_RECORD_COLUMNS = (
    "r_source",
    "id",
    "seq",
    "at",
    "r_kind",
    "r_actor",
    "r_name",
    "r_case",
    "r_subject",
    "r_from",
    "r_to",
    "note",
    "prev_digest",
    "digest",
)


def _text(value: str = "") -> Value:
    return Value(value, output_field=CharField())


def _since(raw: str) -> dt.datetime:
    moment = parse_datetime(raw)
    if moment is None:
        day = parse_date(raw)
        if day is None:
            raise ValidationError(
                {"since": [_("请填写日期或时间，如 2026-12-01 或 2026-12-01T08:00:00+08:00。")]}
            )
        moment = dt.datetime.combine(day, dt.time.min)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def audit_records(
    *, case: str = "", kind: str = "", actor: str = "", since: dt.datetime | None = None
) -> QuerySet[Any]:
    """Case lines and security events as rows of ``COLUMNS``, newest first, filtered."""
    from yichuang.cases.models import CaseEvent

    lines: QuerySet[Any] = CaseEvent.objects.order_by()
    events: QuerySet[Any] = SecurityEvent.objects.order_by()
    if case:
        lines, events = lines.filter(case__number=case), events.none()
    if kind == CASE:
        events = events.none()
    elif kind in SecurityKind.values:
        lines = lines.none()
    elif kind:
        events = events.none()
        lines = lines.filter(action=kind)
    if actor:
        lines, events = lines.filter(actor__username=actor), events.filter(username=actor)
    if since is not None:
        lines, events = lines.filter(at__gte=since), events.filter(at__gte=since)
    lines = lines.annotate(
        r_source=_text(CASE),
        r_kind=F("action"),
        r_actor=F("actor__username"),
        r_name=F("actor_name"),
        r_case=F("case__number"),
        r_subject=_text(),
        r_from=F("from_status"),
        r_to=F("to_status"),
    ).values_list(*_RECORD_COLUMNS)
    events = events.annotate(
        r_source=_text("security_event"),
        r_kind=F("kind"),
        r_actor=F("actor__username"),
        r_name=F("username"),
        r_case=Value(None, output_field=CharField()),
        r_subject=F("subject"),
        r_from=F("from_value"),
        r_to=F("to_value"),
    ).values_list(*_RECORD_COLUMNS)
    return lines.union(events, all=True).order_by("-at", "-id")


class AuditListApi(APIView):
    #: What the list answers: {count, next, previous, results} (the schema says so from this).
    pagination_class = Pagination
    permission_classes = [IsAuthenticated, IsPlatformAdmin]

    @extend_schema(
        parameters=[
            OpenApiParameter("case", str, description=_("办件编号：只看该办件的记录")),
            OpenApiParameter(
                "kind",
                str,
                description=_(
                    "case_event（全部办件记录）、某个办件动作（如 approve）或安全事件类型（如 login、export）"
                ),
            ),
            OpenApiParameter("actor", str, description=_("操作人账号")),
            OpenApiParameter("since", str, description=_("自此日期或时间起（含）")),
            OpenApiParameter("page", int),
        ],
        responses={200: AuditRecordSerializer(many=True)},
        summary=_("审计记录（办件记录与安全事件，仅平台管理员）"),
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        rows = audit_records(
            case=params.get("case", "").strip(),
            kind=params.get("kind", "").strip(),
            actor=params.get("actor", "").strip(),
            since=_since(params["since"]) if params.get("since") else None,
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(rows, request, self)
        data = [dict(zip(COLUMNS, row, strict=True)) for row in page or []]
        return paginator.get_paginated_response(AuditRecordSerializer(data, many=True).data)
