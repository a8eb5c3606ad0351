from django.urls import path

from yichuang.licenses import api

urlpatterns = [
    path("lookup/", api.LicenseLookupApi.as_view(), name="license-lookup"),
]
