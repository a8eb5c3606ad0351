"""The 12345 hotline in the Chinese admin: the category tree, routing rules, and tickets.

The ticket add page is the operator's intake form (登记) until the staff pages exist: it calls the
same service as the API. A ticket's page is read-only: it moves only through the workflow.
Caller numbers are shown masked everywhere here.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import APIException, ValidationError

from yichuang.common.identity import mask_name, mask_phone
from yichuang.hotline import services
from yichuang.hotline.models import (
    CallerContactAccess,
    Category,
    RoutingRule,
    Ticket,
    TicketChannel,
    TicketEvent,
    TicketSource,
    TicketStatus,
    TimeLimit,
)
from yichuang.hotline.selectors import route_for
from yichuang.org.models import Department, ServicePoint
from yichuang.org.units import Unit


class ChildInline(admin.TabularInline[Category, Category]):
    model = Category
    fk_name = "parent"
    extra = 0
    fields = ["code", "name", "time_limit", "order", "active"]
    show_change_link = True


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = ["code", "name", "parent", "time_limit", "effective_limit", "order", "active"]
    list_filter = ["active", "time_limit"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent__parent__parent"]
    inlines = [ChildInline]
    list_per_page = 100

    @admin.display(description=_("实际时限"))
    def effective_limit(self, obj: Category) -> str:
        return str(TimeLimit(obj.effective_time_limit()).label)


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin[RoutingRule]):
    list_display = ["region", "category", "unit_label", "priority", "active", "note"]
    list_filter = ["active", "region__level", "category__parent"]
    search_fields = [
        "region__name",
        "region__code",
        "category__name",
        "category__code",
        "department__name",
        "point__name",
    ]
    autocomplete_fields = ["category", "region", "department", "point"]
    list_select_related = ["region", "category", "department", "point"]

    @admin.display(description=_("承办单位"))
    def unit_label(self, obj: RoutingRule) -> str:
        return obj.unit_name


class IntakeForm(forms.ModelForm[Ticket]):
    """登记 by an operator: the same checks as the API, because it calls the same service."""

    urgent = forms.BooleanField(label=_("紧急（2小时时限）"), required=False)
    dispatch_now = forms.BooleanField(
        label=_("登记后立即派单"),
        required=False,
        initial=True,
        help_text=_("派给下面指定的单位；不指定时按派单规则。"),
    )
    department = forms.ModelChoiceField(
        label=_("承办部门"), queryset=Department.objects.all(), required=False
    )
    point = forms.ModelChoiceField(
        label=_("承办服务点"), queryset=ServicePoint.objects.filter(active=True), required=False
    )
    case_number = forms.CharField(
        label=_("涉及办件编号"),
        required=False,
        max_length=24,
        help_text=_("工单反映的办件（限本人可见范围）。"),
    )
    staff_username = forms.CharField(
        label=_("被反映工作人员"), required=False, max_length=150, help_text=_("工作人员的用户名。")
    )
    confidential = forms.NullBooleanField(
        label=_("为来电人保密"),
        required=False,
        widget=forms.NullBooleanSelect,
        help_text=_("未知：举报件保密，其他不保密。"),
    )

    class Meta:
        model = Ticket
        fields = [
            "type",
            "category",
            "region",
            "source",
            "channel",
            "caller_name",
            "caller_phone",
            "title",
            "content",
            "address",
        ]

    def __init__(self, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.created: Ticket | None = None
        self.fields["channel"].initial = TicketChannel.PHONE
        # A form that predates the field (or a browser that omits it) means the 12345 line.
        self.fields["source"].required = False
        self.fields["source"].initial = TicketSource.HOTLINE_12345
        self.fields["category"].queryset = Category.objects.filter(active=True)  # type: ignore[attr-defined]

    def _post_clean(self) -> None:
        """Register the ticket through the service (inside the admin's transaction); its errors
        become the form's errors, so nothing is stored half-way and nothing answers 500."""
        if self.errors or self.request is None:
            return
        data = self.cleaned_data
        if data.get("department") and data.get("point"):
            self.add_error("point", _("承办部门和承办服务点只能填一个。"))
            return
        target = None
        if data.get("department"):
            target = Unit(department=data["department"])
        elif data.get("point"):
            target = Unit(point=data["point"])
        try:
            with transaction.atomic():
                case, subject_staff = services.ticket_subject(
                    actor=self.request.user,  # type: ignore[arg-type]
                    case_number=data.get("case_number", ""),
                    staff_username=data.get("staff_username", ""),
                )
                self.created = services.ticket_create(
                    actor=self.request.user,  # type: ignore[arg-type]
                    type=data["type"],
                    category=data["category"],
                    region=data["region"],
                    title=data["title"],
                    content=data["content"],
                    caller_name=data.get("caller_name", ""),
                    caller_phone=data["caller_phone"],
                    address=data.get("address", ""),
                    channel=data.get("channel") or TicketChannel.PHONE,
                    source=data.get("source") or TicketSource.HOTLINE_12345,
                    case=case,
                    subject_staff=subject_staff,
                    urgent=bool(data.get("urgent")),
                    confidential=data.get("confidential"),
                    dispatch=bool(data.get("dispatch_now")),
                    target=target,
                )
        except ValidationError as exc:
            detail: dict[str, Any] = exc.detail if isinstance(exc.detail, dict) else {"": exc.detail}
            for name, problems in detail.items():
                field = name if name in self.fields else None
                for problem in problems if isinstance(problems, list) else [problems]:
                    self.add_error(field, str(problem))
        except APIException as exc:
            fields = getattr(exc, "fields", {}) or {}
            self.add_error(None, str(exc.detail))
            aliases = {"case": "case_number", "staff": "staff_username"}
            for name, problems in fields.items():
                name = aliases.get(name, name)
                if name in self.fields:
                    for problem in problems:
                        self.add_error(name, str(problem))


class EventInline(admin.TabularInline[TicketEvent, Ticket]):
    model = TicketEvent
    extra = 0
    can_delete = False
    fields = ("at", "action", "actor_name", "from_status", "to_status", "note")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin[Ticket]):
    list_display = [
        "number",
        "type",
        "source",
        "category",
        "status",
        "region",
        "responsible",
        "due_at",
        "masked_caller",
    ]
    list_filter = ["status", "source", "type", "time_limit", "channel"]
    search_fields = ["number", "title"]
    list_select_related = ["category", "region", "responsible_department", "responsible_point"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["category", "region"]
    actions = ["dispatch_by_rules"]
    inlines = [EventInline]

    @admin.display(description=_("来电人"))
    def masked_caller(self, obj: Ticket) -> str:
        return f"{mask_name(obj.caller_name)} {mask_phone(obj.caller_phone)}".strip()

    @admin.display(description=_("责任单位"))
    def responsible(self, obj: Ticket) -> str:
        unit = obj.responsible_unit
        return unit.name if unit else str(_("12345热线"))

    @admin.display(description=_("建议承办单位"))
    def suggested_unit(self, obj: Ticket) -> str:
        rule = route_for(category=obj.category, region=obj.region)
        return rule.unit_name if rule else str(_("无适用的派单规则"))

    @admin.display(description=_("整改"))
    def rectifications_list(self, obj: Ticket) -> str:
        rows = obj.rectifications.select_related("owner_department", "owner_point").order_by(
            "created_at", "id"
        )
        lines = []
        for row in rows:
            unit = row.owner_department or row.owner_point
            lines.append(f"{unit.name if unit else ''} {row.get_status_display()} {row.due_date:%Y-%m-%d}")
        return "；".join(lines) or "—"

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = IntakeForm
            form_class = super().get_form(request, obj, change=change, **kwargs)

            class BoundIntakeForm(form_class):  # type: ignore[valid-type,misc]
                def __init__(self, *args: Any, **inner: Any) -> None:
                    super().__init__(*args, request=request, **inner)

            return BoundIntakeForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:  # type: ignore[override]
        if obj is None:
            return [
                "type",
                "category",
                "urgent",
                "region",
                "address",
                "source",
                "channel",
                "caller_name",
                "caller_phone",
                "confidential",
                "title",
                "content",
                "case_number",
                "staff_username",
                "dispatch_now",
                "department",
                "point",
            ]
        return [
            "number",
            "status",
            "type",
            "category",
            "time_limit",
            "source",
            "channel",
            "region",
            "address",
            "title",
            "content",
            "case",
            "subject_staff",
            "masked_caller",
            "confidential",
            "responsible",
            "assigned_department",
            "assigned_point",
            "suggested_unit",
            "created_at",
            "due_at",
            "dispatched_at",
            "accepted_at",
            "reply",
            "replied_at",
            "closed_at",
            "satisfaction",
            "revisit_note",
            "revisited_at",
            "rectifications_list",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        return self.get_fields(request, obj)

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[Any]:
        return [EventInline] if obj is not None else []

    def save_form(self, request: HttpRequest, form: ModelForm[Any], change: bool) -> Any:
        if not change and isinstance(form, IntakeForm) and form.created is not None:
            return form.created
        return super().save_form(request, form, change)

    def save_model(self, request: HttpRequest, obj: Ticket, form: ModelForm[Any], change: bool) -> None:
        """New tickets were saved by the service while the form was checked; a ticket is never
        edited here."""

    def save_related(self, request: HttpRequest, form: ModelForm[Any], formsets: Any, change: bool) -> None:
        """Nothing to save: events are written by the services."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False if obj is not None else super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("按派单规则派单（待派单的工单）"))
    def dispatch_by_rules(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> None:
        sent, failed = 0, []
        for ticket in queryset.filter(status=TicketStatus.REGISTERED).select_related("category", "region"):
            try:
                services.ticket_dispatch(ticket=ticket, actor=request.user)  # type: ignore[arg-type]
                sent += 1
            except APIException as exc:
                failed.append(f"{ticket.number}：{exc.detail}")
        if sent:
            self.message_user(request, _("已派单 %(n)d 件。") % {"n": sent}, messages.SUCCESS)
        for line in failed:
            self.message_user(request, line, messages.WARNING)


@admin.register(CallerContactAccess)
class CallerContactAccessAdmin(admin.ModelAdmin[CallerContactAccess]):
    list_display = ["at", "ticket", "actor", "purpose"]
    search_fields = ["ticket__number", "actor__username"]
    list_select_related = ["ticket", "actor"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
