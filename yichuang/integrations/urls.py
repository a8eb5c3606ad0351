from django.urls import path

from yichuang.integrations import api

urlpatterns = [
    path("cases/<str:number>/", api.SystemCaseApi.as_view(), name="system-case"),
    path("events/", api.EventListApi.as_view(), name="system-event-list"),
    path("events/<uuid:pk>/redeliver/", api.EventRedeliverApi.as_view(), name="system-event-redeliver"),
    path("subscriptions/", api.SubscriptionListApi.as_view(), name="system-subscription-list"),
]
