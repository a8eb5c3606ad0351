"""HTTP API of the dashboard and the assessment, with Excel exports."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import asdict
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from openpyxl import Workbook
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yichuang.common.replica import reads_from_replica
from yichuang.queue.api import AppointmentFiguresSerializer
from yichuang.stats.selectors import Dashboard, Figures, Ranked, assessment, dashboard, resolve_unit

PARAMETERS = [
    OpenApiParameter("from", str, description="起始月份 YYYY-MM（默认本月）"),
    OpenApiParameter("to", str, description="截止月份 YYYY-MM（默认同起始月份）"),
    OpenApiParameter("region", str, description="区划代码（省、市、县、乡镇）"),
    OpenApiParameter("point", str, description="服务点编码"),
    OpenApiParameter("staff", str, description="工作人员用户名"),
]


class QuerySerializer(serializers.Serializer[Any]):
    region = serializers.CharField(required=False, allow_blank=True, max_length=12, default="")
    point = serializers.CharField(required=False, allow_blank=True, max_length=20, default="")
    staff = serializers.CharField(required=False, allow_blank=True, max_length=150, default="")

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        today = dt.date.today().replace(day=1)
        errors = {}
        for name in ("from", "to"):
            raw = data.get(name, "")
            if not raw:
                value[name] = None
                continue
            try:
                value[name] = dt.datetime.strptime(raw, "%Y-%m").date()
            except ValueError:
                errors[name] = [_("月份格式应为 YYYY-MM，例如 2026-11。")]
        if errors:
            raise serializers.ValidationError(errors)
        value["from"] = value["from"] or today
        value["to"] = value["to"] or value["from"]
        if value["to"] < value["from"]:
            raise serializers.ValidationError({"to": [_("截止月份不能早于起始月份。")]})
        if (value["to"].year - value["from"].year) * 12 + value["to"].month - value["from"].month > 36:
            raise serializers.ValidationError({"to": [_("一次最多查询36个月。")]})
        return value


class CaseFiguresSerializer(serializers.Serializer[Any]):
    accepted = serializers.IntegerField(help_text="受理件数")
    immediate = serializers.IntegerField(help_text="即办件数")
    completed = serializers.IntegerField(help_text="办结件数")
    on_time = serializers.IntegerField(help_text="按时办结件数")
    immediate_share = serializers.FloatField(allow_null=True, help_text="即办件占比")
    on_time_rate = serializers.FloatField(allow_null=True, help_text="按时办结率")
    average_workdays = serializers.FloatField(allow_null=True, help_text="平均实际用时（工作日）")
    average_promised = serializers.FloatField(allow_null=True, help_text="平均承诺时限")
    average_statutory = serializers.FloatField(allow_null=True, help_text="平均法定时限")
    compression = serializers.FloatField(allow_null=True, help_text="较法定时限压缩")
    visits_per_case = serializers.FloatField(allow_null=True, help_text="件均跑动次数")
    one_visit_rate = serializers.FloatField(allow_null=True, help_text="最多跑一次率")
    agent_submitted = serializers.IntegerField(help_text="代办件数")
    agent_home = serializers.IntegerField(help_text="送证上门件数")


class MonthFiguresSerializer(serializers.Serializer[Any]):
    month = serializers.CharField()
    figures = CaseFiguresSerializer()


class DrillDownSerializer(serializers.Serializer[Any]):
    level = serializers.CharField()
    code = serializers.CharField()
    name = serializers.CharField()
    figures = CaseFiguresSerializer()


class OverdueSerializer(serializers.Serializer[Any]):
    number = serializers.CharField()
    item_name = serializers.CharField(source="item.name")
    point_name = serializers.CharField(source="point.name")
    status = serializers.CharField()
    due_date = serializers.DateField()


class QueueTotalsSerializer(serializers.Serializer[Any]):
    target_minutes = serializers.IntegerField(help_text="叫号时限（分钟），within_target 的依据")
    taken = serializers.IntegerField(help_text="取号数")
    called = serializers.IntegerField(help_text="叫号数")
    served = serializers.IntegerField(help_text="办结数")
    no_show = serializers.IntegerField(help_text="过号数")
    cancelled = serializers.IntegerField(help_text="取消数")
    unserved = serializers.IntegerField(help_text="当日未办理数")
    priority = serializers.IntegerField(help_text="优先号数")
    from_appointments = serializers.IntegerField(help_text="预约签到取号数")
    average_wait_minutes = serializers.FloatField(
        allow_null=True, help_text="平均等候（分钟，取号到首次叫号）"
    )
    max_wait_minutes = serializers.FloatField(allow_null=True, help_text="最长等候（分钟）")
    within_target = serializers.FloatField(allow_null=True, help_text="时限内叫号率（默认10分钟）")
    average_service_minutes = serializers.FloatField(allow_null=True, help_text="平均办理时长（分钟）")
    max_service_minutes = serializers.FloatField(allow_null=True, help_text="最长办理时长（分钟）")
    appointments = AppointmentFiguresSerializer(
        allow_null=True, help_text="预约：签到、爽约与预约到场率；预约按服务点统计，看一名工作人员时为 null"
    )


class DashboardSerializer(serializers.Serializer[Any]):
    unit = serializers.DictField(child=serializers.CharField())
    first = serializers.CharField()
    last = serializers.CharField()
    totals = CaseFiguresSerializer()
    by_month = MonthFiguresSerializer(many=True)
    children = DrillDownSerializer(many=True, help_text="下一级：省→市→县→乡镇→服务点→窗口与人员")
    satisfaction = serializers.DictField(help_text="好差评：满意率、差评与整改率")
    hotline = serializers.DictField(help_text="12345工单：受理、办结、按时办结率、回访率、满意率")
    overdue_count = serializers.IntegerField()
    overdue = OverdueSerializer(many=True)
    uncovered_count = serializers.IntegerField(
        help_text="在办办件中，办结期限涉及尚未录入官方节假日安排年度的件数（录入后自动重新计算）"
    )
    calendar_reminder = serializers.CharField(
        allow_null=True, help_text="11、12月下一年度官方节假日安排尚未录入时的提醒，否则为 null"
    )
    queue = QueueTotalsSerializer(
        help_text="取号排队：本单位（区划内各服务点、本服务点，或该工作人员叫号、办结的号）的合计"
    )


def _queue_totals(board: Dashboard) -> dict[str, Any]:
    report = board.queue
    assert report is not None
    totals = asdict(report.total)
    del totals["key"], totals["name"]
    return {
        "target_minutes": report.target_minutes,
        **totals,
        "appointments": None if board.unit.staff is not None else asdict(report.appointments),
    }


def _serialise(board: Dashboard) -> dict[str, Any]:
    return {
        "unit": {"level": board.unit.level, "code": board.unit.code, "name": board.unit.name},
        "first": f"{board.first:%Y-%m}",
        "last": f"{board.last:%Y-%m}",
        "totals": asdict(board.totals),
        "by_month": [{"month": f"{m:%Y-%m}", "figures": asdict(f)} for m, f in board.by_month],
        "children": [asdict(c) for c in board.children],
        "satisfaction": board.satisfaction,
        "hotline": board.hotline,
        "overdue_count": board.overdue_count,
        "overdue": board.overdue,
        "uncovered_count": board.uncovered_count,
        "calendar_reminder": board.calendar_reminder,
        "queue": _queue_totals(board),
    }


def _board(request: Request) -> Dashboard:
    q = QuerySerializer(data=request.query_params)
    q.is_valid(raise_exception=True)
    v = q.validated_data
    unit = resolve_unit(user=request.user, region=v["region"], point=v["point"], staff=v["staff"])
    return dashboard(user=request.user, unit=unit, first=v["from"], last=v["to"])


class DashboardApi(APIView):
    @extend_schema(
        parameters=PARAMETERS, responses={200: DashboardSerializer}, summary="数据看板（可逐级下钻）"
    )
    @reads_from_replica
    def get(self, request: Request) -> Response:
        return Response(DashboardSerializer(_serialise(_board(request))).data)


FIGURE_COLUMNS = [
    ("accepted", "受理件数"),
    ("immediate", "即办件数"),
    ("immediate_share", "即办件占比"),
    ("completed", "办结件数"),
    ("on_time_rate", "按时办结率"),
    ("average_workdays", "平均用时(工作日)"),
    ("average_promised", "平均承诺时限"),
    ("average_statutory", "平均法定时限"),
    ("compression", "较法定时限压缩"),
    ("visits_per_case", "件均跑动次数"),
    ("one_visit_rate", "最多跑一次率"),
    ("agent_submitted", "代办件数"),
    ("agent_home", "送证上门件数"),
]


def _xlsx(workbook: Workbook, filename: str, request: Request) -> HttpResponse:
    from yichuang.audit.models import SecurityKind
    from yichuang.audit.services import security_record

    security_record(SecurityKind.EXPORT, actor=request.user, request=request, subject=filename)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _figure_row(figures: Figures) -> list[Any]:
    return [getattr(figures, key) for key, _label in FIGURE_COLUMNS]


class DashboardExportApi(APIView):
    @extend_schema(
        parameters=PARAMETERS,
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY
        },
        summary="数据看板导出 Excel",
    )
    @reads_from_replica
    def get(self, request: Request) -> HttpResponse:
        board = _board(request)
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "汇总"
        sheet.append([f"{board.unit.name} {board.first:%Y-%m}至{board.last:%Y-%m}"])
        sheet.append(["单位", *[label for _key, label in FIGURE_COLUMNS]])
        sheet.append([board.unit.name, *_figure_row(board.totals)])
        for child in board.children:
            sheet.append([child.name, *_figure_row(child.figures)])
        months = book.create_sheet("按月")
        months.append(["月份", *[label for _key, label in FIGURE_COLUMNS]])
        for month, figures in board.by_month:
            months.append([f"{month:%Y-%m}", *_figure_row(figures)])
        late = book.create_sheet("超期办件")
        late.append(["办件编号", "事项", "受理点", "承诺办结日期"])
        for case in board.overdue:
            late.append([case.number, case.item.name, case.point.name, case.due_date])
        _queue_sheet(book, board)
        return _xlsx(
            book, f"dashboard-{board.unit.code or 'all'}-{board.first:%Y%m}-{board.last:%Y%m}.xlsx", request
        )


def queue_columns(target_minutes: int) -> list[tuple[str, str]]:
    return [
        ("taken", "取号"),
        ("called", "叫号"),
        ("served", "办结"),
        ("no_show", "过号"),
        ("cancelled", "取消"),
        ("unserved", "当日未办理"),
        ("priority", "优先号"),
        ("average_wait_minutes", "平均等候(分钟)"),
        ("max_wait_minutes", "最长等候(分钟)"),
        ("within_target", f"{target_minutes}分钟内叫号率"),
        ("average_service_minutes", "平均办理时长(分钟)"),
        ("max_service_minutes", "最长办理时长(分钟)"),
    ]


def _queue_sheet(book: Workbook, board: Dashboard) -> None:
    """取号排队: one row per point of a region, or per window of a point or of a clerk, then the total
    and the appointments."""
    report = board.queue
    assert report is not None
    columns = queue_columns(report.target_minutes)
    sheet = book.create_sheet("取号排队")
    sheet.append(["服务点" if report.by == "point" else "窗口", *[label for _key, label in columns]])
    for row in [*report.rows, report.total]:
        sheet.append([row.name, *[getattr(row, key) for key, _label in columns]])
    if board.unit.staff is None:
        shown = report.appointments
        sheet.append([])
        sheet.append(["预约", "预约数", "签到", "爽约", "取消", "预约到场率"])
        sheet.append(["", shown.booked, shown.checked_in, shown.missed, shown.cancelled, shown.show_rate])


class RankedSerializer(serializers.Serializer[Any]):
    rank = serializers.IntegerField()
    level = serializers.CharField()
    code = serializers.CharField()
    name = serializers.CharField()
    score = serializers.FloatField(allow_null=True, help_text="0–100，按启用指标加权")
    metrics = serializers.DictField(child=serializers.FloatField(allow_null=True))


def _ranking(request: Request) -> tuple[Any, list[Ranked]]:
    q = QuerySerializer(data=request.query_params)
    q.is_valid(raise_exception=True)
    v = q.validated_data
    unit = resolve_unit(user=request.user, region=v["region"], point=v["point"], staff=v["staff"])
    return v, assessment(user=request.user, unit=unit, first=v["from"], last=v["to"])


class AssessmentApi(APIView):
    @extend_schema(
        parameters=PARAMETERS,
        responses={200: RankedSerializer(many=True)},
        summary="考核评分与排名（下一级单位；月度或一段时间，如全年 from=2026-01&to=2026-12）",
    )
    @reads_from_replica
    def get(self, request: Request) -> Response:
        _v, ranked = _ranking(request)
        return Response(RankedSerializer([asdict(r) for r in ranked], many=True).data)


class AssessmentExportApi(APIView):
    @extend_schema(
        parameters=PARAMETERS,
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiTypes.BINARY
        },
        summary="考核结果导出 Excel",
    )
    @reads_from_replica
    def get(self, request: Request) -> HttpResponse:
        v, ranked = _ranking(request)
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "考核排名"
        keys = list(ranked[0].metrics) if ranked else []
        sheet.append(["名次", "单位", "得分", *keys])
        for row in ranked:
            sheet.append([row.rank, row.name, row.score, *[row.metrics[k] for k in keys]])
        return _xlsx(book, f"assessment-{v['from']:%Y%m}-{v['to']:%Y%m}.xlsx", request)
