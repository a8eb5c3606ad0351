"""Material file routes, mounted under ``/api/v1/files/`` in the ``v1`` namespace."""

from django.urls import URLPattern, path

from yichuang.files import api

urlpatterns: list[URLPattern] = [
    path("", api.FileUploadApi.as_view(), name="file-list"),
    path("<str:id>/", api.FileDetailApi.as_view(), name="file-detail"),
    path("<str:id>/content/", api.FileContentApi.as_view(), name="file-content"),
]
