"""Seed the calendar from the chinesecalendar package (2004 to its last year).

Only deviations from the ordinary week are stored (weekday holidays, working weekends); each
package year gets a ``ScheduleYear`` row so the arithmetic knows the year is covered. Later
package releases are picked up with ``yichuang sync_holidays``, which keeps imported and
admin-edited years untouched.
"""

from django.db import migrations


def seed(apps, schema_editor):
    from yichuang.workdays.package import package_deviations, package_years

    CalendarDay = apps.get_model("workdays", "CalendarDay")
    ScheduleYear = apps.get_model("workdays", "ScheduleYear")
    taken = set(CalendarDay.objects.values_list("date", flat=True))
    CalendarDay.objects.bulk_create(
        [
            CalendarDay(date=day.date, kind=day.kind, name=day.name, source="chinesecalendar")
            for day in package_deviations()
            if day.date not in taken
        ]
    )
    known = set(ScheduleYear.objects.values_list("year", flat=True))
    ScheduleYear.objects.bulk_create(
        [
            ScheduleYear(year=year, source="chinesecalendar", note="chinesecalendar 软件包")
            for year in package_years()
            if year not in known
        ]
    )


def unseed(apps, schema_editor):
    apps.get_model("workdays", "CalendarDay").objects.filter(source="chinesecalendar").delete()
    apps.get_model("workdays", "ScheduleYear").objects.filter(source="chinesecalendar").delete()


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
