"""The smallest real county the deployment job needs, made through the project's own models and services
(no demo loader: production refuses it). Run as ``yichuang shell < .ci/deploy_county.py`` with the
production environment; the staff password comes from ``DEPLOY_STAFF_PASSWORD``.

One town (东双河镇) with its convenience-service center and a comprehensive window, the town's
approval service center with its 行政审批专用章 (a fresh SM2 key, encrypted under SEAL_MASTER_KEY), a
county bureau that owns the item, one town-level item with one material, a window clerk and a
reviewer. A county's real set-up comes from its workbook (``yichuang import_org``) and its catalog
(``yichuang import_catalog``); this is what the job needs to run a case from acceptance to delivery.
"""

import os

from django.db import transaction

from yichuang.catalog.models import ExerciseLevel, ItemType, MaterialRequirement, PointItem, ServiceItem
from yichuang.catalog.services import item_publish
from yichuang.documents.models import SealKind
from yichuang.documents.services import seal_create
from yichuang.org.models import (
    Department,
    DepartmentKind,
    PointKind,
    Region,
    RegionLevel,
    Role,
    ServicePoint,
    Staff,
    Window,
)

password = os.environ["DEPLOY_STAFF_PASSWORD"]

with transaction.atomic():
    province = Region.objects.create(code="410000000000", name="河南省", level=RegionLevel.PROVINCE)
    city = Region.objects.create(code="411500000000", name="信阳市", level=RegionLevel.CITY, parent=province)
    county = Region.objects.create(code="411502000000", name="浉河区", level=RegionLevel.COUNTY, parent=city)
    town = Region.objects.create(code="411502100000", name="东双河镇", level=RegionLevel.TOWN, parent=county)
    center = ServicePoint.objects.create(
        code="411502100-BMZX", name="东双河镇便民服务中心", kind=PointKind.TOWN_CENTER, region=town
    )
    window = Window.objects.create(point=center, number="1", name="综合受理窗口")
    civil = Department.objects.create(
        code="411502-MZJ", name="浉河区民政局", kind=DepartmentKind.COUNTY_BUREAU, region=county
    )
    approval = Department.objects.create(
        code="411502100-SPZX",
        name="东双河镇行政审批服务中心",
        kind=DepartmentKind.TOWN_APPROVAL_CENTER,
        region=town,
        point=center,
    )
    seal_create(
        code="411502100-SPZ",
        kind=SealKind.APPROVAL,
        name="东双河镇人民政府行政审批专用章",
        holder_name="信阳市浉河区东双河镇人民政府",
        caption="行政审批专用章",
        department=approval,
    )
    item = ServiceItem.objects.create(
        code="DEPLOY-LNYDZ",
        base_code="DEPLOY-LNYDZ",
        name="老年人优待证办理",
        type=ItemType.PUBLIC_SERVICE,
        exercise_level=ExerciseLevel.TOWN,
        department=civil,
        statutory_days=20,
        promised_days=5,
    )
    MaterialRequirement.objects.create(item=item, code="M001", name="居民身份证", order=1)
    item_publish(item=item)
    PointItem.objects.create(point=center, item=item)
    for username, role, extra in (
        ("dsh_clerk", Role.WINDOW_CLERK, {"window": window}),
        ("dsh_review", Role.REVIEWER, {"department": approval}),
    ):
        person = Staff(username=username, role=role, point=center, region=town, last_name="测", first_name="试", **extra)
        person.set_password(password)
        person.full_clean()
        person.save()

print("county ready:", ServicePoint.objects.count(), "point,", Staff.objects.count(), "staff,", item.code)
