"""HTTP API of 告知承诺事后核查 under ``/api/v1/postchecks/``: the handling unit's reviewers list the
checks due, read one, and record its outcome (kept, or broken — which revokes the decision)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yichuang.cases.models import PostCheck, PostCheckStatus
from yichuang.cases.selectors import cases_for
from yichuang.cases.services.postcheck import may_check, postcheck_record
from yichuang.common.idempotency import run_idempotent
from yichuang.common.identity import mask_name
from yichuang.common.pagination import Pagination
from yichuang.org.models import Role, Staff


def postchecks_for(user: Any) -> QuerySet[PostCheck]:
    """The checks of cases ``user`` may see; a reviewer's list is his own department's (the unit that
    decided checks what it decided)."""
    qs = PostCheck.objects.filter(case__in=cases_for(user).values("pk"))
    if isinstance(user, Staff) and user.role == Role.REVIEWER and user.department_id:
        qs = qs.filter(case__handling_department_id=user.department_id)
    return qs.select_related("case__item", "case__handling_department", "checked_by")


def postcheck_get_for(*, user: Any, number: str) -> PostCheck:
    found = postchecks_for(user).filter(case__number=number[:24]).first()
    if found is None:
        raise exceptions.NotFound()
    return found


class PostCheckOutputSerializer(serializers.Serializer[Any]):
    case = serializers.CharField(source="case.number")
    item_name = serializers.CharField(source="case.item.name")
    case_status = serializers.CharField(source="case.status", help_text="违诺后为 revoked")
    handling_unit = serializers.CharField(source="case.handling_department.code")
    applicant_name = serializers.SerializerMethodField(help_text="已脱敏")
    decided_at = serializers.DateTimeField(source="case.decided_at", allow_null=True)
    committed = serializers.ListField(
        child=serializers.DictField(), help_text="承诺代替的材料 [{code, name}]"
    )
    due_date = serializers.DateField(help_text="核查期限")
    overdue = serializers.SerializerMethodField(help_text="待核查且已过期限")
    status = serializers.CharField(help_text="pending 待核查 | kept 守诺 | broken 违诺")
    status_display = serializers.CharField(source="get_status_display")
    note = serializers.CharField()
    files = serializers.SerializerMethodField()
    checked_by = serializers.SerializerMethodField()
    checked_at = serializers.DateTimeField(allow_null=True)
    may_record = serializers.SerializerMethodField(help_text="当前用户可记录核查结果")

    def get_applicant_name(self, obj: PostCheck) -> str:
        return mask_name(obj.case.applicant_name)

    def get_overdue(self, obj: PostCheck) -> bool:
        return obj.status == PostCheckStatus.PENDING and obj.due_date < timezone.localdate()

    def get_files(self, obj: PostCheck) -> list[str]:
        return [str(pk) for pk in obj.files.values_list("pk", flat=True)]

    def get_checked_by(self, obj: PostCheck) -> str:
        person = obj.checked_by
        return (person.get_full_name() or person.username) if person is not None else ""

    def get_may_record(self, obj: PostCheck) -> bool:
        user = self.context.get("user")
        return isinstance(user, Staff) and obj.status == PostCheckStatus.PENDING and may_check(user, obj.case)


class PostCheckListApi(APIView):
    pagination_class = Pagination

    class FilterSerializer(serializers.Serializer[Any]):
        status = serializers.ChoiceField(choices=PostCheckStatus.choices, required=False)
        overdue = serializers.BooleanField(required=False, default=False)

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=PostCheckStatus.values),
            OpenApiParameter("overdue", bool, description="只看已过核查期限仍待核查的"),
            OpenApiParameter("page", int),
        ],
        responses={200: PostCheckOutputSerializer(many=True)},
        summary="告知承诺事后核查（审批人员看本部门的，按核查期限排序）",
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        v = filters.validated_data
        qs = postchecks_for(request.user)
        if v.get("status"):
            qs = qs.filter(status=v["status"])
        if v["overdue"]:
            qs = qs.filter(Q(status=PostCheckStatus.PENDING) & Q(due_date__lt=timezone.localdate()))
        paginator = Pagination()
        page = paginator.paginate_queryset(qs.order_by("due_date", "case_id"), request, self)
        data = PostCheckOutputSerializer(page, many=True, context={"user": request.user}).data
        return paginator.get_paginated_response(data)


class PostCheckDetailApi(APIView):
    @extend_schema(responses={200: PostCheckOutputSerializer}, summary="一件办件的事后核查")
    def get(self, request: Request, number: str) -> Response:
        check = postcheck_get_for(user=request.user, number=number)
        return Response(PostCheckOutputSerializer(check, context={"user": request.user}).data)


class PostCheckOutcomeInputSerializer(serializers.Serializer[Any]):
    outcome = serializers.ChoiceField(
        choices=[("kept", "守诺"), ("broken", "违诺")],
        help_text="kept 承诺属实；broken 承诺与实际不符（违诺）：撤销原决定、注销证照、记入申请人违诺记录",
    )
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, default="", help_text="核查情况；违诺时必填"
    )
    files = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        default=list,
        max_length=20,
        help_text="核查材料的文件编号",
    )


class PostCheckOutcomeApi(APIView):
    @extend_schema(
        request=PostCheckOutcomeInputSerializer,
        responses={200: PostCheckOutputSerializer},
        parameters=[
            OpenApiParameter("Idempotency-Key", str, location=OpenApiParameter.HEADER, required=False)
        ],
        summary="记录事后核查结果（只能记录一次；两人同时记录时只有一人成功，另一人得到409）",
    )
    def post(self, request: Request, number: str) -> Response:
        return run_idempotent(request, f"postcheck:{number[:24]}", lambda: self._record(request, number))

    def _record(self, request: Request, number: str) -> Response:
        from yichuang.files.selectors import files_for

        check = postcheck_get_for(user=request.user, number=number)
        data = PostCheckOutcomeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        user: Staff = request.user  # type: ignore[assignment]
        wanted = list(dict.fromkeys(v["files"]))
        files = list(files_for(user).filter(pk__in=wanted))
        if len(files) != len(wanted):
            raise exceptions.ValidationError({"files": [_("文件不存在或无权使用。")]})
        postcheck_record(check=check, actor=user, kept=v["outcome"] == "kept", note=v["note"], files=files)
        fresh = postcheck_get_for(user=request.user, number=number)
        return Response(PostCheckOutputSerializer(fresh, context={"user": request.user}).data)
