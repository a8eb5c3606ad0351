"""HTTP API of the licence register: a window looks up what an applicant already holds (免证办)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yichuang.common.identity import mask_resident_id, mask_uscc, validate_resident_id, validate_uscc
from yichuang.licenses.models import License
from yichuang.licenses.selectors import licenses_of_holder


class CertificateRowSerializer(serializers.Serializer[Any]):
    label = serializers.CharField()  # type: ignore[assignment]  # a declared field, off the class
    value = serializers.CharField()


class LicenseOutputSerializer(serializers.Serializer[Any]):
    number = serializers.CharField()
    type = serializers.CharField(source="license_type.code")
    type_name = serializers.CharField(source="license_type.name")
    holder_name = serializers.CharField()
    holder_id_number = serializers.SerializerMethodField(help_text="已脱敏")
    issuer = serializers.CharField()
    issued_at = serializers.DateTimeField()
    valid_from = serializers.DateField()
    valid_until = serializers.DateField(allow_null=True, help_text="空表示长期有效")
    status = serializers.CharField(help_text="valid 有效 | revoked 已注销（如原决定被撤销）")
    revoked_at = serializers.DateTimeField(allow_null=True)
    revoke_reason = serializers.CharField()
    in_force = serializers.SerializerMethodField()
    case = serializers.CharField(source="source_case.number", allow_null=True, default=None)
    # DRF's metaclass moves declared fields off the class, so this name does not shadow .fields.
    fields = CertificateRowSerializer(  # type: ignore[assignment]
        many=True, help_text="证照内容：证照上印制的各栏（栏目名称、内容），与纸质证照一致；证件号码已脱敏"
    )

    def get_holder_id_number(self, obj: License) -> str:
        masked = mask_resident_id if obj.holder_kind == "person" else mask_uscc
        return masked(obj.holder_id_number)

    def get_in_force(self, obj: License) -> bool:
        return obj.in_force(timezone.localdate())


class LicenseLookupSerializer(serializers.Serializer[Any]):
    id_number = serializers.CharField(max_length=30, help_text="居民身份证号或统一社会信用代码")


def _normalise(id_number: str) -> str:
    for check in (validate_resident_id, validate_uscc):
        try:
            return check(id_number)
        except DjangoValidationError:
            continue
    raise exceptions.ValidationError({"id_number": [_("证件号码校验未通过，请核对。")]})


class LicenseLookupApi(APIView):
    """A POST, so the ID number stays out of URLs and logs."""

    @extend_schema(
        request=LicenseLookupSerializer,
        responses={200: LicenseOutputSerializer(many=True)},
        summary="查询申请人持有的电子证照 (免证办)",
    )
    def post(self, request: Request) -> Response:
        data = LicenseLookupSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rows: Any = licenses_of_holder(holder_id_number=_normalise(data.validated_data["id_number"]))[:100]
        return Response(LicenseOutputSerializer(rows, many=True).data)
