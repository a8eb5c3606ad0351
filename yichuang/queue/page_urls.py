"""The hall's pages: ``/queue/<point code>/kiosk/``, ``…/board/``, ``…/book/`` and the clerk's panel."""

from django.contrib.auth import views as auth_views
from django.urls import path

from yichuang.queue import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="queue-login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="queue-login"), name="queue-logout"),
    path("panel/", views.panel, name="queue-panel"),
    path("<str:code>/kiosk/", views.kiosk, name="queue-kiosk"),
    path("<str:code>/board/", views.board, name="queue-board-page"),
    path("<str:code>/book/", views.book, name="queue-book"),
]
