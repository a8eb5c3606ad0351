"""告知承诺 after the decision (issue 16, item 4): a case approved on a promise is checked afterwards;
a promise found false revokes the decision — sealed 撤销决定书, licence revoked, SMS, and a breach on
the applicant's record that takes commitments away from his next application."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client

from tests import factories as f
from tests import test_documents as base
from tests.test_documents import PHONE, act, apply, client_for, documents, needs_poppler, pdf_text, upload
from yichuang.cases.models import CommitmentBreach, PostCheck, PostCheckPeriod
from yichuang.cases.services.postcheck import remind_due_postchecks
from yichuang.catalog.models import ServiceItem
from yichuang.documents.models import DocumentKind
from yichuang.documents.services import document_content
from yichuang.licenses.models import License, LicenseStatus
from yichuang.notify.models import SmsMessage, StaffNotice
from yichuang.workdays.calendar import add_workdays

pytestmark = pytest.mark.django_db

office = base.office
clerk = base.clerk
reviewer = base.reviewer

TZ = ZoneInfo("Asia/Shanghai")
DECIDED = dt.datetime(2026, 11, 2, 10, 0, tzinfo=TZ)
POSTCHECKS = "/api/v1/postchecks/"
FALSE_PROMISE = "经向乡镇核实，申请人家庭年收入超过其承诺的数额。"


@pytest.fixture(autouse=True)
def frozen() -> Any:
    """The whole county (its seals included) is set up on the day of the decision."""
    with time_machine.travel(DECIDED, tick=False) as traveller:
        yield traveller


def decided_on_a_promise(clerk: Any, reviewer: Any, item: str = "LOG") -> dict[str, Any]:
    """林木采伐许可 accepted with 收入状况证明 promised (告知承诺) and approved: a licence is issued."""
    case = apply(clerk, item, provide=("M001", "M020"), commitments=["M010"])
    assert case["status"] == "accepted"
    return act(reviewer, case["number"], "approve")


def record(client: Any, number: str, outcome: str, **body: Any) -> Any:
    return client.post(f"{POSTCHECKS}{number}/outcome/", {"outcome": outcome, **body}, format="json")


def test_a_decision_on_a_promise_schedules_a_post_check_for_the_deciding_units_reviewers(
    office, clerk, reviewer
):
    case = decided_on_a_promise(clerk, reviewer)

    listed = reviewer.get(f"{POSTCHECKS}?status=pending").json()["results"]
    assert [row["case"] for row in listed] == [case["number"]]
    row = listed[0]
    assert row["committed"] == [{"code": "M010", "name": "收入状况证明"}]
    assert row["due_date"] == add_workdays(dt.date(2026, 11, 2), 20).isoformat()
    assert row["may_record"] is True and row["overdue"] is False
    assert row["applicant_name"] == "李*文"
    # Another town's reviewer does not see it; a case without promises has no check.
    assert client_for(office.staff["reviewer_b"]).get(POSTCHECKS).json()["results"] == []
    plain = apply(clerk, "OWN", provide=("M001", "M010", "M020"))
    act(reviewer, plain["number"], "approve")
    assert not PostCheck.objects.filter(case__number=plain["number"]).exists()


def test_an_item_may_have_its_own_post_check_period(office, clerk, reviewer):
    PostCheckPeriod.objects.create(item=ServiceItem.objects.get(code="LOG"), workdays=5)
    case = decided_on_a_promise(clerk, reviewer)
    assert PostCheck.objects.get(case__number=case["number"]).due_date == add_workdays(
        dt.date(2026, 11, 2), 5
    )


def test_a_kept_promise_is_recorded_once_on_the_timeline(office, clerk, reviewer):
    number = decided_on_a_promise(clerk, reviewer)["number"]
    evidence = upload(reviewer)

    kept = record(reviewer, number, "kept", note="已向乡镇核实，收入情况属实。", files=[evidence])

    assert kept.status_code == 200, kept.content
    assert (kept.json()["status"], kept.json()["files"], kept.json()["case_status"]) == (
        "kept",
        [evidence],
        "approved",
    )
    timeline = reviewer.get(f"/api/v1/cases/{number}/").json()["timeline"]
    assert timeline[-1]["action"] == "postcheck" and "承诺属实" in timeline[-1]["note"]
    again = record(reviewer, number, "broken", note=FALSE_PROMISE)
    assert again.status_code == 409 and again.json()["code"] == "already_checked"
    assert License.objects.get().status == LicenseStatus.VALID


def test_a_broken_promise_revokes_the_decision_the_licence_and_tells_the_applicant(office, clerk, reviewer):
    number = decided_on_a_promise(clerk, reviewer)["number"]
    approval = documents(number)[DocumentKind.APPROVAL_DECISION]

    missing_note = record(reviewer, number, "broken")
    assert missing_note.status_code == 400 and "note" in missing_note.json()["fields"]
    broken = record(reviewer, number, "broken", note=FALSE_PROMISE)

    assert broken.status_code == 200, broken.content
    assert (broken.json()["status"], broken.json()["case_status"]) == ("broken", "revoked")
    case = reviewer.get(f"/api/v1/cases/{number}/").json()
    assert case["status"] == "revoked" and case["status_display"] == "已撤销"
    last = case["timeline"][-1]
    assert (last["action"], last["status"]) == ("revoke", "revoked")
    assert "收入状况证明" in last["note"] and FALSE_PROMISE.rstrip("。") in last["note"]
    assert case["allowed_actions"] == []
    # The licence is revoked: the register, the citizen's list and the window's lookup say so.
    licence = License.objects.get(source_case__number=number)
    assert licence.status == LicenseStatus.REVOKED and "违反告知承诺" in licence.revoke_reason
    looked_up = clerk.post("/api/v1/licenses/lookup/", {"id_number": licence.holder_id_number}, format="json")
    if looked_up.status_code == 200:
        assert looked_up.json()[0]["status"] == "revoked" and looked_up.json()[0]["in_force"] is False
    # The applicant's SMS, and the breach on his record (by the index of his ID number, not the number).
    sms = SmsMessage.objects.filter(case_number=number, template="case_revoked").get()
    assert "原决定已撤销" in sms.body
    breach = CommitmentBreach.objects.get(case__number=number)
    assert breach.until == dt.date(2027, 11, 2) and licence.holder_id_number not in breach.applicant_key
    # The approval's verify page says the decision was revoked.
    page = Client().get(f"/verify/{approval.verify_code}").content.decode()
    revocation = documents(number)[DocumentKind.REVOCATION_DECISION]
    assert "因违反告知承诺被撤销" in page and revocation.verify_code in page
    assert revocation.seal == approval.seal, "revoked under the seal that decided"


@needs_poppler
def test_the_sealed_revocation_says_what_was_promised_why_it_is_revoked_and_the_remedy(
    office, clerk, reviewer, tmp_path
):
    number = decided_on_a_promise(clerk, reviewer)["number"]
    record(reviewer, number, "broken", note=FALSE_PROMISE)
    revocation = documents(number)[DocumentKind.REVOCATION_DECISION]

    text = pdf_text(document_content(document=revocation), tmp_path)

    assert revocation.title == "撤销行政许可决定书"
    for printed in (
        "撤销行政许可决定书",
        "李金文：",
        f"办件编号：{number}",
        "本机关于2026年11月2日以告知承诺方式作出《准予行政许可决定书》",
        "你（单位）就收入状况证明所作的承诺与实际情况不符，理由是：经向乡镇核实，申请人家庭年收入超过其承诺的数额。",
        "《中华人民共和国森林法》第五十六条",
        "国办发〔2020〕42号",
        "《中华人民共和国行政许可法》第六十九条第二款的规定，本机关决定撤销上述决定。",
        f"原颁发的《林木采伐许可证》（证照编号：L008-{number}）同时注销",
        "2027年11月2日前申请办理政务服务事项不适用告知承诺制",
        "六十日内",
    ):
        assert printed in text, printed
    assert "。。" not in text and "。，" not in text


def test_a_later_application_by_the_same_person_warns_staff_and_may_not_use_commitments(
    office, clerk, reviewer
):
    number = decided_on_a_promise(clerk, reviewer)["number"]
    record(reviewer, number, "broken", note=FALSE_PROMISE)
    same_person = base.ID_NUMBER  # the first applicant of 林木采伐许可

    def again(**extra: Any) -> Any:
        body = {
            "item": "OWN",
            "point": "CA",
            "channel": "window",
            "applicant": {"kind": "person", "name": "李金文", "id_number": same_person, "phone": PHONE},
            "materials": [{"requirement": c, "files": [upload(clerk)]} for c in extra.pop("provide")],
            **extra,
        }
        return clerk.post("/api/v1/cases/", body, format="json")

    promised = again(provide=("M001", "M020"), commitments=["M010"])
    assert promised.status_code == 422
    assert "该申请人有违诺记录" in promised.json()["fields"]["commitments"][0]
    papers = again(provide=("M001", "M010", "M020"))
    assert papers.status_code == 201, papers.content
    warning = "该申请人有违诺记录（2027-11-02前不适用告知承诺），请核实申请材料。"
    assert warning in papers.json()["warnings"]
    listed = clerk.get("/api/v1/cases/?status=accepted").json()["results"]
    assert [row["warnings"] for row in listed if row["number"] == papers.json()["number"]] == [[warning]]
    # A year and a day later the record no longer stands in the way.
    with time_machine.travel(dt.datetime(2027, 11, 3, 10, 0, tzinfo=TZ), tick=False):
        later = again(provide=("M001", "M020"), commitments=["M010"], item="VET")
        assert later.status_code == 201, later.content


def test_only_the_deciding_units_reviewers_record_and_revoke_is_no_button(office, clerk, reviewer):
    number = decided_on_a_promise(clerk, reviewer)["number"]
    assert record(clerk, number, "broken", note=FALSE_PROMISE).status_code == 403
    assert record(client_for(office.staff["reviewer_b"]), number, "kept").status_code == 404
    direct = reviewer.post(f"/api/v1/cases/{number}/actions/revoke/", {"note": "x"}, format="json")
    assert direct.status_code == 404
    assert record(reviewer, number, "forgotten").status_code == 400
    assert PostCheck.objects.get(case__number=number).status == "pending"


def test_reviewers_are_reminded_of_checks_due_once_a_day(office, clerk, reviewer):
    number = decided_on_a_promise(clerk, reviewer)["number"]
    due = PostCheck.objects.get(case__number=number).due_date
    assert remind_due_postchecks(today=dt.date(2026, 11, 3)) == 0, "not yet"
    eve = dt.datetime.combine(due - dt.timedelta(days=1), dt.time(7, 40), tzinfo=TZ)
    with time_machine.travel(eve, tick=False):
        assert remind_due_postchecks() == 1
        assert remind_due_postchecks() == 0, "once a day"
    notice = StaffNotice.objects.get(kind="postcheck_due")
    assert notice.recipient == office.staff["reviewer"] and number in notice.body
    late = dt.datetime.combine(due + dt.timedelta(days=7), dt.time(7, 40), tzinfo=TZ)
    with time_machine.travel(late, tick=False):
        assert remind_due_postchecks() == 1
        assert reviewer.get(f"{POSTCHECKS}?overdue=true").json()["count"] == 1
    assert "已超过期限" in StaffNotice.objects.filter(kind="postcheck_due").latest("id").body


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_recording_at_once_exactly_one_wins(office):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    first = client_for(office.staff["reviewer"])
    colleague = f.StaffFactory(
        username="review_a2",
        role=office.staff["reviewer"].role,
        point=office.points["center_a"],
        region=office.regions["town_a"],
        department=office.staff["reviewer"].department,
    )
    number = decided_on_a_promise(client_for(office.staff["town_clerk"]), first)["number"]
    answers: list[int] = []
    barrier = threading.Barrier(2)

    def go(client: Any, outcome: str) -> None:
        try:
            barrier.wait()
            answers.append(record(client, number, outcome, note=FALSE_PROMISE).status_code)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=go, args=(first, "broken")),
        threading.Thread(target=go, args=(client_for(colleague), "kept")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [200, 409]
    check = PostCheck.objects.get(case__number=number)
    assert check.case.status == ("revoked" if check.status == "broken" else "approved")
    assert CommitmentBreach.objects.count() == (1 if check.status == "broken" else 0)


def test_the_reviewers_page_lists_checks_by_due_date_and_records_the_outcome(office, clerk, reviewer):
    number = decided_on_a_promise(clerk, reviewer)["number"]
    page = Client()
    page.force_login(office.staff["reviewer"])

    listed = page.get("/work/postchecks/")
    html = listed.content.decode()
    assert listed.status_code == 200
    assert number in html and "收入状况证明" in html and "李*文" in html and "李金文" not in html
    assert add_workdays(dt.date(2026, 11, 2), 20).isoformat() in html
    assert 'href="/work/postchecks/"' in html, "the reviewer's menu leads to it"

    refused = page.post(f"/work/postchecks/{number}/outcome/", {"outcome": "broken", "note": ""})
    assert refused.status_code == 302, "a refusal is said on the list, so a reload does not post again"
    assert "认定违诺须写明核查发现的情况" in page.get(refused["Location"]).content.decode()
    done = page.post(f"/work/postchecks/{number}/outcome/", {"outcome": "broken", "note": FALSE_PROMISE})
    assert done.status_code == 302
    assert reviewer.get(f"/api/v1/cases/{number}/").json()["status"] == "revoked"
    after = page.get("/work/postchecks/?status=broken").content.decode()
    assert number in after and FALSE_PROMISE in after
    assert page.post(f"/work/cases/{number}/act/revoke/").status_code == 404


def test_the_post_check_page_wears_the_work_pages_layout(office, clerk, reviewer):
    number = decided_on_a_promise(clerk, reviewer)["number"]
    page = Client()
    page.force_login(office.staff["reviewer"])
    html = page.get("/work/postchecks/").content.decode()
    assert '<section class="card"' in html and '<table class="list" id="postchecks">' in html
    assert 'class="btn primary" href="?status=pending" aria-current="page"' in html, "the tabs are buttons"
    assert f'data-label="办件编号"><a href="/work/cases/{number}/">' in html, (
        "rows fold into cards on a phone"
    )
    assert '<button class="btn primary" type="submit">记录结果</button>' in html
    assert '<label class="check"><input type="radio" name="outcome" value="kept"' in html
