"""HTTP API of cases (contract.md "Cases")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yichuang.cases import services
from yichuang.cases.actions import CASE_ACTIONS
from yichuang.cases.calendar import case_warnings, case_warnings_of
from yichuang.cases.models import ApplicantKind, Case, CaseStatus, Channel, DeliveryMethod
from yichuang.cases.prereview import prereview_of
from yichuang.cases.selectors import (
    LIST_COLUMNS,
    allowed_actions,
    case_get_for,
    case_list,
    case_materials,
    case_timeline,
    license_ref,
)
from yichuang.cases.services import ApplicantInput, MaterialInput
from yichuang.catalog.forms import mask_value
from yichuang.catalog.models import ServiceItem
from yichuang.common.idempotency import run_idempotent
from yichuang.common.identity import mask_name, mask_phone, mask_resident_id, mask_uscc
from yichuang.common.memo import memoized
from yichuang.common.pagination import LargeResultPagination
from yichuang.common.replica import reads_from_replica
from yichuang.common.throttles import ScopedRateThrottle
from yichuang.files.selectors import files_for
from yichuang.org.models import Region, Role, ServicePoint, Staff


class ApplicantInputSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=ApplicantKind.choices, default=ApplicantKind.PERSON)
    name = serializers.CharField(max_length=100)
    id_number = serializers.CharField(
        max_length=30, help_text="居民身份证号 (GB 11643) 或统一社会信用代码 (GB 32100)"
    )
    phone = serializers.CharField(max_length=20)
    region = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=12,
        default="",
        help_text="跨乡镇通办：申请人户籍或住所地的乡镇（或村）区划代码；不填则按受理点所在乡镇",
    )


class MaterialInputSerializer(serializers.Serializer[Any]):
    requirement = serializers.CharField(max_length=30, help_text="材料编码")
    files = serializers.ListField(child=serializers.UUIDField(), max_length=50, default=list)


class CaseCreateSerializer(serializers.Serializer[Any]):
    item = serializers.CharField(max_length=40, help_text="事项实施编码")
    point = serializers.CharField(max_length=20, help_text="受理服务点编码")
    channel = serializers.ChoiceField(choices=Channel.choices)
    applicant = ApplicantInputSerializer()
    materials = MaterialInputSerializer(many=True, required=False, default=list)
    tolerated = serializers.ListField(
        child=serializers.CharField(max_length=30), required=False, default=list
    )
    commitments = serializers.ListField(
        child=serializers.CharField(max_length=30), required=False, default=list
    )
    consent_file = serializers.UUIDField(required=False, allow_null=True, help_text="代办委托书文件")
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")
    form = serializers.DictField(
        required=False,
        allow_null=True,
        default=None,
        help_text="申请表：事项 form_fields 的字段标识 → 填写的值；不填表示纸质申请表。填写有误时返回422，fields 为 form.<字段标识>",
    )
    situation = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=30,
        default="",
        help_text="办理情形编码（事项 situations 之一）：按该情形的材料清单核对；不填则核对事项的全部材料。",
    )


class ActionInputSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    row_version = serializers.IntegerField(
        required=False, min_value=1, help_text="乐观锁：与当前版本不符时返回409"
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    missing = serializers.ListField(child=serializers.CharField(max_length=30), required=False, default=list)
    materials = MaterialInputSerializer(many=True, required=False, default=list)
    kind = serializers.CharField(required=False, max_length=20, default="other", help_text="中止类型")
    days = serializers.IntegerField(required=False, min_value=1, max_value=10, help_text="延期工作日")
    method = serializers.ChoiceField(choices=DeliveryMethod.choices, required=False)
    tracking_number = serializers.CharField(required=False, allow_blank=True, max_length=40, default="")
    recipient_name = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2000,
        default="",
        help_text="准予：容缺材料尚未补齐时先行准予的理由（记入办理过程）；不填则返回409",
    )


class ApplicantOutputSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField()
    name = serializers.CharField()
    id_number = serializers.CharField(help_text="已脱敏")
    phone = serializers.CharField(help_text="已脱敏")


class LicenseRefSerializer(serializers.Serializer[Any]):
    number = serializers.CharField()
    type = serializers.CharField(source="license_type.code")
    type_name = serializers.CharField(source="license_type.name")
    issuer = serializers.CharField()
    valid_until = serializers.DateField(allow_null=True, help_text="空表示长期有效")


def masked_applicant(obj: Any) -> dict[str, str]:
    """The applicant of a case or an application, with ID and phone numbers masked."""
    masked = mask_resident_id if obj.applicant_kind == ApplicantKind.PERSON else mask_uscc
    return {
        "kind": obj.applicant_kind,
        "name": obj.applicant_name,
        "id_number": masked(obj.applicant_id_number),
        "phone": mask_phone(obj.applicant_phone),
    }


class FormValueOutputSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    kind = serializers.CharField()
    value = serializers.JSONField(help_text="身份证号码、手机号码对不需要的角色脱敏")


#: Who reads an application form's ID numbers and phones whole: those who take, check and decide
#: the case. Supervisors, managers and the platform's administrators see them masked.
FORM_READER_ROLES = frozenset({Role.WINDOW_CLERK, Role.REVIEWER, Role.BANK_CLERK, Role.VILLAGE_AGENT})


def form_output(case: Case, *, user: Any) -> list[dict[str, Any]]:
    """The application form filled for ``case`` (``[]`` when none), masked unless ``user`` needs it."""
    try:
        filled = case.form
    except ObjectDoesNotExist:
        return []
    if filled is None:
        return []
    whole = isinstance(user, Staff) and user.role in FORM_READER_ROLES
    return [
        {
            "key": field["key"],
            "label": field["label"],
            "kind": field["kind"],
            "value": filled.values[field["key"]]
            if whole
            else mask_value(field["kind"], filled.values[field["key"]]),
        }
        for field in filled.fields
        if field["key"] in filled.values
    ]


class CaseMaterialOutputSerializer(serializers.Serializer[Any]):
    requirement = serializers.CharField()
    name = serializers.CharField()
    required = serializers.BooleanField()  # type: ignore[assignment]
    state = serializers.CharField(help_text="provided|tolerated|committed|license|missing|optional_absent")
    files = serializers.SerializerMethodField()
    license = LicenseRefSerializer(allow_null=True, help_text="免证办：引用的电子证照，无需上传")

    def get_files(self, obj: Any) -> list[str]:
        return [str(f.pk) for f in obj.files.all()]


class EventOutputSerializer(serializers.Serializer[Any]):
    at = serializers.DateTimeField()
    action = serializers.CharField()
    actor = serializers.CharField(source="actor_name")
    status = serializers.CharField(source="to_status")
    note = serializers.CharField()


class DocumentOutputSerializer(serializers.Serializer[Any]):
    id = serializers.CharField()
    type = serializers.CharField()
    url = serializers.CharField()
    verify_code = serializers.CharField()


class WishedDeliverySerializer(serializers.Serializer[Any]):
    method = serializers.CharField(help_text="pickup|mail")
    address = serializers.CharField()


def wished_delivery(case: Case) -> dict[str, str] | None:
    """How the citizen who applied online wants the result (a query only for such cases)."""
    if case.channel not in (Channel.ONLINE, Channel.KIOSK):
        return None
    link = getattr(case, "citizen_link", None)
    if link is None:
        return None
    return {"method": str(link.delivery_method), "address": str(link.delivery_address)}


def _waybill_serializer() -> Any:
    from yichuang.delivery.api import WaybillOutputSerializer

    return WaybillOutputSerializer(allow_null=True)


def _payment_serializer() -> Any:
    from yichuang.payments.api import PaymentOrderSerializer

    return PaymentOrderSerializer(allow_null=True)


class CaseListOutputSerializer(serializers.Serializer[Any]):
    number = serializers.CharField()
    item = serializers.CharField(source="item.code")
    item_name = serializers.CharField(source="item.name")
    status = serializers.CharField(
        help_text="submitted | needs_supplement | accepted | in_review | suspended | approved | denied | "
        "delivered | refused | withdrawn | revoked（已撤销：告知承诺经事后核查认定违诺，原决定撤销）"
    )
    status_display = serializers.CharField(source="get_status_display")
    kind = serializers.CharField()
    channel = serializers.CharField()
    point = serializers.CharField(source="point.code")
    handling_unit = serializers.CharField(source="handling_department.code")
    applicant_name = serializers.SerializerMethodField()
    accepted_at = serializers.DateTimeField(allow_null=True)
    due_date = serializers.DateField(allow_null=True)
    statutory_due_date = serializers.DateField(allow_null=True)
    supplement_due_date = serializers.DateField(allow_null=True)
    created_at = serializers.DateTimeField()
    warnings = serializers.SerializerMethodField(
        help_text="提示（中文句子），无问题时为空：例如办结期限落在尚未录入官方节假日安排的年度，或申请人有违诺记录（告知承诺）"
    )

    def get_applicant_name(self, obj: Case) -> str:
        return mask_name(obj.applicant_name)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_warnings(self, obj: Case) -> list[str]:
        return case_warnings_of(obj) + breach_warnings(obj.applicant_breach_until)


def breach_warnings(until: Any) -> list[str]:
    """For staff: the applicant had a broken commitment (违诺记录) in force when he applied."""
    if until is None:
        return []
    return [
        _("该申请人有违诺记录（%(until)s前不适用告知承诺），请核实申请材料。")
        % {"until": until.isoformat() if hasattr(until, "isoformat") else str(until)}
    ]


def staff_warnings(row: Mapping[str, Any]) -> list[str]:
    """The warnings of a case in the staff's list and detail: the calendar's and the applicant's breach."""
    return case_warnings(row) + breach_warnings(row.get("applicant_breach_until"))


