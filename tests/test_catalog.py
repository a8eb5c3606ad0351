"""The catalog: versions, delegations in force, who handles a case, bundles and search."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests import factories as f
from yichuang.catalog.models import Bundle, BundleItem, DelegationMode, ExerciseLevel, ItemStatus, ItemVersion
from yichuang.catalog.search import SearchIndex, search_items
from yichuang.catalog.selectors import bundle_materials, delegation_for, handling_unit_for
from yichuang.catalog.services import item_publish, item_snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def dibao(world):
    item = f.ItemFactory(
        code="DB-001",
        name="农村最低生活保障审批",
        aliases="低保",
        keywords="最低生活保障 救助",
        department=world.departments["civil"],
        statutory_days=32,
        promised_days=18,
        status=ItemStatus.DRAFT,
    )
    f.MaterialFactory(item=item, code="M001", name="居民身份证", order=1)
    f.MaterialFactory(item=item, code="M002", name="户口簿", order=2)
    f.MaterialFactory(item=item, code="M010", name="家庭经济状况说明", commitment_allowed=True, order=3)
    return item


def test_promised_days_longer_than_statutory_are_refused_by_validation_and_by_the_database(world):
    item = f.ItemFactory.build(department=world.departments["civil"], statutory_days=10, promised_days=12)
    with pytest.raises(ValidationError) as err:
        item.full_clean()
    assert "承诺时限不得超过法定时限" in str(err.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        item.save()


def test_an_item_with_promised_zero_is_immediate(world):
    assert f.ItemFactory.build(promised_days=0).kind == "immediate"
    assert f.ItemFactory.build(promised_days=5).kind == "promised"


def test_publishing_writes_version_one_with_the_materials(dibao):
    version = item_publish(item=dibao)
    assert version is not None and version.number == 1
    assert [m["code"] for m in version.snapshot["materials"]] == ["M001", "M002", "M010"]
    dibao.refresh_from_db()
    assert dibao.version == 1


def test_editing_a_published_item_makes_a_new_version_and_the_old_one_keeps_what_was_asked(dibao):
    first = item_publish(item=dibao)
    dibao.materials.filter(code="M002").delete()
    dibao.promised_days = 15
    dibao.save()
    second = item_snapshot(item=dibao)
    assert second is not None and second.number == 2
    first.refresh_from_db()
    assert [m["code"] for m in first.snapshot["materials"]] == ["M001", "M002", "M010"]
    assert first.snapshot["promised_days"] == 18
    assert [m["code"] for m in second.snapshot["materials"]] == ["M001", "M010"]
    assert second.snapshot["promised_days"] == 15


def test_saving_without_a_change_does_not_make_a_version(dibao):
    item_publish(item=dibao)
    assert item_snapshot(item=dibao) is None
    assert ItemVersion.objects.filter(item=dibao).count() == 1


def test_drafts_are_not_versioned(dibao):
    assert item_snapshot(item=dibao) is None


def test_a_delegation_counts_only_between_its_dates(world, dibao):
    center = world.points["center_a"]
    f.DelegationFactory(
        item=dibao,
        from_department=world.departments["civil"],
        to_region=world.regions["town_a"],
        valid_from=dt.date(2021, 7, 10),
        valid_to=dt.date(2023, 12, 31),
    )
    assert delegation_for(item=dibao, point=center, on=dt.date(2021, 7, 9)) is None
    assert delegation_for(item=dibao, point=center, on=dt.date(2021, 7, 10)) is not None
    assert delegation_for(item=dibao, point=center, on=dt.date(2023, 12, 31)) is not None
    assert delegation_for(item=dibao, point=center, on=dt.date(2024, 1, 1)) is None


def test_a_delegation_needs_a_target_and_a_sane_range(world, dibao):
    d = f.DelegationFactory.build(item=dibao, from_department=world.departments["civil"])
    with pytest.raises(ValidationError):
        d.full_clean()
    d.to_region = world.regions["town_a"]
    d.valid_to = dt.date(2020, 1, 1)
    with pytest.raises(ValidationError):
        d.full_clean()


def test_a_delegation_to_a_town_covers_its_village_stations_but_not_the_next_town(world, dibao):
    f.DelegationFactory(
        item=dibao, from_department=world.departments["civil"], to_region=world.regions["town_a"]
    )
    assert delegation_for(item=dibao, point=world.points["station_a2"]) is not None
    assert delegation_for(item=dibao, point=world.points["center_b"]) is None


def test_a_power_granted_or_entrusted_to_a_town_is_decided_by_the_towns_approval_center(world, dibao):
    dibao.exercise_level = ExerciseLevel.COUNTY
    dibao.save()
    for mode in (DelegationMode.GRANTED, DelegationMode.ENTRUSTED):
        d = f.DelegationFactory(
            item=dibao,
            from_department=world.departments["civil"],
            to_region=world.regions["town_a"],
            mode=mode,
        )
        unit = handling_unit_for(item=dibao, point=world.points["station_a1"])
        assert unit.department == world.departments["center_a"]
        assert unit.mode == mode
        d.delete()


def test_front_desk_only_means_the_town_accepts_and_the_county_department_decides(world, dibao):
    dibao.exercise_level = ExerciseLevel.COUNTY
    dibao.save()
    f.DelegationFactory(
        item=dibao,
        from_department=world.departments["civil"],
        to_region=world.regions["town_a"],
        mode=DelegationMode.FRONT_DESK_ONLY,
    )
    unit = handling_unit_for(item=dibao, point=world.points["center_a"])
    assert unit.department == world.departments["civil"]
    assert unit.mode == DelegationMode.FRONT_DESK_ONLY


def test_a_towns_own_item_is_decided_by_the_town_where_it_is_applied_for(world, dibao):
    assert (
        handling_unit_for(item=dibao, point=world.points["center_b"]).department
        == world.departments["center_b"]
    )
    assert (
        handling_unit_for(item=dibao, point=world.points["station_a1"]).department
        == world.departments["center_a"]
    )
    across = handling_unit_for(item=dibao, point=world.points["center_a"], town=world.regions["town_b"])
    assert across.department == world.departments["center_b"]


def test_a_county_item_without_delegation_stays_with_its_department(world, dibao):
    dibao.exercise_level = ExerciseLevel.COUNTY
    dibao.save()
    assert (
        handling_unit_for(item=dibao, point=world.points["center_a"]).department == world.departments["civil"]
    )


def test_a_bundle_lists_each_shared_material_once_and_merges_conservatively(world, dibao):
    other = f.ItemFactory(department=world.departments["civil"], name="临时救助")
    f.MaterialFactory(item=other, code="M001", name="居民身份证")
    f.MaterialFactory(item=other, code="M010", name="家庭经济状况说明", commitment_allowed=False)
    f.MaterialFactory(item=other, code="M020", name="困难情况证明", tolerable=True)
    bundle = Bundle.objects.create(code="B1", name="困难群众救助一件事")
    BundleItem.objects.create(bundle=bundle, item=dibao, order=1)
    BundleItem.objects.create(bundle=bundle, item=other, order=2)
    merged = {m.code: m for m in bundle_materials(bundle)}
    assert sorted(merged) == ["M001", "M002", "M010", "M020"]
    assert merged["M001"].items == [dibao.code, other.code]
    assert merged["M010"].commitment_allowed is False
    assert merged["M020"].tolerable is True


class TestSearch:
    @pytest.fixture
    def index(self, world):
        civil = world.departments["civil"]
        items = [
            f.ItemFactory(code="A1", name="农村最低生活保障审批", aliases="低保", department=civil),
            f.ItemFactory(code="A2", name="临时救助", department=civil),
            f.ItemFactory(code="A3", name="社会保障卡申领", aliases="社保卡", department=civil),
            f.ItemFactory(code="A4", name="高龄补贴申领", aliases="高龄津贴", department=civil),
            f.ItemFactory(
                code="A5", name="城乡居民基本医疗保险参保登记", aliases="医保参保", department=civil
            ),
        ]
        return SearchIndex(items), {i.code: i.pk for i in items}

    def first(self, index, ids, query):
        results = index.search(query)
        assert results, f"nothing found for {query!r}"
        return next(code for code, pk in ids.items() if pk == results[0][0])

    @pytest.mark.parametrize(
        "query",
        ["低保", "最低生活保障", "农村低保", "db", "dibao", "nczdshbz", "DB", "zuidi"],
    )
    def test_the_ways_people_type_dibao_all_find_it_first(self, index, query):
        idx, ids = index
        assert self.first(idx, ids, query) == "A1"

    def test_pinyin_initials_of_an_alias_find_the_social_security_card(self, index):
        idx, ids = index
        assert self.first(idx, ids, "sbk") == "A3"
        assert self.first(idx, ids, "社保卡") == "A3"

    def test_words_of_a_sentence_find_the_item(self, index):
        idx, ids = index
        assert self.first(idx, ids, "我要申请高龄津贴") == "A4"

    def test_nonsense_and_empty_queries_find_nothing(self, index):
        idx, _ = index
        assert idx.search("") == []
        assert idx.search("   ") == []
        assert idx.search("xyzzyq") == []
        assert idx.search("火星移民") == []

    def test_the_index_follows_the_catalog_when_an_item_is_renamed(self, world):
        item = f.ItemFactory(code="Z1", name="老年人优待证办理", department=world.departments["civil"])
        assert [pk for pk, _ in search_items("优待证")] == [item.pk]
        item.name = "老年人关爱服务卡办理"
        item.save()
        assert search_items("优待证") == []
        assert [pk for pk, _ in search_items("关爱服务卡")] == [item.pk]
