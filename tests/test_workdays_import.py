"""Staff type in next year's official schedule (2027 is not in the package) from CSV or Excel."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from yichuang.workdays.calendar import UncoveredYearWarning, add_workdays, is_workday, uncovered_years
from yichuang.workdays.importing import parse_schedule
from yichuang.workdays.models import CalendarDay, DayKind, ScheduleYear, Source
from yichuang.workdays.services import ScheduleImportError, holidays_import, holidays_sync_from_package
from yichuang.workdays.testing import fresh_calendar  # noqa: F401

pytestmark = pytest.mark.django_db

D = dt.date

# A plausible 2027 Spring Festival (除夕 is Friday 2027-02-05): 5–11 February off, two make-up days.
SPRING_2027 = [
    ("2027-02-05", "休", "春节"),
    ("2027-02-06", "休", "春节"),
    ("2027-02-07", "休", "春节"),
    ("2027-02-08", "休", "春节"),
    ("2027-02-09", "休", "春节"),
    ("2027-02-10", "休", "春节"),
    ("2027-02-11", "休", "春节"),
    ("2027-02-13", "班", "春节"),
    ("2027-02-20", "班", "春节"),
]


def csv_bytes(rows: list[tuple[str, ...]], header: tuple[str, ...] = ("日期", "类型", "名称")) -> bytes:
    lines = [",".join(header)] + [",".join(row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def xlsx_bytes(rows: list[tuple[object, ...]], header: tuple[str, ...] = ("日期", "类型", "名称")) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def stored_2027() -> int:
    return CalendarDay.objects.filter(date__year=2027).count()


# -- importing changes the arithmetic ------------------------------------------------------------


def test_a_2027_csv_turns_weekend_only_counting_into_the_official_schedule() -> None:
    with pytest.warns(UncoveredYearWarning):
        assert add_workdays(D(2027, 2, 4), 1) == D(2027, 2, 5)

    report = holidays_import(content=csv_bytes(SPRING_2027), year=2027)

    assert (report.year, report.days, report.replaced) == (2027, 9, 0)
    assert ScheduleYear.objects.get(year=2027).source == Source.IMPORT
    assert uncovered_years(D(2027, 1, 1), D(2027, 12, 31)) == []
    assert add_workdays(D(2027, 2, 4), 1) == D(2027, 2, 12)
    assert add_workdays(D(2027, 2, 12), 1) == D(2027, 2, 13)  # the make-up Saturday
    assert is_workday(D(2027, 2, 20))


def test_a_2027_xlsx_with_real_excel_dates_works_the_same() -> None:
    rows = [(dt.datetime.fromisoformat(d), kind, name) for d, kind, name in SPRING_2027]
    holidays_import(content=xlsx_bytes(rows))
    assert CalendarDay.objects.filter(date__year=2027, source=Source.IMPORT).count() == 9
    assert add_workdays(D(2027, 2, 4), 1) == D(2027, 2, 12)


def test_english_kinds_chinese_dates_and_a_note_column_are_understood() -> None:
    rows = [("2027年10月1日", "holiday", "国庆节", "国办发明电"), ("2027/9/26", "workday", "国庆节", "")]
    holidays_import(content=csv_bytes(rows, header=("日期", "类型", "名称", "备注")))
    day = CalendarDay.objects.get(date=D(2027, 10, 1))
    assert (day.kind, day.name, day.note) == (DayKind.HOLIDAY, "国庆节", "国办发明电")
    assert CalendarDay.objects.get(date=D(2027, 9, 26)).kind == DayKind.WORKDAY


def test_a_gb18030_csv_from_chinese_excel_is_read() -> None:
    content = "日期,类型,名称\n2027-01-01,休,元旦\n".encode("gb18030")
    holidays_import(content=content, year=2027)
    assert CalendarDay.objects.get(date=D(2027, 1, 1)).name == "元旦"


def test_importing_a_year_again_replaces_its_previous_entries() -> None:
    holidays_import(content=csv_bytes(SPRING_2027), year=2027)
    CalendarDay.objects.create(date=D(2027, 5, 3), kind=DayKind.HOLIDAY, name="劳动节", source=Source.ADMIN)

    report = holidays_import(content=csv_bytes([("2027-01-01", "休", "元旦")]), year=2027)

    assert report.replaced == 10
    assert list(CalendarDay.objects.filter(date__year=2027).values_list("date", flat=True)) == [D(2027, 1, 1)]


def test_an_imported_package_year_is_not_overwritten_by_a_later_sync() -> None:
    holidays_import(content=csv_bytes([("2026-02-16", "休", "春节")]), year=2026)
    report = holidays_sync_from_package()
    assert 2026 in report.years_skipped
    assert CalendarDay.objects.filter(date__year=2026).count() == 1


# -- a bad file stores nothing -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("2027-02-05", "休", "春节"), ("2027-02-30", "休", "春节")], "第3行：日期“2027-02-30”无效"),
        ([("2027-02-05", "放个假", "春节")], "第2行：类型“放个假”无效"),
        (
            [("2027-02-05", "休", "春节"), ("2027-02-06", "休", "春节"), ("2027-02-05", "班", "春节")],
            "第4行：日期 2027-02-05 与第2行重复",
        ),
        (
            [("2027-02-05", "休", "春节"), ("2028-01-01", "休", "元旦")],
            "第3行：日期 2028-01-01 不属于 2027 年",
        ),
    ],
    ids=["bad-date", "bad-kind", "duplicate-date", "wrong-year"],
)
def test_a_bad_row_is_reported_with_its_row_number_and_nothing_is_stored(
    rows: list[tuple[str, ...]], message: str
) -> None:
    with pytest.raises(ScheduleImportError) as refused:
        holidays_import(content=csv_bytes(rows), year=2027)
    assert any(message in error for error in refused.value.errors), refused.value.errors
    assert stored_2027() == 0
    assert not ScheduleYear.objects.filter(year=2027).exists()


def test_a_failed_file_leaves_the_previous_import_untouched() -> None:
    holidays_import(content=csv_bytes(SPRING_2027), year=2027)
    with pytest.raises(ScheduleImportError):
        holidays_import(content=csv_bytes([("2027-01-01", "休", "元旦"), ("bad", "休", "")]), year=2027)
    assert stored_2027() == 9


def test_every_bad_row_is_listed_at_once() -> None:
    parsed = parse_schedule(csv_bytes([("x", "休", ""), ("2027-01-01", "?", ""), ("2027-01-02", "班", "")]))
    assert [e[:3] for e in parsed.errors] == ["第2行", "第3行"]


def test_a_file_without_the_date_and_kind_columns_is_refused() -> None:
    parsed = parse_schedule(csv_bytes([("2027-01-01", "休")], header=("day", "what")))
    assert parsed.errors == ["第1行（表头）缺少列：日期、类型。表头应为：日期, 类型, 名称"]


def test_a_file_spanning_two_years_needs_to_be_split() -> None:
    parsed = parse_schedule(csv_bytes([("2026-12-31", "休", ""), ("2027-01-01", "休", "")]))
    assert "多个年度" in parsed.errors[0]


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04not really a zip", "日期,类型,名称\n".encode()])
def test_empty_or_damaged_files_are_refused_in_chinese(content: bytes) -> None:
    with pytest.raises(ScheduleImportError) as refused:
        holidays_import(content=content)
    assert refused.value.errors and all("文件" in e or "Excel" in e for e in refused.value.errors)


def test_a_bad_row_in_an_xlsx_is_numbered_as_excel_shows_it() -> None:
    content = xlsx_bytes(
        [(dt.datetime(2027, 1, 1), "休", "元旦"), (None, None, None), ("2027-13-01", "休", "")]
    )
    with pytest.raises(ScheduleImportError) as refused:
        holidays_import(content=content, year=2027)
    assert refused.value.errors == ["第4行：日期“2027-13-01”无效，应为 YYYY-MM-DD。"]


# -- the commands --------------------------------------------------------------------------------


def test_the_import_command_stores_a_year(tmp_path: Path) -> None:
    file = tmp_path / "2027.csv"
    file.write_bytes(csv_bytes(SPRING_2027))
    out = io.StringIO()
    call_command("import_holidays", str(file), "--year", "2027", "--published", "2026-11-20", stdout=out)
    assert "已导入 2027 年节假日安排 9 条" in out.getvalue()
    assert ScheduleYear.objects.get(year=2027).published == D(2026, 11, 20)


def test_the_import_command_fails_loudly_with_row_numbers(tmp_path: Path) -> None:
    file = tmp_path / "2027.xlsx"
    file.write_bytes(xlsx_bytes([("2027-02-05", "休", "春节"), ("2027-02-05", "休", "春节")]))
    with pytest.raises(CommandError, match="第3行：日期 2027-02-05 与第2行重复"):
        call_command("import_holidays", str(file), "--year", "2027")
    assert stored_2027() == 0


def test_the_sync_command_is_idempotent() -> None:
    out = io.StringIO()
    call_command("sync_holidays", stdout=out)
    assert "新增 0 条，更新 0 条，删除 0 条" in out.getvalue()


# -- the admin -----------------------------------------------------------------------------------


def test_staff_upload_a_schedule_in_the_admin(admin_client) -> None:  # type: ignore[no-untyped-def]
    url = reverse("admin:workdays_calendarday_import")
    assert admin_client.get(url).status_code == 200
    upload = io.BytesIO(xlsx_bytes(list(SPRING_2027)))
    upload.name = "2027.xlsx"
    response = admin_client.post(url, {"file": upload, "year": "2027"})
    assert response.status_code == 302
    assert stored_2027() == 9


def test_an_admin_upload_with_errors_shows_them_and_stores_nothing(admin_client) -> None:  # type: ignore[no-untyped-def]
    upload = io.BytesIO(csv_bytes([("2027-02-05", "周末", "春节")]))
    upload.name = "2027.csv"
    response = admin_client.post(reverse("admin:workdays_calendarday_import"), {"file": upload})
    assert response.status_code == 200
    assert "第2行：类型“周末”无效" in response.content.decode()
    assert stored_2027() == 0


def test_an_admin_edit_claims_its_year_from_the_package(admin_client) -> None:  # type: ignore[no-untyped-def]
    day = CalendarDay.objects.get(date=D(2025, 10, 8))
    response = admin_client.post(
        reverse("admin:workdays_calendarday_change", args=[day.pk]),
        {"date": "2025-10-08", "kind": "holiday", "name": "中秋节", "note": "改名"},
    )
    assert response.status_code == 302
    day.refresh_from_db()
    assert (day.name, day.source) == ("中秋节", Source.ADMIN)
    assert ScheduleYear.objects.get(year=2025).source == Source.ADMIN
    assert 2025 in holidays_sync_from_package().years_skipped


def test_days_typed_in_for_a_year_not_yet_marked_covered_do_not_count(admin_client) -> None:  # type: ignore[no-untyped-def]
    response = admin_client.post(
        reverse("admin:workdays_calendarday_add"), {"date": "2027-02-05", "kind": "holiday", "name": "春节"}
    )
    assert response.status_code == 302
    with pytest.warns(UncoveredYearWarning):
        assert is_workday(D(2027, 2, 5))  # half a schedule never passes for a whole one

    response = admin_client.post(
        reverse("admin:workdays_scheduleyear_add"), {"year": "2027", "note": "国办发明电"}
    )
    assert response.status_code == 302
    assert ScheduleYear.objects.get(year=2027).source == Source.ADMIN
    assert not is_workday(D(2027, 2, 5))


def test_the_admin_lists_filter_by_year_kind_and_source(admin_client) -> None:  # type: ignore[no-untyped-def]
    url = reverse("admin:workdays_calendarday_changelist")
    response = admin_client.get(
        url, {"year": "2025", "kind": "workday", "source": "chinesecalendar", "q": "春节"}
    )
    assert response.status_code == 200
    assert response.context["cl"].result_count == 2  # 2025-01-26 and 2025-02-08
    assert admin_client.get(reverse("admin:workdays_scheduleyear_changelist")).status_code == 200
