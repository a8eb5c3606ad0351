from django.urls import path

from yichuang.audit import api

urlpatterns = [path("", api.AuditListApi.as_view(), name="audit-list")]
