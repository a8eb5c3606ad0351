from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from oauth2_provider import views as oauth_views

from yichuang.cases.urls import application_urlpatterns, postcheck_urlpatterns, track_urlpatterns
from yichuang.catalog import api as catalog_api
from yichuang.common.loginpace import admin_login_form
from yichuang.documents.urls import verify_urlpatterns
from yichuang.notify import api as notify_api
from yichuang.org import api as org_api
from yichuang.payments.api import PaymentNotifyApi

admin.site.site_header = _("一窗 · 基层政务服务平台管理")
admin.site.site_title = _("一窗管理")
admin.site.index_title = _("管理首页")
admin.site.login_form = admin_login_form()  # slowed like the login page (common.loginpace)

api_v1: list[URLPattern | URLResolver] = [
    path("auth/token/", org_api.TokenObtainApi.as_view(), name="auth-token"),
    path("auth/logout/", org_api.LogoutApi.as_view(), name="auth-logout"),
    path("me/", org_api.MeApi.as_view(), name="me"),
    path("points/", org_api.PointListApi.as_view(), name="point-list"),
    path("items/", catalog_api.ItemListApi.as_view(), name="item-list"),
    path("items/<str:code>/", catalog_api.ItemDetailApi.as_view(), name="item-detail"),
    path("bundles/", catalog_api.BundleListApi.as_view(), name="bundle-list"),
    path("calendar/", include("yichuang.workdays.urls")),
    path("notifications/", include("yichuang.notify.urls")),
    path("notices/", notify_api.NoticeListApi.as_view(), name="notice-list"),
    path("notices/<int:pk>/read/", notify_api.NoticeReadApi.as_view(), name="notice-read"),
    path("files/", include("yichuang.files.urls")),
    path("citizen/", include("yichuang.citizens.urls")),
    path("cases/", include("yichuang.cases.urls")),
    path("documents/", include("yichuang.documents.urls")),
    path("handovers/", include("yichuang.handover.urls")),
    path("track/", include(track_urlpatterns)),
    path("applications/", include(application_urlpatterns)),
    path("postchecks/", include(postcheck_urlpatterns)),
    path("licenses/", include("yichuang.licenses.urls")),
    path("hotline/", include("yichuang.hotline.urls")),
    path("", include("yichuang.ratings.urls")),
    path("stats/", include("yichuang.stats.urls")),
    path("queue/", include("yichuang.queue.urls")),
    path("audit/", include("yichuang.audit.urls")),
    path("payments/notify/", PaymentNotifyApi.as_view(), name="payment-notify"),
    # Other systems, with OAuth2 client-credentials tokens from /o/token/ (integrations)
    path("system/", include("yichuang.integrations.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include((api_v1, "api"), namespace="v1")),
    # OAuth2 for other systems: the token endpoint (client credentials) and revocation only
    path("o/token/", oauth_views.TokenView.as_view(), name="oauth2-token"),
    path("o/revoke_token/", oauth_views.RevokeTokenView.as_view(), name="oauth2-revoke"),
    path("queue/", include("yichuang.queue.page_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (CSP)
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    *verify_urlpatterns,
    # delivery receipts pushed by the SMS platforms (docs/sms.md); the secret token is in the address
    path("hooks/sms/", include("yichuang.notify.callbacks")),
    # the pages (citizens, kiosk, staff): last, so that they never shadow the API or the admin
    path("", include("yichuang.web.urls")),
]

handler404 = "yichuang.common.errors.handler404"
handler500 = "yichuang.common.errors.handler500"
