from django.urls import path

from yichuang.handover import api

urlpatterns = [
    path("", api.HandoverListCreateApi.as_view(), name="handover-list"),
    path("candidates/", api.HandoverCandidatesApi.as_view(), name="handover-candidates"),
    path("<str:number>/", api.HandoverDetailApi.as_view(), name="handover-detail"),
    path("<str:number>/xlsx/", api.HandoverExportApi.as_view(), name="handover-xlsx"),
    path("<str:number>/actions/<str:action>/", api.HandoverActionApi.as_view(), name="handover-action"),
]