class CaseOutputSerializer(CaseListOutputSerializer):
    handling_unit_name = serializers.CharField(source="handling_department.name")
    handling_mode = serializers.CharField()
    point_name = serializers.CharField(source="point.name")
    item_version = serializers.IntegerField(source="item_version.number")
    applicant = serializers.SerializerMethodField()
    applicant_region = serializers.CharField(
        source="applicant_region.code", allow_null=True, default=None, help_text="跨乡镇通办：申请人所在地"
    )
    application = serializers.CharField(
        source="application.number", allow_null=True, default=None, help_text="所属一件事申请编号"
    )
    issued_license = serializers.SerializerMethodField()
    suspended_days = serializers.IntegerField()
    extended_days = serializers.IntegerField()
    decision_reason = serializers.CharField()
    delivery_method = serializers.CharField()
    tracking_number = serializers.CharField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    prereview_due = serializers.SerializerMethodField(
        help_text="网上预审期限：网上或自助终端申请待预审（submitted）时，须在此日前受理、告知或不予受理；否则为空",
    )
    prereview_overdue = serializers.SerializerMethodField(help_text="网上预审已超期")
    delivery = serializers.SerializerMethodField(
        help_text="网上申请时申请人选择的领取方式和邮寄地址（地址完整，供窗口寄出）；非网上申请为空"
    )
    waybill = serializers.SerializerMethodField(help_text="邮寄运单和寄递服务的最近物流轨迹；没有则为空")
    payment = serializers.SerializerMethodField(help_text="收费事项受理后的缴费单；不收费为空")
    row_version = serializers.IntegerField()
    materials = CaseMaterialOutputSerializer(many=True)
    timeline = EventOutputSerializer(many=True, source="events")
    documents = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()
    form = serializers.SerializerMethodField(help_text="申请表填写内容（按字段顺序）")

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_prereview_due(self, obj: Case) -> str | None:
        prereview = prereview_of(obj)
        return _date(prereview.due) if prereview is not None else None

    @extend_schema_field(serializers.BooleanField())
    def get_prereview_overdue(self, obj: Case) -> bool:
        prereview = prereview_of(obj)
        return prereview is not None and prereview.overdue

    @extend_schema_field(WishedDeliverySerializer(allow_null=True))
    def get_delivery(self, obj: Case) -> dict[str, str] | None:
        return wished_delivery(obj)

    @extend_schema_field(_waybill_serializer())
    def get_waybill(self, obj: Case) -> dict[str, Any] | None:
        from yichuang.delivery.selectors import waybill_of

        return waybill_of(obj)

    @extend_schema_field(_payment_serializer())
    def get_payment(self, obj: Case) -> dict[str, Any] | None:
        from yichuang.payments.selectors import payment_of

        return payment_of(obj)

    @extend_schema_field(ApplicantOutputSerializer)
    def get_applicant(self, obj: Case) -> dict[str, str]:
        return masked_applicant(obj)

    @extend_schema_field(LicenseRefSerializer(allow_null=True))
    def get_issued_license(self, obj: Case) -> dict[str, Any] | None:
        try:
            issued = obj.issued_license
        except ObjectDoesNotExist:
            return None
        return LicenseRefSerializer(issued).data

    @extend_schema_field(DocumentOutputSerializer(many=True))
    def get_documents(self, obj: Case) -> list[dict[str, str]]:
        from yichuang.cases.documents import case_documents

        return case_documents(obj)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, obj: Case) -> list[str]:
        user = self.context.get("user")
        return allowed_actions(user=user, case=obj) if user is not None else []

    @extend_schema_field(FormValueOutputSerializer(many=True))
    def get_form(self, obj: Case) -> list[dict[str, Any]]:
        return form_output(obj, user=self.context.get("user"))


