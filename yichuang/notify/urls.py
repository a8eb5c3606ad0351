"""Outbox routes, mounted under ``/api/v1/notifications/`` in the ``v1`` namespace."""

from django.urls import URLPattern, path

from yichuang.notify.api import NotificationListApi

urlpatterns: list[URLPattern] = [
    path("", NotificationListApi.as_view(), name="notification-list"),
]
