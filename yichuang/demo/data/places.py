"""浉河区: its towns and sub-districts, villages and communities, and the service points.

Division codes follow the statistical convention: 6 digits county (411502), 3 digits town —
街道 001…, 镇 100…, 乡 200… — and 3 digits village — 社区 001…, 行政村 201…
"""

from __future__ import annotations

from yichuang.demo.data.spec import Town, Village

PROVINCE = ("410000000000", "河南省")
CITY = ("411500000000", "信阳市")
COUNTY = ("411502000000", "浉河区")
COUNTY_PREFIX = "411502"

OFFICE_HOURS = "周一至周五 8:30-12:00，14:30-17:30；周六上午延时服务 9:00-12:00"
VILLAGE_HOURS = "周一至周五 8:30-12:00，14:30-17:30（网格员预约上门）"
ALL_YEAR_HOURS = "全年365天 8:30-17:30（节假日轮流值守，帮办代办随叫随到）"
HALL_HOURS = (
    "周一至周五 8:30-12:00，14:30-17:30（夏季 15:00-18:00）；周六、周日 9:00-16:00 延时服务；工作日中午不打烊"
)
BANK_HOURS = "周一至周日 9:00-17:00（法定节假日另行公告）"

HALL = {
    "code": "411502-ZWZX",
    "name": "浉河区政务服务中心",
    "address": "信阳市浉河区新六大街与新二十四街交叉口 浉河区政务服务中心",
    "phone": "0376-6288001",
}


def _v(code: str, name: str, all_year: bool = False) -> Village:
    return Village(code, name, all_year)


# The first town (东双河镇, seed 000) is the one the demo accounts feature; the second is 董家河镇.
FIRST_TOWN = "100"
SECOND_TOWN = "101"

