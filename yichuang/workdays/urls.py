"""Calendar routes, mounted under ``/api/v1/calendar/`` in the ``v1`` namespace."""

from django.urls import URLPattern, path

from yichuang.workdays import api

urlpatterns: list[URLPattern] = [
    path("workdays/add/", api.WorkdaysAddApi.as_view(), name="workdays-add"),
    path("workdays/between/", api.WorkdaysBetweenApi.as_view(), name="workdays-between"),
    path("days/", api.CalendarDaysApi.as_view(), name="calendar-days"),
]
