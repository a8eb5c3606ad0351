"""The confirmation after 受理 and after an agent's 提交 (what happens next, where, by when), the 补正 form
only when a paper is owed, the printed names that match the sealed PDFs, the light's meaning, and the
dashboard's Chinese month pickers — without a browser (the browser walks are in test_pages_browser)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.test_web_pages import intake_form, page_for, scan, text
from tests.web_cast import make_case
from yichuang.cases.models import Case, CaseStatus
from yichuang.web.views.dashboard import month_choices

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 11, 2, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@time_machine.travel(MONDAY, tick=False)
def test_an_agents_submit_says_which_town_accepts_it_by_when_and_where_the_paper_goes(county):
    agent = page_for(county.staff["agent"])
    sent = agent.post(
        "/work/intake/item/GL/",
        intake_form(decision="submit", camera_M001=scan(), consent_upload=scan("consent.pdf")),
    )
    assert sent.status_code == 302
    case = Case.objects.get()
    assert case.status == CaseStatus.SUBMITTED
    page = text(agent.get(sent["Location"]))
    assert f"已提交 · 办件编号 {case.number}" in page
    assert "材料已提交到甲镇便民服务中心" in page and "应于 2026年11月3日 前受理或一次性告知" in page
    assert "纸质原件请列入“移交清单”，送交甲镇便民服务中心" in page
    # shown once: the next visit shows the case as it stands
    assert "已提交 · 办件编号" not in text(agent.get(sent["Location"]))


@time_machine.travel(MONDAY, tick=False)
def test_accepting_an_application_from_the_case_page_says_who_decides_and_by_when(county):
    case = make_case(county, actor="agent", point="station_a1", channel="agent")
    assert case.status == CaseStatus.SUBMITTED
    clerk = page_for(county.staff["town_clerk"])
    done = clerk.post(
        f"/work/cases/{case.number}/act/accept/", {"row_version": case.row_version}, follow=True
    )
    page = text(done)
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED
    assert f"已受理 · 办件编号 {case.number}" in page
    day = f"{case.due_date.year}年{case.due_date.month}月{case.due_date.day}日"
    assert f"承诺于 {day} 前办结" in page and "请打印受理通知书交申请人" in page


def test_an_immediate_item_is_told_to_finish_on_the_spot(county):
    clerk = page_for(county.staff["town_clerk"])
    made = clerk.post("/work/intake/item/GL/", intake_form(camera_M001=scan()))
    assert made.status_code == 302
    page = text(clerk.get(made["Location"]))
    assert "即办件：请在本页当场准予并出件" in page


def test_the_supplement_form_shows_only_what_is_owed_each_under_its_name(county):
    owing = make_case(county, provide=("M001", "M002"), tolerated=("M020",))
    clerk = page_for(county.staff["town_clerk"])
    page = text(clerk.get(f"/work/cases/{owing.number}/"))
    assert "提交补正材料" in page
    fieldset = page[page.index('id="supplement-M020"') :]
    assert "<legend>困难情况证明" in fieldset[:200] and 'id="upload_M020"' in fieldset
    assert 'id="supplement-M001"' not in page
    complete = make_case(county, phone="13907760000")
    assert "提交补正材料" not in text(clerk.get(f"/work/cases/{complete.number}/"))


def test_the_printed_paper_bears_the_name_of_the_sealed_document(county):
    case = make_case(county)
    clerk = page_for(county.staff["town_clerk"])
    page = text(clerk.get(f"/work/cases/{case.number}/"))
    assert "打印受理通知书" in page and "打印受理回执" not in page
    printed = text(clerk.get(f"/work/cases/{case.number}/print/receipt/"))
    assert "<h1>受理通知书</h1>" in printed


def test_the_queue_light_carries_its_meaning_for_hover_focus_and_screen_readers(county):
    make_case(county)
    page = text(page_for(county.staff["reviewer"]).get("/work/queue/"))
    assert 'tabindex="0" data-tip="距承诺办结日期还有2个以上工作日"' in page
    assert '<span class="visually-hidden">（距承诺办结日期还有2个以上工作日）</span>' in page


def test_the_month_pickers_name_the_months_in_chinese_newest_first():
    choices = month_choices(dt.date(2026, 12, 7), "2020-03")
    assert choices[:2] == [("2026-12", "2026年12月"), ("2026-11", "2026年11月")]
    assert ("2024-01", "2024年1月") in choices and choices[-1] == ("2020-03", "2020年3月")
    assert len(choices) == 37
