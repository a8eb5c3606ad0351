from django.urls import path

from yichuang.stats import api

urlpatterns = [
    path("dashboard/", api.DashboardApi.as_view(), name="stats-dashboard"),
    path("dashboard/export/", api.DashboardExportApi.as_view(), name="stats-dashboard-export"),
    path("assessment/", api.AssessmentApi.as_view(), name="stats-assessment"),
    path("assessment/export/", api.AssessmentExportApi.as_view(), name="stats-assessment-export"),
]
