"""HTTP API of a citizen's drafts (草稿): ``GET /api/v1/citizen/drafts/``, and
``GET``/``PUT``/``DELETE /api/v1/citizen/drafts/{item}/``. His own only; anyone else's is a 404."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from yichuang.cases.api import MaterialInputSerializer
from yichuang.citizens.api import _Citizen
from yichuang.citizens.drafts import draft_discard, draft_get, draft_item, draft_save, drafts_of
from yichuang.citizens.models import ApplicationDraft


class DraftDeliverySerializer(serializers.Serializer[Any]):
    # A plain string (checked by ``draft_save``): the same choices as an application's, with a blank.
    method = serializers.CharField(
        max_length=10, required=False, allow_blank=True, default="", help_text="pickup|mail，可暂不选"
    )
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class DraftInputSerializer(serializers.Serializer[Any]):
    point = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    situation = serializers.CharField(
        max_length=30, required=False, allow_blank=True, default="", help_text="办理情形编码"
    )
    form = serializers.DictField(
        required=False, allow_null=True, default=None, help_text="已填写的申请表（可不完整，申请时才校验）"
    )
    materials = MaterialInputSerializer(many=True, required=False, default=list)
    commitments = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, default=list, max_length=100
    )
    delivery = DraftDeliverySerializer(required=False, default=dict)


class DraftMaterialSerializer(serializers.Serializer[Any]):
    requirement = serializers.CharField()
    files = serializers.ListField(child=serializers.CharField())


class DraftOutputSerializer(serializers.Serializer[Any]):
    item = serializers.CharField(source="item.code")
    item_name = serializers.CharField(source="item.name")
    point = serializers.CharField()
    situation = serializers.CharField(help_text="办理情形编码（未选为空）")
    form = serializers.DictField()
    materials = DraftMaterialSerializer(many=True)
    commitments = serializers.ListField(child=serializers.CharField())
    delivery = DraftDeliverySerializer()
    updated_at = serializers.DateTimeField()


class DraftBriefSerializer(serializers.Serializer[Any]):
    item = serializers.CharField(source="item.code")
    item_name = serializers.CharField(source="item.name")
    updated_at = serializers.DateTimeField()


def draft_output(draft: ApplicationDraft) -> dict[str, Any]:
    return dict(DraftOutputSerializer(draft).data)


class DraftListApi(_Citizen):
    @extend_schema(responses={200: DraftBriefSerializer(many=True)}, summary="本人的网上申请草稿")
    def get(self, request: Request) -> Response:
        return Response(DraftBriefSerializer(drafts_of(self.citizen)[:100], many=True).data)


class DraftApi(_Citizen):
    @extend_schema(responses={200: DraftOutputSerializer}, summary="某事项的草稿（没有时 404）")
    def get(self, request: Request, item: str) -> Response:
        return Response(draft_output(draft_get(citizen=self.citizen, item_code=item)))

    @extend_schema(
        request=DraftInputSerializer,
        responses={200: DraftOutputSerializer},
        summary="保存某事项的草稿（整体替换；提交申请后自动删除）",
    )
    def put(self, request: Request, item: str) -> Response:
        found = draft_item(item)
        data = DraftInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        draft = draft_save(
            citizen=self.citizen,
            item=found,
            point=v["point"],
            situation=v["situation"],
            form=v["form"],
            materials=v["materials"],
            commitments=v["commitments"],
            delivery=v["delivery"],
        )
        return Response(draft_output(draft))

    @extend_schema(responses={204: None}, summary="放弃某事项的草稿")
    def delete(self, request: Request, item: str) -> Response:
        draft = draft_get(citizen=self.citizen, item_code=item)
        draft_discard(citizen=self.citizen, item=draft.item)
        return Response(status=status.HTTP_204_NO_CONTENT)
