from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests import factories as f
from yichuang.catalog.models import ExerciseLevel
from yichuang.catalog.services import item_publish
from yichuang.org.models import DepartmentKind, PointKind, Role
from yichuang.workdays.testing import fresh_calendar  # noqa: F401  (autouse: no calendar leaks between tests)

# Fixtures shared across test modules: the browser (``browser``, ``shots``, ``desk``), the hall's
# cast (``hall``, ``morning``), the dashboard's month of work (``month_of_work``) and the fake SMS
# platforms (``aliyun``, ``tencent``).
pytest_plugins = ["tests.browser_cast", "tests.queue_cast", "tests.stats_cast", "tests.sms_platforms"]

Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)

# Production hashing (PBKDF2, a million rounds) is the point in production and a waste in tests.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A test's transaction is never committed, so a background thread could not see its messages: tests
# send in-process, in the test's own thread (tests/test_notify.py tests the background sender itself).
settings.SMS_SEND_IN_BACKGROUND = False
# Likewise documents are signed in the caller when a test runs its on-commit callbacks, and a test that
# does not run them finds its documents pending: they are signed on their first download, as one
# nobody signed for minutes would be. tests/test_documents_background.py tests the real path (the
# background signer, the wait and 正在生成) with these set as in production.
settings.DOCUMENTS_SIGN_IN_BACKGROUND = False
settings.DOCUMENTS_SIGN_ON_DEMAND_AFTER_SECONDS = 0
# The memos of reference rows (common.memo) look at their change marker once per test (each test
# starts with none) rather than once a second: a query count must not depend on the clock. Changes
# in the test's own process drop them at once, as in production.
settings.MEMO_RECHECK_SECONDS = 3600


@pytest.fixture(autouse=True)
def _files_in_a_temporary_folder(settings: Any, tmp_path: Path) -> None:
    """Uploads made by tests land in a folder of their own, never in var/files."""
    settings.MEDIA_ROOT = tmp_path / "files"


@pytest.fixture(autouse=True)
def _a_fresh_cache(settings: Any) -> None:
    """Each test starts with an empty cache: the throttles count requests per client address in it,
    so without this the public rating and tracking calls of earlier tests in the same worker could
    push a later test over its limit (a 429 that depended on the order the tests ran in). The cache is
    the database's (as in production without Redis), so rather than emptying a table that a test
    without a database may not touch, each test counts under a key prefix of its own."""
    import uuid

    caches = {alias: dict(config) for alias, config in settings.CACHES.items()}
    for config in caches.values():
        config["KEY_PREFIX"] = uuid.uuid4().hex[:12]
    settings.CACHES = caches


@pytest.fixture(autouse=True)
def _fresh_memos() -> None:
    """Each test starts without the rows an earlier test's process memo kept (``common.memo``): the
    earlier test's rows were rolled back, which sends no signal."""
    from yichuang.common.memo import memos_drop

    memos_drop()


