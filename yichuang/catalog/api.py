"""HTTP API of the catalog: items (search, guide), bundles. Public information: no login needed."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yichuang.catalog.guide import guide_sections, guide_text
from yichuang.catalog.models import (
    ExerciseLevel,
    FormFieldKind,
    ItemKind,
    ItemType,
    MaterialRequirement,
    ServiceItem,
)
from yichuang.catalog.search import search_items
from yichuang.catalog.selectors import (
    bundle_form_fields,
    bundle_materials,
    bundles_active,
    delegations_in_force,
    form_fields_for,
    items_published,
    points_offering,
)
from yichuang.catalog.situations import item_situations
from yichuang.common.pagination import Pagination
from yichuang.org.models import ServicePoint


class MaterialOutputSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    required = serializers.BooleanField()  # type: ignore[assignment]
    tolerable = serializers.BooleanField(help_text=_("容缺：可先受理，限期补齐"))
    commitment_allowed = serializers.BooleanField(help_text=_("告知承诺：承诺书可代替"))
    reusable_license_type = serializers.SerializerMethodField(
        help_text=_("可代替此材料的电子证照类型编码 (免证办)")
    )

    def get_reusable_license_type(self, obj: MaterialRequirement) -> str | None:
        return obj.license_type.code if obj.license_type else None


class MaterialDetailSerializer(MaterialOutputSerializer):
    form = serializers.CharField()
    form_display = serializers.CharField(source="get_form_display")
    copies = serializers.IntegerField()
    source = serializers.CharField()  # type: ignore[assignment]
    source_display = serializers.CharField(source="get_source_display")
    source_note = serializers.CharField()
    reusable_license_name = serializers.SerializerMethodField()
    notes = serializers.CharField()
    blank_form = serializers.SerializerMethodField()
    sample = serializers.SerializerMethodField()

    def get_reusable_license_name(self, obj: MaterialRequirement) -> str | None:
        return obj.license_type.name if obj.license_type else None

    # the site's download of the file (``web.views.guide_files``: published items only), not the
    # storage's own URL: the stored files are never served as a folder
    def get_blank_form(self, obj: MaterialRequirement) -> str | None:
        return _file_url(obj, "blank-form") if obj.blank_form else None

    def get_sample(self, obj: MaterialRequirement) -> str | None:
        return _file_url(obj, "sample") if obj.sample else None


def _file_url(obj: MaterialRequirement, which: str) -> str:
    from django.urls import reverse

    return reverse("web:material-file", kwargs={"code": obj.item.code, "material": obj.code, "which": which})


class ItemOutputSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(help_text=_("实施编码"))
    base_code = serializers.CharField(help_text=_("基本编码"))
    name = serializers.CharField()
    type = serializers.ChoiceField(choices=ItemType.choices)
    type_display = serializers.CharField(source="get_type_display")
    kind = serializers.ChoiceField(
        choices=ItemKind.choices, help_text=_("immediate 即办件 | promised 承诺件")
    )
    statutory_days = serializers.IntegerField(help_text=_("法定时限(工作日)"))
    promised_days = serializers.IntegerField(help_text=_("承诺时限(工作日)，0 为即办"))
    visits_required = serializers.IntegerField()
    online_depth = serializers.IntegerField()
    exercise_level = serializers.CharField()
    department = serializers.CharField(source="department.code")
    department_name = serializers.CharField(source="department.name")
    version = serializers.IntegerField()
    materials = MaterialOutputSerializer(many=True)


class FormFieldOutputSerializer(serializers.Serializer[Any]):
    """One entry of the item's application form (申请表), in the form's order."""

    key = serializers.CharField(help_text=_("字段标识：申请时 form 对象的键"))
    label = serializers.CharField()  # type: ignore[assignment]
    label_en = serializers.CharField()
    kind = serializers.ChoiceField(choices=FormFieldKind.choices)
    kind_display = serializers.CharField(source="get_kind_display")
    required = serializers.BooleanField()  # type: ignore[assignment]
    choices = serializers.ListField(child=serializers.CharField(), help_text=_("选项字段的可选值"))
    help_text = serializers.CharField()  # type: ignore[assignment]
    max_length = serializers.IntegerField(allow_null=True, help_text=_("文本、地址字段的最多字数"))
    min = serializers.DecimalField(
        max_digits=16, decimal_places=2, allow_null=True, coerce_to_string=False, normalize_output=True
    )
    max = serializers.DecimalField(
        max_digits=16, decimal_places=2, allow_null=True, coerce_to_string=False, normalize_output=True
    )


class SituationMaterialSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(source="row.code")
    name = serializers.CharField(source="row.name")
    required = serializers.BooleanField()  # type: ignore[assignment]


class SituationOutputSerializer(serializers.Serializer[Any]):
    """One 办理情形 of the item and the materials it asks."""

    code = serializers.CharField(help_text=_("情形编码：申请时 situation 的值"))
    name = serializers.CharField()
    description = serializers.CharField()
    materials = SituationMaterialSerializer(many=True)


class GuideSectionSerializer(serializers.Serializer[Any]):
    title = serializers.CharField()
    text = serializers.CharField()


class PointBriefSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    region = serializers.CharField(source="region.code")
    hours = serializers.CharField()
    phone = serializers.CharField()
    address = serializers.CharField()


class DelegationSerializer(serializers.Serializer[Any]):
    mode = serializers.CharField()
    mode_display = serializers.CharField(source="get_mode_display")
    from_department = serializers.CharField(source="from_department.name")
    to_point = serializers.CharField(source="to_point.code", allow_null=True, default=None)
    to_region = serializers.CharField(source="to_region.code", allow_null=True, default=None)
    instrument = serializers.CharField()
    instrument_date = serializers.DateField()
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(allow_null=True)


class ItemDetailSerializer(ItemOutputSerializer):
    aliases = serializers.ListField(child=serializers.CharField(), source="alias_list")
    keywords = serializers.ListField(child=serializers.CharField(), source="keyword_list")
    legal_basis = serializers.CharField()
    exercise_level_display = serializers.CharField(source="get_exercise_level_display")
    audience = serializers.CharField()
    audience_display = serializers.CharField(source="get_audience_display")
    conditions = serializers.CharField()
    supplement_days = serializers.IntegerField()
    fee_charged = serializers.BooleanField()
    fee_standard = serializers.CharField()
    fee_basis = serializers.CharField()
    result_type = serializers.CharField()
    result_name = serializers.CharField()
    result_license_type = serializers.CharField(
        source="result_license_type.code", allow_null=True, default=None
    )
    process = serializers.CharField()
    consult_phone = serializers.CharField()
    complaint_phone = serializers.CharField()
    status = serializers.CharField()
    parent = serializers.CharField(source="parent.code", allow_null=True, default=None)  # type: ignore[assignment]
    children = serializers.SerializerMethodField()
    materials = MaterialDetailSerializer(many=True)
    points = serializers.SerializerMethodField()
    delegations = serializers.SerializerMethodField()
    guide = serializers.SerializerMethodField()
    guide_text = serializers.SerializerMethodField()
    form_fields = serializers.SerializerMethodField(
        help_text=_("申请表字段：网上申请和窗口受理时填写，印入申请表")
    )

    situations = serializers.SerializerMethodField(
        help_text=_("办理情形：每种情形需要的材料；申请时以 situation 指明")
    )

    @extend_schema_field(SituationOutputSerializer(many=True))
    def get_situations(self, obj: ServiceItem) -> list[dict[str, Any]]:
        return SituationOutputSerializer(item_situations(obj.pk), many=True).data  # type: ignore[return-value]

    def get_children(self, obj: ServiceItem) -> list[str]:
        return [child.code for child in obj.children.filter(status="published").order_by("code")]

    def _points(self, obj: ServiceItem) -> list[ServicePoint]:
        cache: dict[int, list[ServicePoint]] = self.context.setdefault("_points", {})
        if obj.pk not in cache:
            cache[obj.pk] = list(points_offering(obj))
        return cache[obj.pk]

    @extend_schema_field(PointBriefSerializer(many=True))
    def get_points(self, obj: ServiceItem) -> list[dict[str, Any]]:
        return PointBriefSerializer(self._points(obj), many=True).data  # type: ignore[return-value]

    @extend_schema_field(DelegationSerializer(many=True))
    def get_delegations(self, obj: ServiceItem) -> list[dict[str, Any]]:
        qs = (
            delegations_in_force().filter(item=obj).select_related("from_department", "to_point", "to_region")
        )
        return DelegationSerializer(qs, many=True).data  # type: ignore[return-value]

    @extend_schema_field(GuideSectionSerializer(many=True))
    def get_guide(self, obj: ServiceItem) -> list[dict[str, Any]]:
        return GuideSectionSerializer(guide_sections(obj, self._points(obj)), many=True).data  # type: ignore[return-value]

    def get_guide_text(self, obj: ServiceItem) -> str:
        return guide_text(obj, self._points(obj))

    @extend_schema_field(FormFieldOutputSerializer(many=True))
    def get_form_fields(self, obj: ServiceItem) -> list[dict[str, Any]]:
        return FormFieldOutputSerializer(form_fields_for(obj), many=True).data  # type: ignore[return-value]


class ItemListApi(APIView):
    """Search and list published service items."""

    #: What the list answers: {count, next, previous, results} (the schema says so from this).
    pagination_class = Pagination

    permission_classes = [AllowAny]

    class FilterSerializer(serializers.Serializer[Any]):
        q = serializers.CharField(required=False, allow_blank=True, max_length=100, trim_whitespace=True)
        point = serializers.CharField(required=False, max_length=20)
        type = serializers.ChoiceField(choices=ItemType.choices, required=False)
        kind = serializers.ChoiceField(choices=ItemKind.choices, required=False)
        level = serializers.ChoiceField(choices=ExerciseLevel.choices, required=False)
        department = serializers.CharField(required=False, max_length=30)

        def validate_point(self, value: str) -> ServicePoint:
            point = ServicePoint.objects.filter(code=value).select_related("region").first()
            if point is None:
                raise serializers.ValidationError(_("没有这个服务点。"))
            return point

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description=_("关键词：中文、全拼或拼音首字母 (如 低保、dibao、db)")),
            OpenApiParameter("point", str, description=_("服务点编码：只列出该服务点可办的事项")),
            OpenApiParameter("type", str, enum=[c for c, _ in ItemType.choices]),
            OpenApiParameter("kind", str, enum=[c for c, _ in ItemKind.choices]),
            OpenApiParameter("level", str, enum=[c for c, _ in ExerciseLevel.choices]),
            OpenApiParameter("department", str, description=_("实施部门编码")),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses={200: ItemOutputSerializer(many=True)},
        auth=[],
        summary=_("事项搜索与列表"),
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        params = filters.validated_data
        qs = items_published()
        if "point" in params:
            qs = qs.filter(offers__point=params["point"], offers__active=True)
        if "type" in params:
            qs = qs.filter(type=params["type"])
        if "kind" in params:
            qs = (
                qs.filter(promised_days=0)
                if params["kind"] == ItemKind.IMMEDIATE
                else qs.filter(promised_days__gt=0)
            )
        if "level" in params:
            qs = qs.filter(exercise_level=params["level"])
        if "department" in params:
            qs = qs.filter(department__code=params["department"])

        paginator = Pagination()
        query = params.get("q", "")
        if query:
            allowed = set(qs.values_list("id", flat=True))
            ranked = [item_id for item_id, _score in search_items(query) if item_id in allowed]
            page_ids: list[int] = paginator.paginate_queryset(ranked, request, view=self) or []  # type: ignore[arg-type]
            by_id = {item.pk: item for item in qs.filter(id__in=page_ids)}
            page = [by_id[i] for i in page_ids if i in by_id]
        else:
            page = paginator.paginate_queryset(qs.order_by("code"), request, view=self) or []
        return paginator.get_paginated_response(ItemOutputSerializer(page, many=True).data)


class ItemDetailApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: ItemDetailSerializer}, auth=[], summary=_("事项详情与办事指南"))
    def get(self, request: Request, code: str) -> Response:
        item = get_object_or_404(
            items_published().select_related("result_license_type", "parent"),
            code=code,
        )
        return Response(ItemDetailSerializer(item).data)


class BundleItemSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    promised_days = serializers.IntegerField()
    department_name = serializers.CharField(source="department.name")


class MergedMaterialSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    required = serializers.BooleanField()  # type: ignore[assignment]
    tolerable = serializers.BooleanField()
    commitment_allowed = serializers.BooleanField()
    reusable_license_type = serializers.CharField(allow_null=True)
    items = serializers.ListField(child=serializers.CharField(), help_text=_("需要此材料的事项编码"))


class BundleOutputSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    items = serializers.SerializerMethodField()
    materials = serializers.SerializerMethodField()
    promised_days = serializers.SerializerMethodField(help_text=_("各事项承诺时限的最大值"))
    form_fields = serializers.SerializerMethodField(
        help_text=_("合并的申请表字段：多个事项相同字段标识的只填一次")
    )

    @extend_schema_field(BundleItemSerializer(many=True))
    def get_items(self, obj: Any) -> list[dict[str, Any]]:
        return BundleItemSerializer([e.item for e in obj.entries.all()], many=True).data  # type: ignore[return-value]

    @extend_schema_field(MergedMaterialSerializer(many=True))
    def get_materials(self, obj: Any) -> list[dict[str, Any]]:
        return MergedMaterialSerializer(bundle_materials(obj), many=True).data  # type: ignore[return-value]

    def get_promised_days(self, obj: Any) -> int:
        return max((e.item.promised_days for e in obj.entries.all()), default=0)

    @extend_schema_field(FormFieldOutputSerializer(many=True))
    def get_form_fields(self, obj: Any) -> list[dict[str, Any]]:
        return FormFieldOutputSerializer(bundle_form_fields(obj), many=True).data  # type: ignore[return-value]


class BundleListApi(APIView):
    #: What the list answers: {count, next, previous, results} (the schema says so from this).
    pagination_class = Pagination
    permission_classes = [AllowAny]

    @extend_schema(responses={200: BundleOutputSerializer(many=True)}, auth=[], summary=_("一件事一次办"))
    def get(self, request: Request) -> Response:
        paginator = Pagination()
        page = paginator.paginate_queryset(bundles_active(), request, view=self) or []
        return paginator.get_paginated_response(BundleOutputSerializer(page, many=True).data)
