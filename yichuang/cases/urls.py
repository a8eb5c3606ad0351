from django.urls import path

from yichuang.cases import api

urlpatterns = [
    path("", api.CaseListCreateApi.as_view(), name="case-list"),
    path("<str:number>/", api.CaseDetailApi.as_view(), name="case-detail"),
    path("<str:number>/actions/<str:action>/", api.CaseActionApi.as_view(), name="case-action"),
]

track_urlpatterns = [
    path("<str:number>/", api.TrackApi.as_view(), name="track"),
]
