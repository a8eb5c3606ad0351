"""HTTP API of the 12345 hotline under ``/api/v1/hotline/``.

Caller phone numbers are personal data: every answer shows them masked; the handling staff who
must call back read the full number with ``POST …/contact/`` (a POST, so it never sits in a URL),
and each such read is recorded.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yichuang.common.errors import Invalid
from yichuang.common.idempotency import run_idempotent
from yichuang.common.identity import mask_name, mask_phone
from yichuang.common.pagination import Pagination
from yichuang.hotline import services
from yichuang.hotline.models import (
    LIMITS,
    Category,
    Satisfaction,
    Ticket,
    TicketChannel,
    TicketSource,
    TicketStatus,
    TicketType,
    TimeLimit,
)
from yichuang.hotline.selectors import (
    allowed_actions,
    categories,
    is_operator,
    may_contact,
    ticket_get_for,
    ticket_list,
    with_details,
)
from yichuang.hotline.workflow import ACTIONS
from yichuang.org.models import Department, Region, ServicePoint, Staff
from yichuang.org.units import Unit

# —— input ————————————————————————————————————————————————————————————————————————————————


class UnitInputMixin(serializers.Serializer[Any]):
    department = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=30,
        help_text=gettext_lazy("承办部门编码（与服务点二选一）"),
    )
    point = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=20,
        help_text=gettext_lazy("承办服务点编码（与部门二选一）"),
    )


class TicketCreateSerializer(UnitInputMixin):
    type = serializers.ChoiceField(choices=TicketType.choices)
    category = serializers.CharField(max_length=20, help_text=gettext_lazy("诉求分类编码"))
    region = serializers.CharField(max_length=12, help_text=gettext_lazy("事发地的12位区划代码"))
    title = serializers.CharField(max_length=100)
    content = serializers.CharField(max_length=5000)
    caller_name = serializers.CharField(required=False, allow_blank=True, max_length=50, default="")
    caller_phone = serializers.CharField(max_length=30, help_text=gettext_lazy("手机号或带区号的固定电话"))
    address = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    channel = serializers.ChoiceField(choices=TicketChannel.choices, default=TicketChannel.PHONE)
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=TicketSource.choices,
        default=TicketSource.HOTLINE_12345,
        help_text=gettext_lazy("受理热线：12345、12315（市场监管）、12369（环保）"),
    )
    case = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=24,
        default="",
        help_text=gettext_lazy("涉及的办件编号（限本人可见范围）"),
    )
    staff = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=150,
        default="",
        help_text=gettext_lazy("被反映的工作人员用户名（限本人可见范围）"),
    )
    urgent = serializers.BooleanField(
        required=False, default=False, help_text=gettext_lazy("紧急：2小时时限")
    )
    confidential = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text=gettext_lazy("为来电人保密；举报件默认保密")
    )
    dispatch = serializers.BooleanField(
        required=False, default=False, help_text=gettext_lazy("登记后立即派单（指定单位，或按派单规则）")
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")


class TicketActionInputSerializer(UnitInputMixin):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    row_version = serializers.IntegerField(
        required=False, min_value=1, help_text=gettext_lazy("乐观锁：与当前版本不符时返回409")
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    reply = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices, required=False)


class TicketContactInputSerializer(serializers.Serializer[Any]):
    purpose = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        default="",
        help_text=gettext_lazy("用途，如“回电核实”"),
    )


# —— output ———————————————————————————————————————————————————————————————————————————————


class HotlineUnitOutputSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField(help_text="department | point")
    code = serializers.CharField()
    name = serializers.CharField()


def _unit(unit: Unit | None) -> dict[str, str] | None:
    return None if unit is None else {"kind": unit.kind, "code": unit.code, "name": unit.name}


class TicketListOutputSerializer(serializers.Serializer[Any]):
    number = serializers.CharField()
    type = serializers.CharField()
    type_display = serializers.CharField(source="get_type_display")
    category = serializers.CharField(source="category.code")
    category_name = serializers.CharField(source="category.name")
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    source = serializers.CharField(help_text=gettext_lazy("受理热线：12345 | 12315 | 12369"))  # type: ignore[assignment]
    case = serializers.CharField(
        source="case.number", allow_null=True, default=None, help_text=gettext_lazy("涉及的办件编号")
    )
    time_limit = serializers.CharField()
    region = serializers.CharField(source="region.code")
    region_name = serializers.CharField(source="region.name")
    title = serializers.CharField()
    caller_name = serializers.SerializerMethodField()
    caller_phone = serializers.SerializerMethodField(help_text=gettext_lazy("已脱敏"))
    responsible_unit = serializers.SerializerMethodField(
        help_text=gettext_lazy("责任单位；null 表示仍由12345热线掌握")
    )
    assigned_unit = serializers.SerializerMethodField(help_text=gettext_lazy("待签收单位"))
    created_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    overdue = serializers.SerializerMethodField()

    def get_caller_name(self, obj: Ticket) -> str:
        if obj.confidential and not is_operator(self.context.get("user")):
            return _("（保密）")
        return mask_name(obj.caller_name)

    def get_caller_phone(self, obj: Ticket) -> str:
        if obj.confidential and not is_operator(self.context.get("user")):
            return _("（保密）")
        return mask_phone(obj.caller_phone)

    @extend_schema_field(HotlineUnitOutputSerializer(allow_null=True))
    def get_responsible_unit(self, obj: Ticket) -> dict[str, str] | None:
        return _unit(obj.responsible_unit)

    @extend_schema_field(HotlineUnitOutputSerializer(allow_null=True))
    def get_assigned_unit(self, obj: Ticket) -> dict[str, str] | None:
        return _unit(obj.assigned_unit)

    def get_overdue(self, obj: Ticket) -> bool:
        return obj.is_overdue(self.context.get("now"))


class TicketEventOutputSerializer(serializers.Serializer[Any]):
    at = serializers.DateTimeField()
    action = serializers.CharField()
    actor = serializers.CharField(source="actor_name")
    from_status = serializers.CharField()
    status = serializers.CharField(source="to_status")
    note = serializers.CharField()
    details = serializers.DictField(source="data", help_text=gettext_lazy("单位、理由、满意度等"))


class SubjectStaffOutputSerializer(serializers.Serializer[Any]):
    username = serializers.CharField()
    name = serializers.CharField(source="get_full_name")


class TicketRectificationOutputSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    status = serializers.CharField(help_text="open | called_back | closed")
    status_display = serializers.CharField(source="get_status_display")
    unit = serializers.SerializerMethodField()
    owner = serializers.SerializerMethodField()
    due_date = serializers.DateField()
    callback_note = serializers.CharField()
    outcome = serializers.CharField()
    closed_at = serializers.DateTimeField(allow_null=True)

    def get_unit(self, obj: Any) -> str:
        unit = obj.owner_department or obj.owner_point
        return str(unit.name) if unit is not None else ""

    def get_owner(self, obj: Any) -> str:
        return str(obj.owner.get_full_name() or obj.owner.username)


class TicketOutputSerializer(TicketListOutputSerializer):
    channel = serializers.CharField()
    subject_staff = SubjectStaffOutputSerializer(allow_null=True, help_text=gettext_lazy("被反映的工作人员"))
    rectifications = TicketRectificationOutputSerializer(
        many=True, help_text=gettext_lazy("回访不满意引起的整改，先开的在前")
    )
    address = serializers.CharField()
    content = serializers.CharField()
    confidential = serializers.BooleanField()
    reply = serializers.CharField()
    dispatched_at = serializers.DateTimeField(allow_null=True)
    accepted_at = serializers.DateTimeField(allow_null=True)
    replied_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    revisited_at = serializers.DateTimeField(allow_null=True)
    satisfaction = serializers.CharField()
    revisit_note = serializers.CharField()
    row_version = serializers.IntegerField()
    timeline = TicketEventOutputSerializer(many=True, source="events")
    allowed_actions = serializers.SerializerMethodField()
    may_contact = serializers.SerializerMethodField(
        help_text=gettext_lazy("可通过 contact 接口查看完整号码回电")
    )

    def get_caller_name(self, obj: Ticket) -> str:
        user = self.context.get("user")
        if may_contact(user, obj):
            return obj.caller_name
        return super().get_caller_name(obj)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, obj: Ticket) -> list[str]:
        user = self.context.get("user")
        return allowed_actions(user=user, ticket=obj) if user is not None else []

    def get_may_contact(self, obj: Ticket) -> bool:
        return may_contact(self.context.get("user"), obj)


class TicketContactOutputSerializer(serializers.Serializer[Any]):
    number = serializers.CharField()
    caller_name = serializers.CharField()
    caller_phone = serializers.CharField(help_text=gettext_lazy("完整号码，仅供回电；每次查看均留痕"))


class HotlineCategoryOutputSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    parent = serializers.CharField(source="parent.code", allow_null=True, default=None)  # type: ignore[assignment]
    time_limit = serializers.CharField(source="effective_time_limit")
    time_limit_display = serializers.SerializerMethodField()
    limit_amount = serializers.SerializerMethodField()
    limit_unit = serializers.SerializerMethodField(help_text="hours | workdays")

    def get_time_limit_display(self, obj: Category) -> str:
        return str(TimeLimit(obj.effective_time_limit()).label)

    def get_limit_amount(self, obj: Category) -> int:
        return LIMITS[obj.effective_time_limit()].amount

    def get_limit_unit(self, obj: Category) -> str:
        return LIMITS[obj.effective_time_limit()].unit


# —— helpers ——————————————————————————————————————————————————————————————————————————————


def _target(data: dict[str, Any]) -> Unit | None:
    department_code = (data.get("department") or "").strip()
    point_code = (data.get("point") or "").strip()
    if department_code and point_code:
        raise exceptions.ValidationError({"department": [_("承办部门和承办服务点只能填一个。")]})
    if department_code:
        department = Department.objects.filter(code=department_code).first()
        if department is None:
            raise Invalid(_("没有这个部门。"), fields={"department": [_("没有这个部门。")]})
        return Unit(department=department)
    if point_code:
        point = ServicePoint.objects.filter(code=point_code, active=True).first()
        if point is None:
            raise Invalid(_("没有这个服务点。"), fields={"point": [_("没有这个服务点。")]})
        return Unit(point=point)
    return None


def _ticket_response(request: Request, ticket: Ticket, status_code: int = 200) -> Response:
    fresh = with_details(Ticket.objects.filter(pk=ticket.pk)).get()
    context = {"user": request.user, "now": timezone.now()}
    return Response(TicketOutputSerializer(fresh, context=context).data, status=status_code)


# —— views ————————————————————————————————————————————————————————————————————————————————


class TicketListCreateApi(APIView):
    #: What the list answers: {count, next, previous, results} (the schema says so from this).
    pagination_class = Pagination

    class FilterSerializer(serializers.Serializer[Any]):
        status = serializers.ChoiceField(choices=TicketStatus.choices, required=False)
        type = serializers.ChoiceField(choices=TicketType.choices, required=False)
        source = serializers.ChoiceField(choices=TicketSource.choices, required=False)  # type: ignore[assignment]
        case = serializers.CharField(required=False, max_length=24)
        category = serializers.CharField(required=False, max_length=20)
        overdue = serializers.BooleanField(required=False, default=False)
        mine = serializers.BooleanField(required=False, default=False)

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=TicketStatus.values),
            OpenApiParameter("type", str, enum=TicketType.values),
            OpenApiParameter("source", str, enum=TicketSource.values, description=gettext_lazy("受理热线")),
            OpenApiParameter("case", str, description=gettext_lazy("涉及的办件编号")),
            OpenApiParameter("category", str, description=gettext_lazy("分类编码（含下级分类）")),
            OpenApiParameter("overdue", bool, description=gettext_lazy("只看超期未办结")),
            OpenApiParameter("mine", bool, description=gettext_lazy("只看本单位待签收或负责的工单")),
            OpenApiParameter("page", int),
        ],
        responses={200: TicketListOutputSerializer(many=True)},
        summary=gettext_lazy("工单列表（限本人可见范围，来电号码已脱敏）"),
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        paginator = Pagination()
        page = paginator.paginate_queryset(
            ticket_list(user=request.user, filters=filters.validated_data), request, self
        )
        context = {"user": request.user, "now": timezone.now()}
        return paginator.get_paginated_response(
            TicketListOutputSerializer(page, many=True, context=context).data
        )

    @extend_schema(
        request=TicketCreateSerializer,
        responses={201: TicketOutputSerializer},
        parameters=[
            OpenApiParameter("Idempotency-Key", str, location=OpenApiParameter.HEADER, required=False)
        ],
        summary=gettext_lazy("登记工单（12345热线坐席）"),
    )
    def post(self, request: Request) -> Response:
        return run_idempotent(request, "hotline:create", lambda: self._create(request))

    def _create(self, request: Request) -> Response:
        data = TicketCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        category = Category.objects.filter(code=v["category"]).select_related("parent").first()
        if category is None:
            raise Invalid(_("没有这个诉求分类。"), fields={"category": [_("没有这个诉求分类。")]})
        region = Region.objects.filter(code=v["region"]).first()
        if region is None:
            raise Invalid(_("没有这个区划。"), fields={"region": [_("没有这个区划。")]})
        user: Staff = request.user  # type: ignore[assignment]
        case, subject_staff = services.ticket_subject(
            actor=user, case_number=v["case"], staff_username=v["staff"]
        )
        ticket = services.ticket_create(
            actor=user,
            type=v["type"],
            category=category,
            region=region,
            title=v["title"],
            content=v["content"],
            caller_name=v["caller_name"],
            caller_phone=v["caller_phone"],
            address=v["address"],
            channel=v["channel"],
            source=v["source"],
            case=case,
            subject_staff=subject_staff,
            urgent=v["urgent"],
            confidential=v["confidential"],
            dispatch=v["dispatch"],
            target=_target(v),
            note=v["note"],
        )
        return _ticket_response(request, ticket, status.HTTP_201_CREATED)


class TicketDetailApi(APIView):
    @extend_schema(responses={200: TicketOutputSerializer}, summary=gettext_lazy("工单详情"))
    def get(self, request: Request, number: str) -> Response:
        ticket = ticket_get_for(user=request.user, number=number)
        context = {"user": request.user, "now": timezone.now()}
        return Response(TicketOutputSerializer(ticket, context=context).data)


class TicketActionApi(APIView):
    @extend_schema(
        request=TicketActionInputSerializer,
        responses={200: TicketOutputSerializer},
        parameters=[
            OpenApiParameter(
                "action",
                str,
                location=OpenApiParameter.PATH,
                enum=list(ACTIONS),
                description="; ".join(f"{name}: {text}" for name, text in ACTIONS.items()),
            ),
            OpenApiParameter("Idempotency-Key", str, location=OpenApiParameter.HEADER, required=False),
        ],
        summary=gettext_lazy(
            "工单操作（派单、签收、退回、改派、转办、答复、办结、回访…）；当前状态不允许时返回409"
        ),
    )
    def post(self, request: Request, number: str, action: str) -> Response:
        if action not in ACTIONS:
            raise exceptions.NotFound(_("没有这个操作。"))
        return run_idempotent(
            request, f"hotline:{number[:24]}:{action}", lambda: self._act(request, number, action)
        )

    def _act(self, request: Request, number: str, action: str) -> Response:
        ticket = ticket_get_for(user=request.user, number=number, details=False)
        data = TicketActionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        user: Staff = request.user  # type: ignore[assignment]
        common: dict[str, Any] = {
            "ticket": ticket,
            "actor": user,
            "note": v["note"],
            "row_version": v.get("row_version"),
        }
        if action == "dispatch":
            services.ticket_dispatch(**common, target=_target(v))
        elif action == "reassign":
            services.ticket_reassign(**common, target=_target(v), reason=v["reason"])
        elif action == "answer":
            services.ticket_answer(**common, reply=v["reply"])
        elif action == "cancel":
            services.ticket_cancel(**common, reason=v["reason"])
        elif action == "accept":
            services.ticket_accept(**common)
        elif action == "return":
            services.ticket_return(**common, reason=v["reason"])
        elif action == "transfer":
            services.ticket_transfer(**common, target=_target(v), reason=v["reason"])
        elif action == "reply":
            services.ticket_reply(**common, reply=v["reply"])
        elif action == "close":
            services.ticket_close(**common)
        elif action == "redo":
            services.ticket_redo(**common, reason=v["reason"])
        elif action == "revisit":
            if "satisfaction" not in v:
                raise exceptions.ValidationError({"satisfaction": [_("请选择来电人的满意度。")]})
            services.ticket_revisit(**common, satisfaction=v["satisfaction"])
        return _ticket_response(request, ticket)


class TicketContactApi(APIView):
    @extend_schema(
        request=TicketContactInputSerializer,
        responses={200: TicketContactOutputSerializer},
        summary=gettext_lazy("查看来电人完整号码以便回电（仅限承办人员和坐席，留痕）"),
    )
    def post(self, request: Request, number: str) -> Response:
        ticket = ticket_get_for(user=request.user, number=number, details=False)
        data = TicketContactInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user: Staff = request.user  # type: ignore[assignment]
        phone = services.ticket_contact(ticket=ticket, actor=user, purpose=data.validated_data["purpose"])
        body = {"number": ticket.number, "caller_name": ticket.caller_name, "caller_phone": phone}
        return Response(TicketContactOutputSerializer(body).data, headers={"Cache-Control": "no-store"})


class CategoryListApi(APIView):
    @extend_schema(
        responses={200: HotlineCategoryOutputSerializer(many=True)},
        summary=gettext_lazy("诉求分类及办理时限（启用的全部分类，按编码排序）"),
    )
    def get(self, request: Request) -> Response:
        rows = list(categories())
        by_pk = {c.pk: c for c in rows}
        for row in rows:  # parents from the same list: effective limits without a query per level
            if row.parent_id in by_pk:
                row.parent = by_pk[row.parent_id]
        return Response(HotlineCategoryOutputSerializer(rows, many=True).data)
