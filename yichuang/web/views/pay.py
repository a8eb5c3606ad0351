"""The demo's cashier (统一公共支付演示收银台): what the province's payment platform shows a payer.
Paying sends the signed notification through the same callback a real platform calls."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from rest_framework import exceptions

from yichuang.payments.api import PAY_SALT
from yichuang.payments.models import PaymentOrder
from yichuang.payments.services import demo_pay
from yichuang.web.views.common import problem_from

#: A cashier's link lasts a day.
MAX_AGE = 24 * 3600


def pay_demo(request: HttpRequest, token: str) -> HttpResponse:
    try:
        number = signing.loads(token, salt=PAY_SALT, max_age=MAX_AGE)
    except signing.BadSignature as exc:
        raise Http404(_("缴费链接无效或已过期。")) from exc
    order = PaymentOrder.objects.select_related("case__item").filter(number=number).first()
    if order is None:
        raise Http404(_("缴费链接无效或已过期。"))
    context: dict[str, Any] = {"order": order, "token": token}
    if request.method == "POST":
        try:
            demo_pay(order=order)
        except exceptions.APIException as exc:
            problem = problem_from(exc)
            context["problem"] = problem
            return render(request, "web/pay/demo.html", context, status=problem.status)
        messages.success(request, _("缴费成功：%(amount)s 元。") % {"amount": order.amount_yuan})
        return redirect("web:pay-demo", token=token)
    return render(request, "web/pay/demo.html", context)
