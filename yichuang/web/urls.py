"""The pages: citizens (no login), the kiosk, and staff under ``/work/``."""

from django.urls import path

from yichuang.web.views import (
    auth,
    cases,
    citizen,
    citizen_apply,
    citizen_cases,
    dashboard,
    intake,
    kiosk,
    pay,
    public,
    uploads,
    work,
)

app_name = "web"

urlpatterns = [
    path("", public.home, name="home"),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("password/", auth.PasswordChangeView.as_view(), name="password-change"),
    # citizens
    path("guide/", public.guide_search, name="guide"),
    path("guide/<str:code>/", public.guide_detail, name="guide-item"),
    path("track/", public.track, name="track"),
    path("track/<str:number>/rating/", public.rate, name="rate"),
    path("verify-code/", public.verify_go, name="verify-go"),
    path("elder/", citizen.elder_toggle, name="elder"),
    # a citizen's own pages (掌上办), after sign-in by SMS code
    path("me/login/", citizen.citizen_login, name="citizen-login"),
    path("me/logout/", citizen.citizen_logout, name="citizen-logout"),
    path("me/identity/", citizen.my_identity, name="my-identity"),
    path("me/licences/", citizen.my_licences, name="my-licences"),
    path("me/cases/", citizen_cases.my_cases, name="my-cases"),
    path("me/cases/<str:number>/", citizen_cases.my_case, name="my-case"),
    path("me/cases/<str:number>/supplement/", citizen_cases.my_case_supplement, name="my-case-supplement"),
    path("me/cases/<str:number>/rating/", citizen_cases.my_case_rate, name="my-case-rate"),
    path("me/documents/<str:id>/", citizen_cases.my_document, name="my-document"),
    path("me/apply/<str:code>/", citizen_apply.apply_start, name="apply"),
    path("me/drafts/<int:pk>/discard/", citizen_apply.apply_discard, name="apply-discard"),
    path("me/drafts/<int:pk>/<str:step>/", citizen_apply.apply_step, name="apply-step"),
    path("pay/demo/<str:token>/", pay.pay_demo, name="pay-demo"),
    # the kiosk (自助一体机): the same pages in large print, no login
    path("kiosk/", kiosk.kiosk_home, name="kiosk"),
    path("kiosk/p/<str:code>/", kiosk.kiosk_point_home, name="kiosk-point"),
    path("kiosk/items/", kiosk.kiosk_items, name="kiosk-items"),
    path("kiosk/items/<str:code>/apply/", kiosk.kiosk_apply, name="kiosk-apply"),
    path("kiosk/signin/", kiosk.kiosk_signin, name="kiosk-signin"),
    path("kiosk/signout/", kiosk.kiosk_signout, name="kiosk-signout"),
    path("kiosk/mine/", kiosk.kiosk_mine, name="kiosk-mine"),
    path("kiosk/mine/<str:number>/receipt/", kiosk.kiosk_receipt, name="kiosk-receipt"),
    path("kiosk/licences/", kiosk.kiosk_licenses, name="kiosk-licenses"),
    path("kiosk/licences/<str:number>/", kiosk.kiosk_license_print, name="kiosk-license-print"),
    path("kiosk/verify/", kiosk.kiosk_verify, name="kiosk-verify"),
    path("kiosk/guide/", public.guide_search, {"kiosk": True}, name="kiosk-guide"),
    path("kiosk/guide/<str:code>/", public.guide_detail, {"kiosk": True}, name="kiosk-guide-item"),
    path("kiosk/track/", public.track, {"kiosk": True}, name="kiosk-track"),
    path("kiosk/track/<str:number>/rating/", public.rate, {"kiosk": True}, name="kiosk-rate"),
    # staff
    path("work/", work.work_home, name="work"),
    path("work/notices/<int:pk>/read/", work.notice_read, name="notice-read"),
    path("work/intake/", intake.intake_search, name="intake"),
    path("work/intake/item/<str:code>/", intake.intake_item, name="intake-item"),
    path("work/intake/bundle/<str:code>/", intake.intake_bundle, name="intake-bundle"),
    path("work/intake/licences/", intake.intake_licences, name="intake-licences"),
    path("work/upload/", uploads.upload, name="upload"),
    path("work/queue/", cases.queue, name="queue"),
    path("work/cases/<str:number>/", cases.case_detail, name="case"),
    path("work/cases/<str:number>/act/<str:action>/", cases.case_act, name="case-act"),
    path("work/cases/<str:number>/waybill/", cases.case_waybill, name="case-waybill"),
    path("work/cases/<str:number>/print/<str:paper>/", cases.case_print, name="case-print"),
    path("work/applications/<str:number>/", cases.application_detail, name="application"),
    path("work/dashboard/", dashboard.dashboard_page, name="dashboard"),
]