# Cases are read and written many times a minute at every window: their answers are built as plain
# dicts (a DRF serializer builds and deep-copies its ~40 fields per response), with the serializers
# above as the schema and as the reference: tests/test_cases_queries.py checks both agree.
_DATE = serializers.DateField()


def _datetime(value: Any) -> Any:
    """What ``DateTimeField().to_representation`` gives (ISO 8601 in the current time zone, ``Z``
    for UTC), with the time zone looked up once rather than through DRF's field machinery."""
    if value is None:
        return None
    text = timezone.localtime(value, timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _date(value: Any) -> Any:
    return None if value is None else _DATE.to_representation(value)


_STATUS_LABELS: dict[tuple[str, str], str] = {}


def _status_display(status: str) -> str:
    """``case.get_status_display()`` without translating the ten labels again for every row (it
    hashes the choices and calls gettext each time: 40 % of a page of 50 in the profile)."""
    key = (translation.get_language() or "", status)
    label = _STATUS_LABELS.get(key)
    if label is None:
        label = _STATUS_LABELS[key] = str(dict(CaseStatus.choices).get(status, status))
    return label


def case_list_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """``CaseListOutputSerializer(case).data``, built directly from the ``selectors.LIST_COLUMNS``
    of a case."""
    return {
        "number": str(row["number"]),
        "item": str(row["item__code"]),
        "item_name": str(row["item__name"]),
        "status": str(row["status"]),
        "status_display": _status_display(row["status"]),
        "kind": str(row["kind"]),
        "channel": str(row["channel"]),
        "point": str(row["point__code"]),
        "handling_unit": str(row["handling_department__code"]),
        "applicant_name": mask_name(row["applicant_name"]),
        "accepted_at": _datetime(row["accepted_at"]),
        "due_date": _date(row["due_date"]),
        "statutory_due_date": _date(row["statutory_due_date"]),
        "supplement_due_date": _date(row["supplement_due_date"]),
        "created_at": _datetime(row["created_at"]),
        "warnings": staff_warnings(row),
    }


def _list_columns(case: Case) -> dict[str, Any]:
    """The ``LIST_COLUMNS`` of a case in memory."""
    return {
        column: getattr(getattr(case, column.split("__")[0]), column.split("__")[1])
        if "__" in column
        else getattr(case, column)
        for column in LIST_COLUMNS
    }


def case_output(case: Case, *, user: Any) -> dict[str, Any]:
    """``CaseOutputSerializer(case).data``, built directly: two queries (materials with their file
    ids, the timeline) beside the case and its ``DETAIL_RELATIONS``. The serializer's own methods
    still say what the applicant, the documents and the allowed actions are (a serializer that
    is only instantiated builds no fields)."""
    methods = CaseOutputSerializer(context={"user": user})
    # A case just created answers from the rows its service wrote (no licence is issued yet).
    written = case.written
    from yichuang.documents.api import document_refs

    events = (
        case_timeline(case)
        if written is None or written.events is None
        else [
            {
                "at": e.at,
                "action": e.action,
                "actor_name": e.actor_name,
                "to_status": e.to_status,
                "note": e.note,
            }
            for e in written.events
        ]
    )
    prereview = prereview_of(case, events=events)
    return {
        **case_list_row(_list_columns(case)),
        "handling_unit_name": str(case.handling_department.name),
        "handling_mode": str(case.handling_mode),
        "point_name": str(case.point.name),
        "item_version": int(case.item_version.number),
        "applicant": methods.get_applicant(case),
        "applicant_region": case.applicant_region.code if case.applicant_region is not None else None,
        "application": case.application.number if case.application is not None else None,
        "issued_license": None
        if written is not None and written.materials is not None
        else methods.get_issued_license(case),
        "suspended_days": int(case.suspended_days),
        "extended_days": int(case.extended_days),
        "decision_reason": str(case.decision_reason),
        "delivery_method": str(case.delivery_method),
        "tracking_number": str(case.tracking_number),
        "delivered_at": _datetime(case.delivered_at),
        "prereview_due": _date(prereview.due) if prereview is not None else None,
        "prereview_overdue": prereview is not None and prereview.overdue,
        "delivery": methods.get_delivery(case),
        "waybill": methods.get_waybill(case),
        "payment": methods.get_payment(case),
        "row_version": int(case.row_version),
        "materials": case_materials(case)
        if written is None or written.materials is None
        else _in_hand_materials(written.materials),
        "timeline": [
            {
                "at": _datetime(event["at"]),
                "action": str(event["action"]),
                "actor": str(event["actor_name"]),
                "status": str(event["to_status"]),
                "note": str(event["note"]),
            }
            for event in events
        ],
        "documents": methods.get_documents(case)
        if written is None or written.documents is None
        else document_refs(sorted(written.documents, key=lambda d: (d.issued_at, d.pk))),
        "allowed_actions": methods.get_allowed_actions(case),
        "form": methods.get_form(case),
    }


def _in_hand_materials(rows: list[tuple[Any, list[Any]]]) -> list[dict[str, Any]]:
    """What ``case_materials`` reads, from the rows a service just wrote (files newest first)."""
    return [
        {
            "requirement": row.requirement,
            "name": row.name,
            "required": row.required,
            "state": row.state,
            "files": [str(f.pk) for f in sorted(files, key=lambda f: f.created_at, reverse=True)],
            "license": None
            if row.license is None
            else license_ref(
                row.license.number,
                row.license.license_type.code,
                row.license.license_type.name,
                row.license.issuer,
                row.license.valid_until,
            ),
        }
        for row, files in rows
    ]


def _resolve_files(user: Staff, ids: list[Any], field: str) -> list[Any]:
    """The files ``ids`` names, each one the user may read, in one query (only their ids are read:
    the case links them by id)."""
    if not ids:
        return []
    found = {
        f.pk: f for f in files_for(user).filter(pk__in=set(ids)).select_related(None).only("id", "created_at")
    }
    lost = list(dict.fromkeys(str(i) for i in ids if i not in found))
    if lost:
        raise services.Invalid(
            _("文件不存在或无权使用。"),
            fields={field: [_("找不到文件：%(files)s") % {"files": ", ".join(lost)}]},
        )
    return [found[i] for i in ids]


def _materials(user: Staff, rows: list[dict[str, Any]]) -> list[MaterialInput]:
    files = iter(_resolve_files(user, [i for row in rows for i in row.get("files", [])], "materials"))
    return [
        MaterialInput(requirement=row["requirement"], files=[next(files) for _file in row.get("files", [])])
        for row in rows
    ]


def applicant_input(data: dict[str, Any]) -> ApplicantInput:
    """The applicant as the services take it; the optional region code becomes a ``Region``."""
    code = (data.get("region") or "").strip()
    region = None
    if code:
        region = Region.objects.filter(code=code).select_related("parent").first()
        if region is None:
            raise services.Invalid(
                _("没有这个区划代码：%(code)s。") % {"code": code},
                fields={"applicant.region": [_("区划代码不存在。")]},
            )
    return ApplicantInput(
        kind=data["kind"], name=data["name"], id_number=data["id_number"], phone=data["phone"], region=region
    )


def intake_arguments(user: Staff, v: dict[str, Any]) -> dict[str, Any]:
    """What a case and a 一件事 application both take from the request: point, channel, applicant,
    materials, consent file, note."""
    point = memoized(
        "reference",
        "point_by_code",
        v["point"],
        lambda: ServicePoint.objects.select_related("region").filter(code=v["point"]).first(),
    )
    if point is None:
        raise services.Invalid(_("没有这个服务点。"), fields={"point": [_("没有这个服务点。")]})
    consent = _resolve_files(user, [v["consent_file"]], "consent_file")[0] if v.get("consent_file") else None
    return {
        "point": point,
        "channel": v["channel"],
        "applicant": applicant_input(v["applicant"]),
        "materials": _materials(user, v["materials"]),
        "tolerated": v["tolerated"],
        "commitments": v["commitments"],
        "consent_file": consent,
        "note": v["note"],
    }


def _case_response(request: Request, case: Case, status_code: int = 200) -> Response:
    """The case a service has just written and returned (its row and relations are current in
    memory): only its materials and timeline are read."""
    return Response(case_output(case, user=request.user), status=status_code)


class CaseListCreateApi(APIView):
    #: What the list answers: {count, next, previous, results} (the schema says so from this).
    pagination_class = LargeResultPagination

    class FilterSerializer(serializers.Serializer[Any]):
        status = serializers.ChoiceField(choices=CaseStatus.choices, required=False)
        channel = serializers.ChoiceField(choices=Channel.choices, required=False)
        point = serializers.CharField(required=False, max_length=20)
        item = serializers.CharField(required=False, max_length=40)
        overdue = serializers.BooleanField(required=False, default=False)
        bring_home = serializers.BooleanField(required=False, default=False)
        prereview_overdue = serializers.BooleanField(required=False, default=False)

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=CaseStatus.values),
            OpenApiParameter("channel", str, enum=Channel.values, description="网上申请：online"),
            OpenApiParameter("point", str),
            OpenApiParameter("item", str),
            OpenApiParameter("overdue", bool),
            OpenApiParameter("bring_home", bool, description="代办员：已批准、待送证上门的代办件"),
            OpenApiParameter("prereview_overdue", bool, description="网上预审已超期的网上、自助终端申请"),
            OpenApiParameter("page", int),
        ],
        responses={200: CaseListOutputSerializer(many=True)},
        summary="办件列表 (限本人可见范围)",
    )
    @reads_from_replica
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        cases = case_list(user=request.user, filters=filters.validated_data)
        paginator = LargeResultPagination()
        page = paginator.paginate_queryset(cases.values(*LIST_COLUMNS), request, self, counted=cases)
        return paginator.get_paginated_response([case_list_row(row) for row in page])

    @extend_schema(
        request=CaseCreateSerializer,
        responses={201: CaseOutputSerializer},
        parameters=[
            OpenApiParameter("Idempotency-Key", str, location=OpenApiParameter.HEADER, required=False)
        ],
        summary="提交/受理办件",
    )
    def post(self, request: Request) -> Response:
        return run_idempotent(request, "cases:create", lambda: self._create(request))

    def _create(self, request: Request) -> Response:
        data = CaseCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        user: Staff = request.user  # type: ignore[assignment]
        item = memoized(
            "reference", "item_by_code", v["item"], lambda: ServiceItem.objects.filter(code=v["item"]).first()
        )
        if item is None:
            raise services.Invalid(_("没有这个事项。"), fields={"item": [_("没有这个事项。")]})
        case = services.case_create(
            actor=user, item=item, form=v.get("form"), situation=v["situation"], **intake_arguments(user, v)
        )
        return _case_response(request, case, status.HTTP_201_CREATED)


