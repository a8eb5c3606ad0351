"""HTTP API of the calendar: deadline arithmetic and the year's holidays. Public: no login needed.

Every answer carries ``warnings`` (possibly empty): a year without an official schedule is counted
by weekends only and the client must be able to say so next to the date it shows.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yichuang.workdays.engine import DateOutOfRange
from yichuang.workdays.selectors import calendar_days_of_year, current_calendar, uncovered_year_messages

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MAX_DAYS = 3650

_DATE_ERRORS: dict[str, Any] = {
    "invalid": gettext_lazy("日期格式应为 YYYY-MM-DD。"),
    "required": gettext_lazy("请提供日期。"),
    "null": gettext_lazy("请提供日期。"),
}


def _date_field(help_text: StrOrPromise) -> serializers.DateField:
    return serializers.DateField(input_formats=["iso-8601"], help_text=help_text, error_messages=_DATE_ERRORS)


class PublicSchema(AutoSchema):
    """Documents the operation as open to anonymous callers (``security: [{}]``).

    Leaving ``security`` out would inherit the project-wide bearer requirement in OpenAPI.
    """

    def get_auth(self) -> list[dict[str, list[str]]]:
        return [{}]


class PublicApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    schema = PublicSchema()

    def validated(
        self, serializer_class: type[serializers.Serializer[Any]], request: Request
    ) -> dict[str, Any]:
        serializer = serializer_class(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


class WorkdaysAddApi(PublicApi):
    class InputSerializer(serializers.Serializer[Any]):
        class Meta:
            ref_name = "WorkdaysAddQuery"

        start = _date_field(gettext_lazy("起算日（不计入）"))
        days = serializers.IntegerField(
            min_value=0,
            max_value=MAX_DAYS,
            help_text=format_lazy(gettext_lazy("工作日数，0–{max_days}"), max_days=MAX_DAYS),
            error_messages={
                "invalid": gettext_lazy("天数应为整数。"),
                "required": gettext_lazy("请提供天数。"),
                "null": gettext_lazy("请提供天数。"),
                "min_value": gettext_lazy("天数不能为负数。"),
                "max_value": gettext_lazy("天数不能超过 {max_value}。"),
                "max_string_length": gettext_lazy("天数过长。"),
            },
        )

    class OutputSerializer(serializers.Serializer[Any]):
        class Meta:
            ref_name = "WorkdaysAdd"

        date = serializers.DateField(help_text=gettext_lazy("起算日之后的第 N 个工作日"))
        warnings = serializers.ListField(
            child=serializers.CharField(),
            help_text=gettext_lazy("涉及尚未录入官方安排的年度时的提示；没有则为空"),
        )

    @extend_schema(
        parameters=[InputSerializer],
        responses={200: OutputSerializer},
        summary=gettext_lazy("起算日之后的第 N 个工作日"),
        description=gettext_lazy(
            "按国务院办公厅公布的节假日安排（含调休上班）计算：起算日本身不计入，N=0 返回起算日。"
            "涉及尚未录入官方安排的年度时仅按周末计算，并在 warnings 中说明。"
        ),
        examples=[
            OpenApiExample("春节前受理", value={"date": "2025-02-07", "warnings": []}, response_only=True)
        ],
    )
    def get(self, request: Request) -> Response:
        params = self.validated(self.InputSerializer, request)
        start: datetime.date = params["start"]
        calendar = current_calendar()
        try:
            result = calendar.add(start, params["days"])
        except DateOutOfRange as exc:
            raise exceptions.ValidationError({"days": [_("结果超出可计算的日期范围。")]}) from exc
        warnings = uncovered_year_messages(calendar.uncovered_in(start, result))
        return Response(self.OutputSerializer({"date": result, "warnings": warnings}).data)


class WorkdaysBetweenApi(PublicApi):
    class InputSerializer(serializers.Serializer[Any]):
        class Meta:
            ref_name = "WorkdaysBetweenQuery"

        start = _date_field(gettext_lazy("起始日（不计入）"))
        end = _date_field(gettext_lazy("截止日（计入）"))

    class OutputSerializer(serializers.Serializer[Any]):
        class Meta:
            ref_name = "WorkdaysBetween"

        days = serializers.IntegerField(
            help_text=gettext_lazy("满足 start < d ≤ end 的工作日数；end 不晚于 start 时为 0")
        )
        warnings = serializers.ListField(child=serializers.CharField())

    @extend_schema(
        parameters=[InputSerializer],
        responses={200: OutputSerializer},
        summary=gettext_lazy("两个日期之间的工作日数"),
        description=gettext_lazy(
            "计数区间为 (start, end]，与 workdays/add 互逆：start 加 N 个工作日得到 end，则本接口返回 N。"
        ),
    )
    def get(self, request: Request) -> Response:
        params = self.validated(self.InputSerializer, request)
        calendar = current_calendar()
        start, end = params["start"], params["end"]
        days = calendar.between(start, end)
        warnings = uncovered_year_messages(calendar.uncovered_in(start, end))
        return Response(self.OutputSerializer({"days": days, "warnings": warnings}).data)


class CalendarDaysApi(PublicApi):
    class InputSerializer(serializers.Serializer[Any]):
        class Meta:
            ref_name = "CalendarDaysQuery"

        year = serializers.IntegerField(
            min_value=1,
            max_value=9999,
            help_text=gettext_lazy("年度，例如 2026"),
            error_messages={
                "invalid": gettext_lazy("年度应为整数。"),
                "required": gettext_lazy("请提供年度。"),
                "min_value": gettext_lazy("年度超出范围。"),
                "max_value": gettext_lazy("年度超出范围。"),
                "max_string_length": gettext_lazy("年度超出范围。"),
            },
        )

    class DaySerializer(serializers.Serializer[Any]):
        class Meta:
            ref_name = "CalendarDay"

        date = serializers.DateField()
        # Not a ChoiceField: other apps' "kind" enums would collide in the schema's enum names.
        kind = serializers.CharField(help_text=gettext_lazy("holiday 休 / workday 班（调休上班）"))
        kind_display = serializers.CharField(source="get_kind_display")
        weekday = serializers.CharField(source="weekday_name")
        name = serializers.CharField()

    class OutputSerializer(serializers.Serializer[Any]):
        class Meta:
            ref_name = "CalendarYear"

        year = serializers.IntegerField()
        covered = serializers.BooleanField(help_text=gettext_lazy("是否已录入该年度的官方节假日安排"))
        source = serializers.CharField(allow_null=True)  # type: ignore[assignment]
        published = serializers.DateField(allow_null=True)
        days = serializers.ListField(child=serializers.DictField())
        warnings = serializers.ListField(child=serializers.CharField())

    @extend_schema(
        parameters=[InputSerializer],
        responses={200: OutputSerializer},
        summary=gettext_lazy("某年度的节假日与调休上班日"),
    )
    def get(self, request: Request) -> Response:
        params = self.validated(self.InputSerializer, request)
        schedule = calendar_days_of_year(params["year"])
        data = {
            "year": schedule.year,
            "covered": schedule.covered,
            "source": schedule.source,
            "published": schedule.published,
            "days": self.DaySerializer(schedule.days, many=True).data,
            "warnings": [] if schedule.covered else uncovered_year_messages([schedule.year]),
        }
        return Response(self.OutputSerializer(data).data)
