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