class CaseDetailApi(APIView):
    @extend_schema(responses={200: CaseOutputSerializer}, summary="办件详情")
    def get(self, request: Request, number: str) -> Response:
        case = case_get_for(user=request.user, number=number)
        return Response(case_output(case, user=request.user))


class NoticeSerializer(serializers.Serializer[Any]):
    missing = serializers.ListField(child=serializers.DictField())
    text = serializers.CharField()


class CaseActionApi(APIView):
    @extend_schema(
        request=ActionInputSerializer,
        responses={200: CaseOutputSerializer},
        parameters=[
            OpenApiParameter(
                "action",
                str,
                location=OpenApiParameter.PATH,
                enum=[name for name, spec in CASE_ACTIONS.items() if not spec.internal],
            ),
            OpenApiParameter("Idempotency-Key", str, location=OpenApiParameter.HEADER, required=False),
        ],
        summary="办件操作 (受理、告知、补正、审批、送达…)；当前状态不允许时返回409",
    )
    def post(self, request: Request, number: str, action: str) -> Response:
        if action not in CASE_ACTIONS or CASE_ACTIONS[action].internal:
            # 撤销 (revoke) is recorded with the post-check that found the breach, not here.
            raise exceptions.NotFound(_("没有这个操作。"))
        return run_idempotent(request, f"cases:{number}:{action}", lambda: self._act(request, number, action))

    def _act(self, request: Request, number: str, action: str) -> Response:
        spec = CASE_ACTIONS[action]
        data = ActionInputSerializer(data=request.data)
        valid = data.is_valid()
        lacking = (
            {
                i.name: [str(i.required)]
                for i in spec.inputs
                if i.required is not None and i.name not in data.validated_data
            }
            if valid
            else {}
        )
        case: Case | services.CaseInScope
        if not valid or lacking or action == "supplement":
            case = case_get_for(user=request.user, number=number, details=False)
            # The state first, then the body: an action this state refuses is a 409 whatever it
            # carries.
            services.case_check_action(case=case, action=action)
            data.is_valid(raise_exception=True)
            if lacking:
                raise exceptions.ValidationError(lacking)
        else:
            # A good body: the action's locked read is the only read of the case (its scope, its
            # state and the actor's right are checked under the lock, in this order). A supplement
            # reads first: it locks the cases of its 一件事 application before its own.
            case = services.CaseInScope(number=number, user=request.user)
        v = data.validated_data
        user: Staff = request.user  # type: ignore[assignment]
        arguments: dict[str, Any] = {
            "case": case,
            "actor": user,
            "note": v["note"],
            "row_version": v.get("row_version"),
        }
        arguments.update({i.name: v[i.name] for i in spec.inputs if i.name in v})
        if "materials" in arguments:
            arguments["materials"] = _materials(user, arguments["materials"])
        result = spec.perform(**arguments)
        notice = result if isinstance(result, services.Notice) else None
        done: Case = notice.case if notice is not None else result
        response = _case_response(request, done)
        if notice is not None:
            response.data["notice"] = {"missing": notice.missing, "text": notice.text}
        return response


