from django.urls import path

from yichuang.queue import api, public_api

urlpatterns = [
    # public: the kiosk, the board, slots and bookings
    path("points/<str:code>/", public_api.PointQueueApi.as_view(), name="queue-point"),
    path("points/<str:code>/tickets/", public_api.KioskTicketApi.as_view(), name="queue-kiosk-ticket"),
    path("points/<str:code>/board/", public_api.BoardApi.as_view(), name="queue-board"),
    path("points/<str:code>/slots/", public_api.SlotListApi.as_view(), name="queue-slots"),
    path("bookings/", public_api.BookingCreateApi.as_view(), name="queue-booking-create"),
    path("bookings/<str:reference>/", public_api.BookingLookupApi.as_view(), name="queue-booking"),
    path(
        "bookings/<str:reference>/cancel/", public_api.BookingCancelApi.as_view(), name="queue-booking-cancel"
    ),
    path(
        "bookings/<str:reference>/check-in/",
        public_api.BookingCheckInApi.as_view(),
        name="queue-booking-check-in",
    ),
    # staff
    path("tickets/", api.TicketListCreateApi.as_view(), name="queue-ticket-list"),
    path("tickets/<int:pk>/", api.TicketDetailApi.as_view(), name="queue-ticket-detail"),
    path("tickets/<int:pk>/actions/<str:action>/", api.TicketActionApi.as_view(), name="queue-ticket-action"),
    path("windows/", api.WindowListApi.as_view(), name="queue-window-list"),
    path("windows/<int:pk>/", api.WindowDetailApi.as_view(), name="queue-window-detail"),
    path("windows/<int:pk>/call/", api.WindowCallApi.as_view(), name="queue-window-call"),
    path("appointments/", api.AppointmentListCreateApi.as_view(), name="queue-appointment-list"),
    path(
        "appointments/<str:reference>/", api.AppointmentDetailApi.as_view(), name="queue-appointment-detail"
    ),
    path(
        "appointments/<str:reference>/actions/<str:action>/",
        api.AppointmentActionApi.as_view(),
        name="queue-appointment-action",
    ),
    path("figures/", api.FiguresApi.as_view(), name="queue-figures"),
]
