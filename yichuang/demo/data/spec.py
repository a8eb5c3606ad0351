"""The shapes of the demo data. Small frozen dataclasses so the data modules stay compact."""

from __future__ import annotations

from dataclasses import dataclass

# Where an item is offered (PointItem): letters in ``ItemSpec.offer``.
HALL = "H"  # the county government service hall
TOWNS = "T"  # town (sub-district) convenience-service centers
VILLAGES = "V"  # village (community) service stations
BANKS = "B"  # partner bank outlets (政银合作)
KIOSKS = "K"  # self-service kiosks


@dataclass(frozen=True)
class Village:
    code: str  # last 3 digits of the 12-digit division code
    name: str
    open_all_year: bool = False  # seed 001: 365 days a year


@dataclass(frozen=True)
class Town:
    code: str  # digits 7-9 of the division code
    name: str
    kind: str  # "street" (街道) | "town" (镇) | "township" (乡)
    address: str
    phone: str
    villages: tuple[Village, ...]
    hall_street: str = ""  # the street the center stands on, for village addresses

    @property
    def rural(self) -> bool:
        return self.kind != "street"


@dataclass(frozen=True)
class Department:
    key: str
    name: str
    short_name: str
    phone: str
    kind: str = "county_bureau"


@dataclass(frozen=True)
class License:
    code: str
    name: str
    issuer: str
    validity_years: int | None = None
    printable: bool = False


@dataclass(frozen=True)
class Material:
    code: str
    name: str
    form: str = "original"  # original | copy | electronic | original_and_copy
    copies: int = 1
    source: str = "applicant"  # applicant | government | intermediary | other
    license: str = ""  # LicenseType code a certificate-free (免证办) applicant may use instead
    source_note: str = ""
    notes: str = ""


@dataclass(frozen=True)
class ItemSpec:
    """One service item with the national element list (办事指南要素).

    ``materials`` is a space-separated list of catalog-wide material codes, each optionally followed
    by ``~`` (容缺: may follow later), ``!`` (告知承诺: a signed commitment may replace it) or ``?``
    (not required). ``F`` stands for the item's own application form, named by ``form``.
    ``towns`` limits where town centers and village stations offer it: "all", "rural" (镇、乡) or
    "urban" (街道).
    """

    base: str
    name: str
    type: str
    dept: str
    level: str
    statutory: int
    promised: int
    basis: str
    conditions: str
    materials: str
    form: str = ""
    audience: str = "person"
    visits: int = 1
    depth: int = 3
    result: str = "other"
    result_name: str = ""
    license: str = ""
    aliases: str = ""
    keywords: str = ""
    fee: str = ""
    fee_basis: str = ""
    process: str = ""
    offer: str = HALL
    delegate: str = ""  # "" | granted | entrusted | front_desk_only
    towns: str = "all"
    supplement_days: int = 5


@dataclass(frozen=True)
class BundleSpec:
    code: str
    name: str
    description: str
    items: tuple[str, ...]  # item names, in order


@dataclass(frozen=True)
class Account:
    username: str
    role: str
    last_name: str
    first_name: str
    point: str = ""  # service point code
    region: str = ""  # 12-digit region code
    department: str = ""  # department code
    window: str = ""  # window number at the point
    phone: str = ""
    superuser: bool = False
    note: str = ""
