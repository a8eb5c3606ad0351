"""Document routes: the API under ``/api/v1/documents/`` (``v1`` namespace) and the public verify page."""

from django.urls import URLPattern, path

from yichuang.documents import api, views

urlpatterns: list[URLPattern] = [
    path("<str:id>/", api.DocumentDetailApi.as_view(), name="document-detail"),
    path("<str:id>/content/", api.DocumentContentApi.as_view(), name="document-content"),
]

verify_urlpatterns: list[URLPattern] = [
    path("verify/<str:code>", views.verify, name="verify"),
    path("verify/<str:code>/", views.verify),
]