TOWNS: tuple[Town, ...] = (
    Town(
        "100",
        "东双河镇",
        "town",
        "信阳市浉河区东双河镇东双河街88号",
        "0376-6591101",
        (
            _v("001", "东双河社区", True),
            _v("201", "大庙畈村", True),
            _v("202", "黄龙寺村"),
            _v("203", "长冲村"),
            _v("204", "刘冲村"),
            _v("205", "白龙潭村"),
            _v("206", "王畈村"),
            _v("207", "胡家湾村"),
        ),
        "东双河街",
    ),
    Town(
        "101",
        "董家河镇",
        "town",
        "信阳市浉河区董家河镇董家河街126号",
        "0376-6592101",
        (
            _v("001", "董家河社区"),
            _v("201", "睡仙桥村", True),
            _v("202", "楼畈村"),
            _v("203", "余河村"),
            _v("204", "黄湾村"),
            _v("205", "洪冲村"),
            _v("206", "观庙村"),
            _v("207", "新店村"),
        ),
        "董家河街",
    ),
    Town(
        "102",
        "吴家店镇",
        "town",
        "信阳市浉河区吴家店镇吴家店街西段21号",
        "0376-6593101",
        (
            _v("001", "吴家店社区", True),
            _v("201", "杨楼村"),
            _v("202", "秦畈村"),
            _v("203", "凉亭村"),
            _v("204", "石门村"),
            _v("205", "金竹村"),
            _v("206", "万寿村"),
            _v("207", "易湾村"),
        ),
        "吴家店街",
    ),
    Town(
        "103",
        "浉河港镇",
        "town",
        "信阳市浉河区浉河港镇浉河港街56号",
        "0376-6594101",
        (
            _v("001", "浉河港社区"),
            _v("201", "黑龙潭村"),
            _v("202", "文新茶村", True),
            _v("203", "郝家冲村"),
            _v("204", "大冲村"),
            _v("205", "桃园村"),
            _v("206", "梁湾村"),
            _v("207", "龙井村"),
        ),
        "浉河港街",
    ),
    Town(
        "200",
        "谭家河乡",
        "township",
        "信阳市浉河区谭家河乡谭家河街18号",
        "0376-6595101",
        (
            _v("201", "谭家河村"),
            _v("202", "土门村"),
            _v("203", "荒田村"),
            _v("204", "董冲村"),
            _v("205", "刘湾村"),
            _v("206", "朱堂村"),
            _v("207", "油坊村"),
        ),
        "谭家河街",
    ),
    Town(
        "201",
        "十三里桥乡",
        "township",
        "信阳市浉河区十三里桥乡107国道东侧乡政府院内",
        "0376-6596101",
        (
            _v("201", "十三里桥村"),
            _v("202", "黄庙村"),
            _v("203", "金店村"),
            _v("204", "陈湾村"),
            _v("205", "新湾村"),
            _v("206", "塘坊村"),
            _v("207", "宋岗村"),
        ),
        "十三里桥街",
    ),
    Town(
        "202",
        "游河乡",
        "township",
        "信阳市浉河区游河乡游河街32号",
        "0376-6597101",
        (
            _v("201", "游河村"),
            _v("202", "肖寨村"),
            _v("203", "彭畈村"),
            _v("204", "杨湾村"),
            _v("205", "孙店村"),
            _v("206", "龚冲村"),
            _v("207", "徐畈村"),
        ),
        "游河街",
    ),
    Town(
        "001",
        "老城街道",
        "street",
        "信阳市浉河区民主路168号 老城街道办事处一楼",
        "0376-6221101",
        (
            _v("001", "西关社区", True),
            _v("002", "北关社区"),
            _v("003", "南关社区"),
            _v("004", "东关社区"),
            _v("005", "胜利路社区"),
            _v("006", "浉河路社区"),
        ),
        "民主路",
    ),
    Town(
        "002",
        "民权街道",
        "street",
        "信阳市浉河区民权路92号 民权街道党群服务中心",
        "0376-6222101",
        (
            _v("001", "民权路社区"),
            _v("002", "新华路社区"),
            _v("003", "东方红社区"),
            _v("004", "中山路社区"),
            _v("005", "二七路社区"),
            _v("006", "工区路社区"),
        ),
        "民权路",
    ),
    Town(
        "003",
        "车站街道",
        "street",
        "信阳市浉河区新马路45号 车站街道便民服务中心",
        "0376-6223101",
        (
            _v("001", "车站路社区"),
            _v("002", "新马路社区"),
            _v("003", "南京路社区"),
            _v("004", "四一路社区"),
            _v("005", "中州社区"),
            _v("006", "红星路社区"),
        ),
        "新马路",
    ),
    Town(
        "004",
        "五里墩街道",
        "street",
        "信阳市浉河区五里墩大道210号",
        "0376-6224101",
        (
            _v("001", "五里墩社区"),
            _v("002", "新五里社区"),
            _v("003", "三里店社区"),
            _v("004", "贤山社区"),
            _v("005", "龙潭社区"),
            _v("006", "十里河社区"),
        ),
        "五里墩大道",
    ),
    Town(
        "005",
        "湖东街道",
        "street",
        "信阳市浉河区湖东大道66号 湖东街道办事处",
        "0376-6225101",
        (
            _v("001", "湖东社区"),
            _v("002", "东湖社区"),
            _v("003", "湖滨社区"),
            _v("004", "羊山社区"),
            _v("005", "文化路社区"),
            _v("006", "新村社区"),
        ),
        "湖东大道",
    ),
)

# Seed 000: four partner banks signed 《政务服务政银合作协议》 with the district's data bureau.
# (code, name, town code, address, phone). The first is ``bank1``'s outlet.
BANK_OUTLETS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "411502100-YH01",
        "中国邮政储蓄银行信阳市东双河镇营业所（政银合作工作站）",
        "100",
        "信阳市浉河区东双河镇东双河街102号",
        "0376-6591095",
    ),
    (
        "411502001-YH01",
        "中国建设银行信阳分行浉河支行（政银合作工作站）",
        "001",
        "信阳市浉河区民主路209号",
        "0376-6226618",
    ),
    (
        "411502004-YH01",
        "中原银行信阳分行五里墩支行（政银合作工作站）",
        "004",
        "信阳市浉河区五里墩大道178号",
        "0376-6227735",
    ),
    (
        "411502101-YH01",
        "浉河区农村信用合作联社董家河信用社（政银合作工作站）",
        "101",
        "信阳市浉河区董家河镇董家河街88号",
        "0376-6592088",
    ),
)

