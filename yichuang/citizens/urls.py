from django.urls import path

from yichuang.citizens import api, bundle_api, drafts_api
from yichuang.payments.api import CitizenPaymentApi

urlpatterns = [
    path("login/code/", api.LoginCodeApi.as_view(), name="citizen-login-code"),
    path("login/", api.LoginApi.as_view(), name="citizen-login"),
    path("logout/", api.LogoutApi.as_view(), name="citizen-logout"),
    path("identity/", api.IdentityApi.as_view(), name="citizen-identity"),
    path("me/", api.MeApi.as_view(), name="citizen-me"),
    path("applications/", api.ApplicationApi.as_view(), name="citizen-applications"),
    path(
        "bundle-applications/", bundle_api.BundleApplicationApi.as_view(), name="citizen-bundle-applications"
    ),
    path("cases/", api.CaseListApi.as_view(), name="citizen-case-list"),
    path("cases/<str:number>/", api.CaseDetailApi.as_view(), name="citizen-case-detail"),
    path("cases/<str:number>/supplement/", api.SupplementApi.as_view(), name="citizen-case-supplement"),
    path("cases/<str:number>/rating/", api.RatingApi.as_view(), name="citizen-case-rating"),
    path("cases/<str:number>/payment/", CitizenPaymentApi.as_view(), name="citizen-case-payment"),
    path("documents/<str:id>/content/", api.DocumentContentApi.as_view(), name="citizen-document"),
    path("licenses/", api.LicenseApi.as_view(), name="citizen-licenses"),
    path("drafts/", drafts_api.DraftListApi.as_view(), name="citizen-drafts"),
    path("drafts/<str:item>/", drafts_api.DraftApi.as_view(), name="citizen-draft"),
]
