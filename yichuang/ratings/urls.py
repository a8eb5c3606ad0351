from django.urls import path

from yichuang.ratings import api

urlpatterns = [
    path("ratings/", api.RatingListApi.as_view(), name="rating-list"),
    path("ratings/figures/", api.RatingFiguresApi.as_view(), name="rating-figures"),
    path("ratings/<int:pk>/appeal/", api.RatingAppealApi.as_view(), name="rating-appeal"),
    path("appeals/<int:pk>/actions/<str:action>/", api.AppealActionApi.as_view(), name="appeal-action"),
    path("rectifications/", api.RectificationListApi.as_view(), name="rectification-list"),
    path(
        "rectifications/<int:pk>/actions/<str:action>/",
        api.RectificationActionApi.as_view(),
        name="rectification-action",
    ),
    path("track/<str:number>/rating/", api.RateApi.as_view(), name="track-rating"),
]
