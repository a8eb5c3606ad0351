"""Each role sees exactly its own part of the county, through one selector."""

from __future__ import annotations

import pytest

from yichuang.org.models import Region
from yichuang.org.selectors import limit_to_scope, points_in_scope, scope_of, staff_in_scope

pytestmark = pytest.mark.django_db


def codes(qs) -> set[str]:
    return {p.code for p in qs}


def test_the_admin_sees_every_point(world):
    assert codes(points_in_scope(world.staff["admin"])) == {p.code for p in world.points.values()}


def test_the_county_hall_clerk_sees_the_whole_county(world):
    assert codes(points_in_scope(world.staff["hall_clerk"])) == {p.code for p in world.points.values()}


def test_a_town_clerk_sees_his_town_center_its_villages_and_the_bank_outlet_in_town(world):
    assert codes(points_in_scope(world.staff["town_clerk"])) == {"CA", "BANK", "SA1", "SA2"}


def test_a_reviewer_of_a_town_sees_the_same_town(world):
    assert codes(points_in_scope(world.staff["reviewer"])) == {"CA", "BANK", "SA1", "SA2"}


def test_the_clerk_of_the_other_town_sees_none_of_the_first(world):
    assert codes(points_in_scope(world.staff["other_clerk"])) == {"CB", "SB1", "SB2"}


def test_a_village_agent_sees_only_his_village_station(world):
    assert codes(points_in_scope(world.staff["agent"])) == {"SA1"}


def test_a_bank_clerk_without_a_region_sees_only_his_outlet(world):
    assert codes(points_in_scope(world.staff["bank_clerk"])) == {"BANK"}


def test_someone_who_is_not_logged_in_sees_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    assert codes(points_in_scope(AnonymousUser())) == set()
    assert scope_of(None).nothing


def test_a_staff_member_with_neither_point_nor_region_sees_nothing_rather_than_everything(world):
    from tests.factories import StaffFactory

    lost = StaffFactory(username="lost")
    assert codes(points_in_scope(lost)) == set()


def test_the_selector_limits_any_model_by_a_path_to_its_region(world):
    regions = limit_to_scope(Region.objects.all(), world.staff["agent"], region_field="", point_field=None)
    assert list(regions) == []
    villages = limit_to_scope(
        Region.objects.all(), world.staff["town_clerk"], region_field="parent", point_field=None
    )
    assert {r.code for r in villages} == {world.regions["village_a1"].code, world.regions["village_a2"].code}


def test_staff_lists_follow_the_same_scope_and_a_bank_clerk_counts_where_his_outlet_is(world):
    assert {s.username for s in staff_in_scope(world.staff["agent"])} == {"agent_a1"}
    assert {s.username for s in staff_in_scope(world.staff["town_clerk"])} == {
        "clerk_a",
        "review_a",
        "agent_a1",
        "bank",
    }
    assert {s.username for s in staff_in_scope(world.staff["bank_clerk"])} == {"bank"}


def test_a_region_subtree_is_found_by_its_code_prefix(world):
    town = world.regions["town_a"]
    assert town.prefix == "411502100"
    assert town.contains(world.regions["village_a1"])
    assert not town.contains(world.regions["village_b1"])


def test_the_object_check_agrees_with_the_queryset_filter_for_every_role_and_point(world):
    from yichuang.org.models import ServicePoint

    for user in world.staff.values():
        scope = scope_of(user)
        visible = set(points_in_scope(user).values_list("pk", flat=True))
        for point in ServicePoint.objects.select_related("region"):
            assert scope.covers(region=point.region, point_id=point.pk) == (point.pk in visible), (
                user,
                point,
            )


# —— two counties of one city (issue 17, decision 144) ——————————————————————————————————————————


@pytest.fixture
def two_counties(world):
    """The world's 浉河区 and, beside it in the same city, 平桥区 with one town, its center, its clerk
    and its administrator; above both, the city's supervisor and 浉河区's own administrator."""
    from tests import factories as f
    from yichuang.org.models import PointKind, RegionLevel, Role

    county = f.RegionFactory(
        code="411503000000", name="平桥区", level=RegionLevel.COUNTY, parent=world.regions["city"]
    )
    town = f.RegionFactory(code="411503100000", name="明港镇", level=RegionLevel.TOWN, parent=county)
    center = f.PointFactory(code="PQ-CA", name="明港镇便民服务中心", kind=PointKind.TOWN_CENTER, region=town)
    world.regions.update(pq_county=county, pq_town=town)
    world.points["pq_center"] = center
    world.staff.update(
        pq_clerk=f.StaffFactory(username="clerk_pq", point=center, region=town),
        pq_admin=f.StaffFactory(username="admin_pq", role=Role.ADMIN, region=county, is_staff=True),
        shihe_admin=f.StaffFactory(
            username="admin_shihe", role=Role.ADMIN, region=world.regions["county"], is_staff=True
        ),
        city_supervisor=f.StaffFactory(
            username="sup_city", role=Role.SUPERVISOR, region=world.regions["city"]
        ),
    )
    return world


def shihe_points(world) -> set[str]:
    return {code for code in codes(world.points.values()) if not code.startswith("PQ")}


def test_a_county_administrator_sees_every_point_of_his_county_and_none_of_the_other(two_counties):
    assert codes(points_in_scope(two_counties.staff["pq_admin"])) == {"PQ-CA"}
    assert codes(points_in_scope(two_counties.staff["shihe_admin"])) == shihe_points(two_counties)


def test_a_county_administrator_lists_only_his_countys_staff(two_counties):
    assert {s.username for s in staff_in_scope(two_counties.staff["pq_admin"])} == {"clerk_pq", "admin_pq"}
    assert "clerk_pq" not in {s.username for s in staff_in_scope(two_counties.staff["shihe_admin"])}


def test_the_platform_administrator_is_the_one_without_a_region_and_keeps_seeing_everything(two_counties):
    from yichuang.org.selectors import is_admin_of, is_platform_admin

    assert is_platform_admin(two_counties.staff["admin"])
    assert not is_platform_admin(two_counties.staff["pq_admin"])
    assert codes(points_in_scope(two_counties.staff["admin"])) == codes(two_counties.points.values())
    town = two_counties.regions["town_a"]
    assert is_admin_of(two_counties.staff["shihe_admin"], region=town)
    assert not is_admin_of(two_counties.staff["pq_admin"], region=town)
    assert not is_admin_of(two_counties.staff["city_supervisor"], region=town), "a supervisor reads, no more"


def test_a_superuser_with_a_region_still_sees_everything(two_counties):
    from tests.factories import StaffFactory
    from yichuang.org.models import Role

    root = StaffFactory(
        username="root_pq", role=Role.ADMIN, is_superuser=True, region=two_counties.regions["pq_county"]
    )
    assert scope_of(root).everything


def test_a_city_supervisor_sees_the_points_and_staff_of_both_counties(two_counties):
    supervisor = two_counties.staff["city_supervisor"]
    assert codes(points_in_scope(supervisor)) == codes(two_counties.points.values())
    assert {"clerk_pq", "clerk_a", "hall"} <= {s.username for s in staff_in_scope(supervisor)}


def test_a_clerk_and_a_supervisor_of_one_county_see_nothing_of_the_other(two_counties):
    assert codes(points_in_scope(two_counties.staff["pq_clerk"])) == {"PQ-CA"}
    assert "PQ-CA" not in codes(points_in_scope(two_counties.staff["supervisor"]))
    assert "PQ-CA" not in codes(points_in_scope(two_counties.staff["hall_clerk"]))
