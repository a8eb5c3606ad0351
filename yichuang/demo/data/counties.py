"""The demo's counties: 浉河区 (the one the demo has always loaded) and 平桥区, a second county of the
same city that ``yichuang loaddemo --counties 2`` adds (issue 17).

A county is a ``County``: its division prefix, its towns and villages, its hall, partner banks and
kiosks, the short forms of its name that its departments and documents use, and the suffix its demo
accounts carry. Everything else — departments, the catalog's items and materials, the delegations'
rules, the windows of each kind of point, the named cast — is the same data for every county
(``departments``, ``items_*``, ``rules``, ``accounts``), turned into the county's own rows by the loader:
the implementation codes (实施编码) end in the county's prefix while the base codes (基本编码) stay
shared, department codes and instrument numbers take the county's prefix and abbreviation, and every
account of the cast exists once per county with the county's suffix.

平桥区's towns are named after real ones; their villages and addresses are invented for the demo. The
division codes follow the statistical convention (街道 001…, 镇 100…, 乡 200…; 社区 001…, 行政村 201…).
"""

from __future__ import annotations

from dataclasses import dataclass

from yichuang.demo.data import places
from yichuang.demo.data.spec import Account, Town, Village

#: Bank outlets (code, name, town code, address, phone) and kiosks (code, name, parent point code).
BankOutlet = tuple[str, str, str, str, str]
Kiosk = tuple[str, str, str]


@dataclass(frozen=True)
class County:
    prefix: str  # the 6-digit county code
    name: str  # 浉河区
    short: str  # 浉河 (公安浉河分局)
    abbr: str  # 浉 (浉政审授〔2021〕12号)
    suffix: str  # appended to every demo username of this county ("" for the first)
    towns: tuple[Town, ...]
    hall: dict[str, str]
    bank_outlets: tuple[BankOutlet, ...]
    kiosks: tuple[Kiosk, ...]
    #: the demo cast's names here: username (of the first county) → (surname, given name)
    people: dict[str, tuple[str, str]]
    #: the county's administrator (管理员 of this county only): surname, given name
    admin_name: tuple[str, str]
    #: a center manager per town: (town code, username, surname, given name)
    managers: tuple[tuple[str, str, str, str], ...]
    office_phone: str  # the first 8 characters of the county offices' phone numbers: 0376-6288
    mobile_prefix: str  # the first 7 digits of the cast's mobile numbers

    @property
    def code(self) -> str:
        return f"{self.prefix}000000"

    @property
    def towns_in_order(self) -> tuple[Town, ...]:
        """The towns in division-code order (sub-districts first, then 镇, then 乡)."""
        return tuple(sorted(self.towns, key=lambda t: t.code))

    def town_code(self, town: Town) -> str:
        return f"{self.prefix}{town.code}000"

    def village_code(self, town: Town, village: Village) -> str:
        return f"{self.prefix}{town.code}{village.code}"

    def center_code(self, town: Town) -> str:
        return f"{self.prefix}{town.code}-BMZX"

    def station_code(self, town: Town, village: Village) -> str:
        return f"{self.village_code(town, village)}-BMZ"

    def approval_center_code(self, town: Town) -> str:
        return f"{self.prefix}{town.code}-SPZX"

    def department_code(self, key: str) -> str:
        return f"{self.prefix}-{key}"

    def has_town(self, code: str) -> bool:
        return any(t.code == code for t in self.towns)

    def town_by_code(self, code: str) -> Town:
        for town in self.towns:
            if town.code == code:
                return town
        raise KeyError(code)

    def local(self, text: str) -> str:
        """A text of the first county's data as this county says it: its name, short name and the
        abbreviation of its documents' numbers (浉政审授 → 平政审授), its office phone numbers."""
        first = SHIHE
        if self == first:
            return text
        return (
            text.replace(first.name, self.name)
            .replace(f"{first.short}分局", f"{self.short}分局")
            .replace(f"{first.abbr}政", f"{self.abbr}政")
            .replace(first.office_phone, self.office_phone)
        )

    def username(self, username: str) -> str:
        return f"{username}{self.suffix}"

    def accounts(self) -> tuple[Account, ...]:
        """The named cast of this county: the first county's accounts (``accounts.ACCOUNTS``) with
        this county's codes, names and usernames. The platform administrator is one for all and the
        12345 operator works for the first county's hotline, so they are not repeated."""
        from yichuang.demo.data.accounts import ACCOUNTS

        if self == SHIHE:
            return ACCOUNTS
        return tuple(self._account(a) for a in ACCOUNTS if a.username in self.people)

    def admin_account(self) -> Account:
        """The county's own administrator: role admin, scoped to the county (decision 144)."""
        surname, given = self.admin_name
        return Account(
            self.username("county_admin"),
            "admin",
            surname,
            given,
            region=self.code,
            department=self.department_code("DSJ"),
            phone=f"{self.mobile_prefix}0002",
            note=f"{self.name}政务服务和大数据管理局系统管理员（仅管理本县区）",
        )

    def _account(self, a: Account) -> Account:
        surname, given = self.people[a.username]

        def code(value: str) -> str:
            return f"{self.prefix}{value[len(SHIHE.prefix) :]}" if value.startswith(SHIHE.prefix) else value

        note = self.local(a.note)
        for town in SHIHE.towns:
            if town.name in note and self.has_town(town.code):
                mine = self.town_by_code(town.code)
                note = note.replace(town.name, mine.name)
                for village in town.villages:
                    theirs = next((v for v in mine.villages if v.code == village.code), None)
                    if theirs is not None:
                        note = note.replace(village.name, theirs.name)
        return Account(
            self.username(a.username),
            a.role,
            surname,
            given,
            point=code(a.point),
            region=code(a.region),
            department=code(a.department),
            window=a.window,
            phone=f"{self.mobile_prefix}{a.phone[len(self.mobile_prefix) :]}" if a.phone else "",
            superuser=a.superuser,
            note=note,
        )