# Self-service kiosks (自助服务一体机): (code, name, parent point code).
KIOSKS: tuple[tuple[str, str, str], ...] = (
    ("411502-ZD01", "浉河区政务服务中心24小时自助服务区一体机", "411502-ZWZX"),
    ("411502100-ZD01", "东双河镇便民服务中心自助服务一体机", "411502100-BMZX"),
    ("411502101-ZD01", "董家河镇便民服务中心自助服务一体机", "411502101-BMZX"),
)

# Windows. The hall: comprehensive windows in front, dedicated (主题) windows beside them.
HALL_WINDOWS: tuple[tuple[str, str, str], ...] = (
    ("1", "综合受理窗口", "comprehensive"),
    ("2", "综合受理窗口", "comprehensive"),
    ("3", "综合受理窗口", "comprehensive"),
    ("4", "综合受理窗口", "comprehensive"),
    ("5", "综合受理窗口（一件事一次办）", "comprehensive"),
    ("6", "帮办代办窗口", "comprehensive"),
    ("7", "统一出件窗口", "comprehensive"),
    ("8", "公安户政窗口", "dedicated"),
    ("9", "公安出入境窗口", "dedicated"),
    ("10", "不动产登记窗口", "dedicated"),
    ("11", "不动产登记窗口", "dedicated"),
    ("12", "税务窗口", "dedicated"),
    ("13", "人社（社会保险）窗口", "dedicated"),
    ("14", "医保窗口", "dedicated"),
    ("15", "企业开办（市场监管）窗口", "dedicated"),
    ("16", "民政（婚姻登记）窗口", "dedicated"),
)

# Town centers: "4+N" (seed 000) — four comprehensive windows plus a few dedicated ones.
TOWN_WINDOWS: tuple[tuple[str, str, str], ...] = (
    ("1", "综合受理窗口", "comprehensive"),
    ("2", "综合受理窗口", "comprehensive"),
    ("3", "综合受理窗口", "comprehensive"),
    ("4", "综合受理窗口", "comprehensive"),
    ("5", "统一出件及帮办代办窗口", "comprehensive"),
    ("6", "社会救助窗口", "dedicated"),
    ("7", "公安户籍窗口", "dedicated"),
)
# Extra dedicated windows at the first town (front desk of county-level 不动产登记, seed 004).
FIRST_TOWN_EXTRA_WINDOWS: tuple[tuple[str, str, str], ...] = (("8", "不动产登记受理窗口", "dedicated"),)
VILLAGE_WINDOWS: tuple[tuple[str, str, str], ...] = (("1", "综合受理、帮办代办窗口", "comprehensive"),)
BANK_WINDOWS: tuple[tuple[str, str, str], ...] = (("1", "政银一体化综合服务窗口", "comprehensive"),)


def town_code(town: Town) -> str:
    return f"{COUNTY_PREFIX}{town.code}000"


def village_code(town: Town, village: Village) -> str:
    return f"{COUNTY_PREFIX}{town.code}{village.code}"


def center_code(town: Town) -> str:
    return f"{COUNTY_PREFIX}{town.code}-BMZX"


def station_code(town: Town, village: Village) -> str:
    return f"{village_code(town, village)}-BMZ"


def approval_center_code(town: Town) -> str:
    return f"{COUNTY_PREFIX}{town.code}-SPZX"


def town_by_code(code: str) -> Town:
    for town in TOWNS:
        if town.code == code:
            return town
    raise KeyError(code)
