"""Factories for tests that need their own small world besides the demo county."""

from __future__ import annotations

import datetime as dt

import factory

from yichuang.catalog.models import (
    Delegation,
    DelegationMode,
    ExerciseLevel,
    ItemStatus,
    ItemType,
    LicenseType,
    MaterialRequirement,
    PointItem,
    ServiceItem,
)
from yichuang.org.models import (
    Department,
    DepartmentKind,
    PointKind,
    Region,
    RegionLevel,
    Role,
    ServicePoint,
    Staff,
)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = "410000000000"
    name = "河南省"
    level = RegionLevel.PROVINCE
    parent = None


def build_tree() -> dict[str, Region]:
    """Province → city → county → two towns → two villages each."""
    province = RegionFactory(code="410000000000", name="河南省", level=RegionLevel.PROVINCE)
    city = RegionFactory(code="411500000000", name="信阳市", level=RegionLevel.CITY, parent=province)
    county = RegionFactory(code="411502000000", name="浉河区", level=RegionLevel.COUNTY, parent=city)
    town_a = RegionFactory(code="411502100000", name="甲镇", level=RegionLevel.TOWN, parent=county)
    town_b = RegionFactory(code="411502101000", name="乙镇", level=RegionLevel.TOWN, parent=county)
    regions = {"province": province, "city": city, "county": county, "town_a": town_a, "town_b": town_b}
    for key, town in (("a", town_a), ("b", town_b)):
        for n in (1, 2):
            regions[f"village_{key}{n}"] = RegionFactory(
                code=f"{town.code[:9]}{200 + n:03d}",
                name=f"{town.name}{n}村",
                level=RegionLevel.VILLAGE,
                parent=town,
            )
    return regions


class PointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServicePoint
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"P{n:05d}")
    name = factory.Sequence(lambda n: f"服务点{n}")
    kind = PointKind.TOWN_CENTER


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"D{n:04d}")
    name = factory.Sequence(lambda n: f"部门{n}")
    kind = DepartmentKind.COUNTY_BUREAU


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Staff
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"staff{n}")
    role = Role.WINDOW_CLERK
    password = factory.django.Password("pw-12345678")


class LicenseTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LicenseType
        django_get_or_create = ("code",)

    code = "SFZ"
    name = "居民身份证"


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceItem

    code = factory.Sequence(lambda n: f"ITEM{n:05d}")
    base_code = factory.Sequence(lambda n: f"BASE{n:05d}")
    name = factory.Sequence(lambda n: f"测试事项{n}")
    type = ItemType.BENEFIT
    exercise_level = ExerciseLevel.TOWN
    statutory_days = 20
    promised_days = 10
    status = ItemStatus.PUBLISHED


class MaterialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MaterialRequirement

    code = factory.Sequence(lambda n: f"M{n:04d}")
    name = factory.Sequence(lambda n: f"材料{n}")


class DelegationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delegation

    mode = DelegationMode.GRANTED
    instrument = "浉政审授〔2021〕1号"
    instrument_date = dt.date(2021, 7, 1)
    valid_from = dt.date(2021, 7, 10)


class OfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PointItem


# —— applicants: one open case per applicant and item (issue 16) ——

_applications: dict[tuple[str, str], int] = {}


def applicant_id(base: str, item: str = "") -> str:
    """The ID number of a test's applicant for ``item``: ``base`` for his first application of the item,
    then a sibling born the same day, of the same sex (digits 15–16 move, the 17th stays), for each
    further one — a person may have only one open case of an item. Applications of other items keep
    ``base`` (the same person's licences serve him there). ``applicants_reset`` runs before each test."""
    from yichuang.common.identity import resident_id_check_char

    key = (base, item)
    n = _applications.get(key, 0)
    _applications[key] = n + 1
    if n == 0:
        return base
    first17 = base[:14] + f"{(int(base[14:16]) + n) % 100:02d}" + base[16]
    return first17 + resident_id_check_char(first17)


def applicants_reset() -> None:
    _applications.clear()
