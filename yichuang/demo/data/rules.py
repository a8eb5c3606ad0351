"""Delegation instruments (授权（委托）书) and the 一件事一次办 bundles.

Seed 003: county departments delegate to the towns by 7月10日; the district's circular is dated
2021-07-06. Seed 000: the departments signed 授权（委托）书 with each town; seed 004: the first
不动产权证 was issued at a town hall on 4月8日.
"""

from __future__ import annotations

import datetime as dt

from yichuang.demo.data.spec import BundleSpec

INSTRUMENT_DATE = dt.date(2021, 7, 6)
VALID_FROM = dt.date(2021, 7, 10)

# (department key, mode) → instrument number. One signed instrument per department and mode,
# covering every town it names.
INSTRUMENTS: dict[tuple[str, str], str] = {
    ("MZJ", "granted"): "浉政审授〔2021〕12号",
    ("LYJ", "granted"): "浉政审授〔2021〕15号",
    ("NYJ", "granted"): "浉政审授〔2021〕16号",
    ("WJW", "granted"): "浉政审授〔2021〕18号",
    ("YJJ", "granted"): "浉政审授〔2021〕21号",
    ("MZJ", "entrusted"): "浉政审委〔2021〕13号",
    ("YBJ", "entrusted"): "浉政审委〔2021〕14号",
    ("RSJ", "entrusted"): "浉政审委〔2021〕17号",
    ("SWJ", "entrusted"): "浉政审委〔2021〕19号",
    ("WJW", "entrusted"): "浉政审委〔2021〕20号",
    ("GAJ", "entrusted"): "浉政审委〔2021〕22号",
    ("SJJ", "entrusted"): "浉政审委〔2021〕23号",
    ("LYJ", "entrusted"): "浉政审委〔2021〕24号",
    ("TYJ", "entrusted"): "浉政审委〔2021〕25号",
    ("YBJ", "front_desk_only"): "浉政审前〔2021〕30号",
    ("RSJ", "front_desk_only"): "浉政审前〔2021〕31号",
    ("NYJ", "front_desk_only"): "浉政审前〔2021〕32号",
    ("TYJ", "front_desk_only"): "浉政审前〔2021〕33号",
    ("CL", "front_desk_only"): "浉政审前〔2021〕34号",
    ("ZJJ", "front_desk_only"): "浉政审前〔2021〕35号",
    ("SFJ", "front_desk_only"): "浉政审前〔2021〕36号",
    ("JYJ", "front_desk_only"): "浉政审前〔2021〕37号",
    ("GAJ", "front_desk_only"): "浉政审前〔2021〕38号",
}

# Front-desk delegations whose term the departments limited (试点期), by department key.
TERM_LIMITED: dict[str, dt.date] = {
    "JYJ": dt.date(2026, 12, 31),
    "ZJJ": dt.date(2026, 12, 31),
}

# Delegations beyond the general instruments: (item name, mode, town code, to the town's center
# point rather than the region, instrument, instrument date, valid from, valid to, notes).
SPECIAL_DELEGATIONS: tuple[tuple[str, str, str, bool, str, dt.date, dt.date, dt.date | None, str], ...] = (
    (
        "不动产转移登记（存量房买卖）",
        "front_desk_only",
        "100",
        True,
        "浉政审前〔2022〕39号",
        dt.date(2022, 3, 28),
        dt.date(2022, 4, 8),
        None,
        "东双河镇便民服务中心设不动产登记受理窗口，区不动产登记中心审核登簿",
    ),
    (
        "不动产转移登记（存量房买卖）",
        "front_desk_only",
        "102",
        False,
        "浉政审前〔2022〕39号",
        dt.date(2022, 3, 28),
        dt.date(2022, 4, 8),
        None,
        "",
    ),
    (
        "宅基地使用权及房屋所有权首次登记",
        "front_desk_only",
        "100",
        True,
        "浉政审前〔2022〕39号",
        dt.date(2022, 3, 28),
        dt.date(2022, 4, 8),
        None,
        "农房确权登记乡镇受理",
    ),
    (
        "宅基地使用权及房屋所有权首次登记",
        "front_desk_only",
        "101",
        False,
        "浉政审前〔2022〕39号",
        dt.date(2022, 3, 28),
        dt.date(2022, 4, 8),
        None,
        "",
    ),
    (
        "宅基地使用权及房屋所有权首次登记",
        "front_desk_only",
        "102",
        False,
        "浉政审前〔2022〕39号",
        dt.date(2022, 3, 28),
        dt.date(2022, 4, 8),
        dt.date(2027, 4, 7),
        "试点期五年",
    ),
    (
        # Expired: a pilot that was not renewed (kept for the record; no longer in force).
        "森林防火期内在森林防火区野外用火审批",
        "granted",
        "004",
        False,
        "浉政审授〔2021〕15号",
        INSTRUMENT_DATE,
        VALID_FROM,
        dt.date(2023, 7, 9),
        "试点期满未续签，恢复由区林业局办理",
    ),
)

BUNDLES: tuple[BundleSpec, ...] = (
    BundleSpec(
        "YJS-001",
        "开办小餐饮一件事",
        "个体工商户登记、小餐饮登记、发票领用一次申请、一套材料、一窗受理；营业执照和小餐饮登记证同步发放。",
        ("个体工商户登记", "小餐饮登记", "增值税发票领用"),
    ),
    BundleSpec(
        "YJS-002",
        "新生儿出生一件事",
        "出生医学证明、户口登记、医保参保、社保卡申领、生育服务登记联办，父母只交一次材料。",
        (
            "出生医学证明首次签发",
            "出生登记（新生儿入户）",
            "城乡居民基本医疗保险参保登记",
            "社会保障卡申领",
            "生育服务登记",
        ),
    ),
    BundleSpec(
        "YJS-003",
        "退休一件事",
        "养老保险待遇申领与职工医保退休人员待遇核定一次办。",
        ("企业职工基本养老保险待遇申领", "职工医保退休人员待遇核定"),
    ),
    BundleSpec(
        "YJS-004",
        "残疾人服务一件事",
        "残疾人证办理、两项补贴、辅助器具适配一次申请，乡镇受理、区残联和民政联办。",
        ("残疾人证核发与换领", "困难残疾人生活补贴和重度残疾人护理补贴申请", "残疾人辅助器具适配申请"),
    ),
    BundleSpec(
        "YJS-005",
        "老年人优待一件事",
        "老年人优待证、高龄津贴、城乡居民养老金领取一次办，村代办员可上门代办。",
        ("老年人优待证办理", "高龄津贴申领", "城乡居民养老保险待遇领取"),
    ),
    BundleSpec(
        "YJS-006",
        "逝者身后一件事",
        "死亡户口注销、殡葬补贴、丧葬补助金和抚恤金申领联办。",
        ("死亡户口注销", "惠民殡葬补贴申领", "丧葬补助金、抚恤金申领"),
    ),
)


# 受理条件 the catalog checks at intake (catalog.EligibilityRule): item name → (kind, value) pairs.
# From the items' own conditions: 高龄津贴 for county residents aged 80 and over, the 优待证 from 60
# (also for residents from elsewhere: no region), 个体工商户 for natural persons.
ELIGIBILITY: dict[str, tuple[tuple[str, str], ...]] = {
    "高龄津贴申领": (("min_age", "80"), ("region", "411502"), ("applicant_kind", "person")),
    "老年人优待证办理": (("min_age", "60"), ("applicant_kind", "person")),
    "个体工商户登记": (("applicant_kind", "person"), ("min_age", "16")),
}