def _v(code: str, name: str, all_year: bool = False) -> Village:
    return Village(code, name, all_year)


SHIHE = County(
    prefix=places.COUNTY_PREFIX,
    name=places.COUNTY[1],
    short="浉河",
    abbr="浉",
    suffix="",
    towns=places.TOWNS,
    hall=places.HALL,
    bank_outlets=places.BANK_OUTLETS,
    kiosks=places.KIOSKS,
    people={},
    admin_name=("钱", "立新"),
    managers=(),  # accounts.TOWN_MANAGERS (the loader reads them there, as it always has)
    office_phone="0376-6288",
    mobile_prefix="1390376",
)

# fmt: off
PINGQIAO_PEOPLE: dict[str, tuple[str, str]] = {
    "hall1": ("马", "晓琳"),
    "town1": ("宋", "佳"),
    "town1_review": ("韩", "立平"),
    "town2": ("唐", "小芳"),
    "county_review": ("董", "建国"),
    "agent1": ("梁", "桂芝"),
    "agent2": ("薛", "永福"),
    "bank1": ("杜", "晓敏"),
    "hall_manager": ("袁", "志强"),
    "county_supervisor": ("任", "卫国"),
    "mzj_review": ("姚", "淑芬"),
    "cl_review": ("邱", "春兰"),
    "town1_clerk2": ("秦", "晓燕"),
    "town2_review": ("江", "振宇"),
}
# fmt: on