class TrackInputSerializer(serializers.Serializer[Any]):
    phone = serializers.CharField(max_length=20, help_text="申请时留的手机号")


class TrackEventSerializer(serializers.Serializer[Any]):
    at = serializers.DateTimeField()
    action = serializers.CharField()
    status = serializers.CharField(source="to_status")
    status_display = serializers.SerializerMethodField()

    def get_status_display(self, obj: Any) -> str:
        return str(CaseStatus(obj.to_status).label) if obj.to_status in CaseStatus.values else obj.to_status


class TrackCaseSerializer(serializers.Serializer[Any]):
    number = serializers.CharField()
    item_name = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField()
    due_date = serializers.DateField(allow_null=True)


class TrackOutputSerializer(serializers.Serializer[Any]):
    number = serializers.CharField()
    item_name = serializers.CharField(source="item.name")
    point_name = serializers.CharField(source="point.name")
    status = serializers.CharField()
    status_display = serializers.CharField(source="get_status_display")
    accepted_at = serializers.DateTimeField(allow_null=True)
    due_date = serializers.DateField(allow_null=True)
    supplement_due_date = serializers.DateField(allow_null=True)
    delivery_method = serializers.CharField()
    tracking_number = serializers.CharField()
    timeline = TrackEventSerializer(
        many=True, source="citizen_timeline", help_text="不含工作人员姓名；受理前的移交和内部记录不列出"
    )
    warnings = serializers.SerializerMethodField(help_text="提示（中文句子），无问题时为空")
    cases = serializers.SerializerMethodField(
        help_text="一件事（按 YJS 编号查询）：其中每个事项的办件；单个办件时为空列表"
    )

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_warnings(self, obj: Case) -> list[str]:
        return case_warnings_of(obj)

    waybill = serializers.SerializerMethodField(help_text="邮寄送达：运单号和寄递服务的最近物流轨迹")

    @extend_schema_field(_waybill_serializer())
    def get_waybill(self, obj: Case) -> dict[str, Any] | None:
        from yichuang.delivery.selectors import waybill_of

        return waybill_of(obj)

    @extend_schema_field(TrackCaseSerializer(many=True))
    def get_cases(self, obj: Case) -> list[dict[str, Any]]:
        return []


