"""The framework's floor: a bare DRF view behind Bearer token authentication that reads one row
with the ORM (a service point by its code) and answers it as JSON. What any authenticated API
request of a Django + DRF app on this machine costs at least: the WSGI handler, DRF's request and
response, the token lookup (one query: token and user), one query, a JSON answer.
Benchmarks only (``floor_settings``)."""

from typing import Any

from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from yichuang.org.models import ServicePoint


class Floor(APIView):
    def get(self, request: Request, code: str) -> Response:
        point: Any = ServicePoint.objects.filter(code=code).values("code", "name", "kind").first()
        return Response(point, status=200 if point else 404)


urlpatterns = [path("floor/<str:code>/", Floor.as_view())]
