from django.urls import path

from yichuang.cases import api, bundle_api, postcheck_api
from yichuang.delivery.api import WaybillApi
from yichuang.payments.api import CasePaymentApi

urlpatterns = [
    path("", api.CaseListCreateApi.as_view(), name="case-list"),
    path("<str:number>/", api.CaseDetailApi.as_view(), name="case-detail"),
    path("<str:number>/actions/<str:action>/", api.CaseActionApi.as_view(), name="case-action"),
    path("<str:number>/waybill/", WaybillApi.as_view(), name="case-waybill"),
    path("<str:number>/payment/", CasePaymentApi.as_view(), name="case-payment"),
]

track_urlpatterns = [
    path("<str:number>/", api.TrackApi.as_view(), name="track"),
]

application_urlpatterns = [
    path("", bundle_api.ApplicationListCreateApi.as_view(), name="application-list"),
    path("<str:number>/", bundle_api.ApplicationDetailApi.as_view(), name="application-detail"),
]

postcheck_urlpatterns = [
    path("", postcheck_api.PostCheckListApi.as_view(), name="postcheck-list"),
    path("<str:number>/", postcheck_api.PostCheckDetailApi.as_view(), name="postcheck-detail"),
    path("<str:number>/outcome/", postcheck_api.PostCheckOutcomeApi.as_view(), name="postcheck-outcome"),
]
