"""The admin for the holiday calendar, in Chinese: edit single days, mark years, import a notice.

Every save and delete goes through ``services`` so an admin edit claims its year (a later package
sync leaves it alone) and the compiled calendar is rebuilt.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.db.models.functions import ExtractYear
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yichuang.workdays import services
from yichuang.workdays.importing import MAX_FILE_BYTES
from yichuang.workdays.models import CalendarDay, ScheduleYear


class YearListFilter(admin.SimpleListFilter):
    title = gettext_lazy("年度")
    parameter_name = "year"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        years = (
            CalendarDay.objects.annotate(y=ExtractYear("date"))
            .values_list("y", flat=True)
            .distinct()
            .order_by("-y")
        )
        return [(str(y), _("%(year)s年") % {"year": y}) for y in years]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(date__year=int(value))
        return queryset


class ScheduleImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("文件"), help_text=gettext_lazy("CSV 或 .xlsx，列：日期, 类型(休/班), 名称")
    )
    year = forms.IntegerField(
        label=gettext_lazy("年度"),
        required=False,
        min_value=1949,
        max_value=2200,
        help_text=gettext_lazy("填写后，文件中每一行都必须属于该年度"),
    )
    published = forms.DateField(label=gettext_lazy("发布日期"), required=False)
    note = forms.CharField(label=gettext_lazy("备注"), required=False, max_length=200)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("文件过大（超过 1 MB）。"))
        return upload


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin[CalendarDay]):
    list_display = ["date", "weekday", "kind", "name", "changes_count", "source", "note", "updated_at"]
    list_filter = [YearListFilter, "kind", "source"]
    search_fields = ["name", "note"]
    date_hierarchy = "date"
    readonly_fields = ["source", "created_at", "updated_at"]
    fields = ["date", "kind", "name", "note", "source", "created_at", "updated_at"]
    list_per_page = 100
    change_list_template = "admin/workdays/calendarday/change_list.html"

    @admin.display(description=gettext_lazy("星期"))
    def weekday(self, obj: CalendarDay) -> str:
        return obj.weekday_name

    @admin.display(description=gettext_lazy("影响计数"), boolean=True)
    def changes_count(self, obj: CalendarDay) -> bool:
        """False for a holiday on a weekend: listed for completeness, changes no deadline."""
        return obj.changes_count

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="workdays_calendarday_import",
            )
        ]
        return own + super().get_urls()

    def save_model(self, request: HttpRequest, obj: CalendarDay, form: Any, change: bool) -> None:
        previous = (
            CalendarDay.objects.filter(pk=obj.pk).values_list("date", flat=True).first() if change else None
        )
        services.calendar_day_save_by_admin(
            day=obj, previous_year=previous.year if previous else None, actor=request.user
        )
        if not ScheduleYear.objects.filter(year=obj.date.year).exists():
            self.message_user(
                request,
                _(
                    "%(year)s年尚未标记为已录入官方安排，仍仅按周末计算；录入完毕后请在“年度安排”中添加该年度。"
                )
                % {"year": obj.date.year},
                messages.WARNING,
            )

    def delete_model(self, request: HttpRequest, obj: CalendarDay) -> None:
        services.calendar_day_delete_by_admin(day=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[CalendarDay]) -> None:
        for day in queryset:
            services.calendar_day_delete_by_admin(day=day, actor=request.user)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a year's schedule; errors are listed per row and nothing is stored."""
        if not (
            self.has_add_permission(request)
            and self.has_change_permission(request)
            and self.has_delete_permission(request)
        ):
            raise PermissionDenied
        errors: list[str] = []
        if request.method == "POST":
            form = ScheduleImportForm(request.POST, request.FILES)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    report = services.holidays_import(
                        content=data["file"].read(),
                        year=data["year"],
                        published=data["published"],
                        note=data["note"],
                        actor=request.user,
                    )
                except services.ScheduleImportError as exc:
                    errors = exc.errors
                else:
                    self.message_user(
                        request,
                        _(
                            "已导入 %(year)s 年节假日安排 %(days)s 条（替换原有 %(replaced)s 条）；"
                            "%(recounted)s 件在办办件的办结期限已重新计算。"
                        )
                        % {
                            "year": report.year,
                            "days": report.days,
                            "replaced": report.replaced,
                            "recounted": report.recounted,
                        },
                        messages.SUCCESS,
                    )
                    url = reverse("admin:workdays_calendarday_changelist")
                    return HttpResponseRedirect(f"{url}?year={report.year}")
        else:
            form = ScheduleImportForm()
        context = {
            **self.admin_site.each_context(request),
            "title": _("导入年度节假日安排"),
            "form": form,
            "errors": errors,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/workdays/calendarday/import.html", context)


@admin.register(ScheduleYear)
class ScheduleYearAdmin(admin.ModelAdmin[ScheduleYear]):
    list_display = ["year", "source", "published", "note", "day_count", "updated_at"]
    list_filter = ["source"]
    search_fields = ["year", "note"]
    readonly_fields = ["source", "created_at", "updated_at"]
    fields = ["year", "published", "note", "source", "created_at", "updated_at"]

    @admin.display(description=gettext_lazy("调整天数"))
    def day_count(self, obj: ScheduleYear) -> int:
        return CalendarDay.objects.filter(date__year=obj.year).count()

    def save_model(self, request: HttpRequest, obj: ScheduleYear, form: Any, change: bool) -> None:
        services.schedule_year_save_by_admin(schedule=obj, actor=request.user)

    def delete_model(self, request: HttpRequest, obj: ScheduleYear) -> None:
        services.schedule_year_delete_by_admin(schedule=obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ScheduleYear]) -> None:
        for schedule in queryset:
            services.schedule_year_delete_by_admin(schedule=schedule, actor=request.user)
