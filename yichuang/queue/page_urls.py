"""The hall's pages: ``/queue/<point code>/kiosk/``, ``…/board/``, ``…/book/``, the list of points that
take appointments, and the clerk's calling panel (login through the web app's page)."""

from django.urls import path

from yichuang.queue import views

urlpatterns = [
    path("panel/", views.panel, name="queue-panel"),
    path("book/", views.book_points, name="queue-book-points"),
    path("<str:code>/kiosk/", views.kiosk, name="queue-kiosk"),
    path("<str:code>/board/", views.board, name="queue-board-page"),
    path("<str:code>/book/", views.book, name="queue-book"),
]