#: The status of a 一件事 as a whole: the least advanced of its cases that is still open, else done.
_BUNDLE_ORDER = [
    CaseStatus.NEEDS_SUPPLEMENT,
    CaseStatus.SUBMITTED,
    CaseStatus.SUSPENDED,
    CaseStatus.ACCEPTED,
    CaseStatus.IN_REVIEW,
    CaseStatus.APPROVED,
    CaseStatus.DENIED,
    CaseStatus.REFUSED,
    CaseStatus.WITHDRAWN,
    CaseStatus.REVOKED,
    CaseStatus.DELIVERED,
]


def application_track_output(application: Any) -> dict[str, Any]:
    """A 一件事 tracked as one by its YJS number: the shape of ``TrackOutputSerializer``, its status the
    least advanced of its cases, its promised date the latest, its timeline every case's lines (each
    named by its item), and ``cases`` one row per item."""
    cases = list(application.cases.all())
    statuses = [c.status for c in cases]
    status = next((s for s in _BUNDLE_ORDER if s in statuses), CaseStatus.SUBMITTED)
    dues = [c.due_date for c in cases if c.due_date is not None]
    accepted = [c.accepted_at for c in cases if c.accepted_at is not None]
    supplements = [c.supplement_due_date for c in cases if c.supplement_due_date is not None]
    events = sorted(
        ((c, e) for c in cases for e in c.citizen_timeline), key=lambda pair: (pair[1].at, pair[1].pk)
    )
    warnings = list(dict.fromkeys(w for c in cases for w in case_warnings_of(c)))
    return {
        "number": application.number,
        "item_name": application.bundle.name,
        "point_name": application.point.name,
        "status": str(status),
        "status_display": str(CaseStatus(status).label),
        "accepted_at": _datetime(min(accepted)) if accepted else None,
        "due_date": _date(max(dues)) if dues else None,
        "supplement_due_date": _date(min(supplements)) if supplements else None,
        "delivery_method": "",
        "tracking_number": "",
        "timeline": [
            {
                "at": _datetime(e.at),
                "action": e.action,
                "status": e.to_status,
                "status_display": f"{c.item.name}：{CaseStatus(e.to_status).label}"
                if e.to_status in CaseStatus.values
                else e.to_status,
            }
            for c, e in events
        ],
        "warnings": warnings,
        "cases": [
            {
                "number": c.number,
                "item_name": c.item.name,
                "status": c.status,
                "status_display": str(CaseStatus(c.status).label),
                "due_date": _date(c.due_date),
            }
            for c in cases
        ],
    }


class TrackApi(APIView):
    """Progress for the applicant: a POST so the phone number stays out of URLs and logs."""

    permission_classes: list[Any] = []
    authentication_classes: list[Any] = []
    throttle_scope = "track"
    throttle_classes = [ScopedRateThrottle]

    @extend_schema(
        request=TrackInputSerializer, responses={200: TrackOutputSerializer}, auth=[], summary="办件进度查询"
    )
    def post(self, request: Request, number: str) -> Response:
        from yichuang.cases.selectors import case_track

        data = TrackInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if number.upper().startswith("YJS"):
            # 一件事: tracked as one by the number on its one receipt.
            from yichuang.cases.selectors import application_track

            application = application_track(number=number, phone=data.validated_data["phone"])
            return Response(application_track_output(application))
        case = case_track(number=number, phone=data.validated_data["phone"])
        return Response(TrackOutputSerializer(case).data)