@pytest.fixture(autouse=True)
def _no_language_left_behind() -> Iterator[None]:
    """A test that switched to English (a request with ``Accept-Language: en`` activates it in the
    thread) leaves the next test in the default language: the OpenAPI file, generated in Chinese,
    lost the titles whose English equals the field's own name when a test before it left English on."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def _applicants_start_afresh() -> None:
    """Each test's first application of an item is by the cast's own applicant (``factories.applicant_id``)."""
    f.applicants_reset()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@dataclass
class World:
    """A small county of our own: two towns with two villages each, their points, departments and staff."""

    regions: dict[str, Any]
    points: dict[str, Any]
    departments: dict[str, Any]
    staff: dict[str, Any]


@pytest.fixture
def world(db: Any) -> World:
    r = f.build_tree()
    p = {
        "hall": f.PointFactory(
            code="HALL", name="区政务服务中心", kind=PointKind.COUNTY_HALL, region=r["county"]
        ),
        "center_a": f.PointFactory(
            code="CA", name="甲镇便民服务中心", kind=PointKind.TOWN_CENTER, region=r["town_a"]
        ),
        "center_b": f.PointFactory(
            code="CB", name="乙镇便民服务中心", kind=PointKind.TOWN_CENTER, region=r["town_b"]
        ),
        "bank": f.PointFactory(
            code="BANK", name="建设银行甲镇网点", kind=PointKind.BANK_OUTLET, region=r["town_a"]
        ),
    }
    for key in ("a1", "a2", "b1", "b2"):
        p[f"station_{key}"] = f.PointFactory(
            code=f"S{key.upper()}",
            name=f"{r['village_' + key].name}便民服务站",
            kind=PointKind.VILLAGE_STATION,
            region=r[f"village_{key}"],
            parent=p["center_" + key[0]],
        )
    d = {
        "civil": f.DepartmentFactory(code="MZJ", name="浉河区民政局", region=r["county"]),
        "approval": f.DepartmentFactory(
            code="SPJ", name="浉河区行政审批服务局", kind=DepartmentKind.APPROVAL_BUREAU, region=r["county"]
        ),
        "center_a": f.DepartmentFactory(
            code="SPA",
            name="甲镇行政审批服务中心",
            kind=DepartmentKind.TOWN_APPROVAL_CENTER,
            region=r["town_a"],
        ),
        "center_b": f.DepartmentFactory(
            code="SPB",
            name="乙镇行政审批服务中心",
            kind=DepartmentKind.TOWN_APPROVAL_CENTER,
            region=r["town_b"],
        ),
    }
    s = {
        "admin": f.StaffFactory(username="root", role=Role.ADMIN, is_superuser=True, is_staff=True),
        "hall_clerk": f.StaffFactory(username="hall", point=p["hall"], region=r["county"]),
        "town_clerk": f.StaffFactory(username="clerk_a", point=p["center_a"], region=r["town_a"]),
        "reviewer": f.StaffFactory(
            username="review_a",
            role=Role.REVIEWER,
            point=p["center_a"],
            region=r["town_a"],
            department=d["center_a"],
        ),
        "other_clerk": f.StaffFactory(username="clerk_b", point=p["center_b"], region=r["town_b"]),
        "agent": f.StaffFactory(
            username="agent_a1", role=Role.VILLAGE_AGENT, point=p["station_a1"], region=r["village_a1"]
        ),
        "bank_clerk": f.StaffFactory(username="bank", role=Role.BANK_CLERK, point=p["bank"]),
        "supervisor": f.StaffFactory(username="sup", role=Role.SUPERVISOR, region=r["county"]),
    }
    return World(regions=r, points=p, departments=d, staff=s)


# —— a small catalog on top of the world: 低保 (a town-level item) and 高龄津贴 (immediate) ——


@pytest.fixture
def county(world):
    civil = world.departments["civil"]
    dibao = f.ItemFactory(
        code="DB",
        name="农村最低生活保障审批",
        aliases="低保",
        department=civil,
        statutory_days=32,
        promised_days=18,
        exercise_level=ExerciseLevel.TOWN,
    )
    f.MaterialFactory(item=dibao, code="M001", name="居民身份证", order=1)
    f.MaterialFactory(item=dibao, code="M002", name="户口簿", order=2)
    f.MaterialFactory(item=dibao, code="M010", name="家庭经济状况说明", commitment_allowed=True, order=3)
    f.MaterialFactory(item=dibao, code="M020", name="困难情况证明", tolerable=True, order=4)
    elder = f.ItemFactory(
        code="GL", name="高龄津贴申领", department=civil, statutory_days=10, promised_days=0
    )
    f.MaterialFactory(item=elder, code="M001", name="居民身份证")
    for item in (dibao, elder):
        item_publish(item=item)
        for point in ("center_a", "station_a1", "center_b", "hall"):
            f.OfferFactory(point=world.points[point], item=item)
    return world


@pytest.fixture
def clerk(county):
    return _client_for(county.staff["town_clerk"])


@pytest.fixture
def reviewer(county):
    return _client_for(county.staff["reviewer"])


def _client_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client
