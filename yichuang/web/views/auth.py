"""Login (django-axes counts the failures and locks the account for a while) and logout."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.urls import reverse_lazy

from yichuang.web.forms import LoginForm


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 400
        return response


class LogoutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]


class PasswordChangeView(auth_views.PasswordChangeView):
    """A member of staff changes his own password: every rule of ``AUTH_PASSWORD_VALIDATORS`` applies
    (history included), the session stays signed in, his API tokens are revoked (``org.tokens``)."""

    template_name = "web/password_change.html"
    success_url = reverse_lazy("web:work")

    def form_valid(self, form: Any) -> HttpResponse:
        from django.contrib import messages
        from django.utils.translation import gettext as _

        response = super().form_valid(form)
        messages.success(self.request, _("密码已修改。"))
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 400
        return response
