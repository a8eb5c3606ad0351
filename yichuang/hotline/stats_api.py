"""HTTP API of the hotline's figures: 按时办结率, 回访率, 满意率 by period and unit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yichuang.hotline.api import HotlineUnitOutputSerializer
from yichuang.hotline.models import TicketSource
from yichuang.hotline.selectors import PERIODS, Figures, ticket_figures


class HotlineFiguresOutputSerializer(serializers.Serializer[Any]):
    period = serializers.DateField(allow_null=True, help_text=gettext_lazy("时段的第一天；null 表示整个区间"))
    unit = HotlineUnitOutputSerializer(
        allow_null=True, help_text=gettext_lazy("kind=hotline：尚无单位签收或坐席直接答复")
    )
    source = serializers.CharField(  # type: ignore[assignment]
        allow_null=True, help_text=gettext_lazy("受理热线（by=source 时）：12345 | 12315 | 12369")
    )
    received = serializers.IntegerField(help_text=gettext_lazy("登记工单数（不含作废）"))
    due = serializers.IntegerField(help_text=gettext_lazy("应办结数：已办结 + 超期未办结"))
    closed = serializers.IntegerField()
    closed_on_time = serializers.IntegerField()
    overdue_open = serializers.IntegerField()
    revisited = serializers.IntegerField()
    satisfied = serializers.IntegerField(help_text=gettext_lazy("满意与基本满意"))
    on_time_rate = serializers.FloatField(
        allow_null=True, help_text=gettext_lazy("按时办结率 = 按时办结 / 应办结")
    )
    revisit_rate = serializers.FloatField(allow_null=True, help_text=gettext_lazy("回访率 = 已回访 / 已办结"))
    satisfaction_rate = serializers.FloatField(
        allow_null=True, help_text=gettext_lazy("满意率 = 满意与基本满意 / 已回访")
    )


class HotlineStatsOutputSerializer(serializers.Serializer[Any]):
    start = serializers.DateField()
    end = serializers.DateField()
    period = serializers.CharField(help_text="day | month | year | all")
    by = serializers.CharField(help_text="unit | source | (empty)")
    total = HotlineFiguresOutputSerializer()
    rows = HotlineFiguresOutputSerializer(many=True)


def _figures_data(figures: Figures) -> dict[str, Any]:
    unit = figures.unit
    return {
        "period": figures.period,
        "unit": None if unit is None else {"kind": unit.kind, "code": unit.code, "name": unit.name},
        "source": figures.source,
        "received": figures.received,
        "due": figures.due,
        "closed": figures.closed,
        "closed_on_time": figures.closed_on_time,
        "overdue_open": figures.overdue_open,
        "revisited": figures.revisited,
        "satisfied": figures.satisfied,
        "on_time_rate": figures.on_time_rate,
        "revisit_rate": figures.revisit_rate,
        "satisfaction_rate": figures.satisfaction_rate,
    }


class StatsApi(APIView):
    MAX_DAYS = 3 * 366

    class FilterSerializer(serializers.Serializer[Any]):
        start = serializers.DateField(required=False)
        end = serializers.DateField(required=False)
        period = serializers.ChoiceField(choices=[*PERIODS, "all"], required=False, default="month")
        by = serializers.ChoiceField(choices=["unit", "source", ""], required=False, default="")
        source = serializers.ChoiceField(choices=TicketSource.choices, required=False)  # type: ignore[assignment]

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            today = timezone.localdate()
            attrs["end"] = attrs.get("end") or today
            attrs["start"] = attrs.get("start") or attrs["end"].replace(day=1)
            if attrs["start"] > attrs["end"]:
                raise serializers.ValidationError({"start": [_("开始日期不能晚于结束日期。")]})
            if (attrs["end"] - attrs["start"]).days > StatsApi.MAX_DAYS:
                raise serializers.ValidationError({"start": [_("统计区间不能超过三年。")]})
            return attrs

    @extend_schema(
        parameters=[
            OpenApiParameter("start", dt.date, description=gettext_lazy("登记日期起（含），默认本月1日")),
            OpenApiParameter("end", dt.date, description=gettext_lazy("登记日期止（含），默认今天")),
            OpenApiParameter(
                "period", str, enum=[*PERIODS, "all"], description=gettext_lazy("按日、月、年或整个区间")
            ),
            OpenApiParameter(
                "by",
                str,
                enum=["unit", "source"],
                description=gettext_lazy("unit：再按责任单位分组；source：再按受理热线分组"),
            ),
            OpenApiParameter(
                "source", str, enum=TicketSource.values, description=gettext_lazy("只统计该热线的工单")
            ),
        ],
        responses={200: HotlineStatsOutputSerializer},
        summary=gettext_lazy("按时办结率、回访率、满意率（限本人可见范围）"),
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        v = filters.validated_data
        now = timezone.now()
        period = None if v["period"] == "all" else v["period"]
        within = Q(source=v["source"]) if v.get("source") else None
        rows = ticket_figures(
            user=request.user,
            start=v["start"],
            end=v["end"],
            period=period,
            by_unit=v["by"] == "unit",
            by_source=v["by"] == "source",
            now=now,
            within=within,
        )
        total = ticket_figures(
            user=request.user, start=v["start"], end=v["end"], period=None, now=now, within=within
        )
        empty = Figures(
            period=None,
            unit=None,
            received=0,
            closed=0,
            closed_on_time=0,
            overdue_open=0,
            revisited=0,
            satisfied=0,
        )
        body = {
            "start": v["start"],
            "end": v["end"],
            "period": v["period"],
            "by": v["by"],
            "total": _figures_data(total[0] if total else empty),
            "rows": [_figures_data(row) for row in rows],
        }
        return Response(HotlineStatsOutputSerializer(body).data)