PINGQIAO = County(
    prefix="411503",
    name="平桥区",
    short="平桥",
    abbr="平",
    suffix="_pq",
    towns=(
        Town(
            "100",
            "明港镇",
            "town",
            "信阳市平桥区明港镇新华街66号",
            "0376-3591101",
            (
                _v("001", "明港社区", True),
                _v("201", "新集村", True),
                _v("202", "叶楼村"),
                _v("203", "彭岗村"),
                _v("204", "周湾村"),
            ),
            "新华街",
        ),
        Town(
            "101",
            "邢集镇",
            "town",
            "信阳市平桥区邢集镇邢集街38号",
            "0376-3592101",
            (
                _v("001", "邢集社区"),
                _v("201", "曹湾村", True),
                _v("202", "大岗村"),
                _v("203", "王寨村"),
            ),
            "邢集街",
        ),
        Town(
            "102",
            "肖王镇",
            "town",
            "信阳市平桥区肖王镇肖王街12号",
            "0376-3593101",
            (_v("001", "肖王社区"), _v("201", "宋庄村"), _v("202", "何寨村")),
            "肖王街",
        ),
        Town(
            "200",
            "长台关乡",
            "township",
            "信阳市平桥区长台关乡淮河路8号",
            "0376-3595101",
            (_v("201", "长台关村"), _v("202", "甘岸村"), _v("203", "柳林村")),
            "淮河路",
        ),
        Town(
            "001",
            "平中街道",
            "street",
            "信阳市平桥区平中大街118号 平中街道办事处一楼",
            "0376-3221101",
            (_v("001", "中山社区", True), _v("002", "南大街社区"), _v("003", "北大街社区")),
            "平中大街",
        ),
        Town(
            "002",
            "五里店街道",
            "street",
            "信阳市平桥区五里店大道26号 五里店街道党群服务中心",
            "0376-3222101",
            (_v("001", "五里店社区"), _v("002", "新华社区"), _v("003", "文化社区")),
            "五里店大道",
        ),
    ),
    hall={
        "code": "411503-ZWZX",
        "name": "平桥区政务服务中心",
        "address": "信阳市平桥区中山大道与平桥大道交叉口 平桥区政务服务中心",
        "phone": "0376-3788001",
    },
    bank_outlets=(
        (
            "411503100-YH01",
            "中国邮政储蓄银行信阳市明港镇营业所（政银合作工作站）",
            "100",
            "信阳市平桥区明港镇新华街90号",
            "0376-3591095",
        ),
        (
            "411503001-YH01",
            "信阳农商银行平桥支行（政银合作工作站）",
            "001",
            "信阳市平桥区平中大街201号",
            "0376-3226618",
        ),
    ),
    kiosks=(
        ("411503-ZD01", "平桥区政务服务中心24小时自助服务区一体机", "411503-ZWZX"),
        ("411503100-ZD01", "明港镇便民服务中心自助服务一体机", "411503100-BMZX"),
    ),
    people=PINGQIAO_PEOPLE,
    admin_name=("石", "建平"),
    managers=(
        ("100", "mgr_minggang", "潘", "晓明"),
        ("101", "mgr_xingji", "戴", "文华"),
        ("102", "mgr_xiaowang", "夏", "红英"),
        ("200", "mgr_changtaiguan", "钟", "志勇"),
        ("001", "mgr_pingzhong", "谭", "海霞"),
        ("002", "mgr_wulidian", "贾", "立军"),
    ),
    office_phone="0376-3788",
    mobile_prefix="1390377",
)

#: The counties ``loaddemo --counties N`` loads: the first N of these, all of 信阳市.
COUNTIES: tuple[County, ...] = (SHIHE, PINGQIAO)

#: Accounts above the counties, made when more than one county is loaded: the city's and the
#: province's supervisors (read-only, aggregated dashboards), and an administrator per county who
#: manages only his county. (username, role, surname, given name, region code, phone, note)
OVERSIGHT: tuple[tuple[str, str, str, str, str, str, str], ...] = (
    (
        "city_supervisor",
        "supervisor",
        "高",
        "文涛",
        places.CITY[0],
        "13903760091",
        "信阳市政务服务和大数据管理局督查",
    ),
    (
        "province_supervisor",
        "supervisor",
        "林",
        "正清",
        places.PROVINCE[0],
        "13903760092",
        "河南省政务服务和大数据管理局督查",
    ),
)
