from django.urls import path

from yichuang.hotline import api, stats_api

urlpatterns = [
    path("tickets/", api.TicketListCreateApi.as_view(), name="hotline-ticket-list"),
    path("tickets/<str:number>/", api.TicketDetailApi.as_view(), name="hotline-ticket-detail"),
    path(
        "tickets/<str:number>/actions/<str:action>/",
        api.TicketActionApi.as_view(),
        name="hotline-ticket-action",
    ),
    path("tickets/<str:number>/contact/", api.TicketContactApi.as_view(), name="hotline-ticket-contact"),
    path("categories/", api.CategoryListApi.as_view(), name="hotline-category-list"),
    path("stats/", stats_api.StatsApi.as_view(), name="hotline-stats"),
]
