"""A unit (单位): a service point or a department, one party of a handover list or of a 12345 ticket.

Both apps keep the unit in a pair of nullable foreign keys (``…_point``, ``…_department``) with a
check constraint that at most / exactly one is set; in memory it is this one value, so the two apps
compare, key and print a unit the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from yichuang.org.models import Department, Region, ServicePoint


class UnitKind(models.TextChoices):
    POINT = "point", _("服务点")
    DEPARTMENT = "department", _("部门")


@dataclass(frozen=True, eq=False, kw_only=True)
class Unit:
    """A service point or a department, exactly one of the two.

    Two units are equal when they are the same row of the same kind (the instances may differ).
    """

    point: ServicePoint | None = None
    department: Department | None = None

    def __post_init__(self) -> None:
        if (self.point is None) == (self.department is None):
            raise ValueError("a unit is a service point or a department")

    @property
    def kind(self) -> UnitKind:
        return UnitKind.POINT if self.point is not None else UnitKind.DEPARTMENT

    @property
    def obj(self) -> ServicePoint | Department:
        if self.point is not None:
            return self.point
        assert self.department is not None  # __post_init__: exactly one is set
        return self.department

    @property
    def pk(self) -> int:
        return int(self.obj.pk)

    @property
    def code(self) -> str:
        return self.obj.code

    @property
    def name(self) -> str:
        return self.obj.name

    @property
    def region(self) -> Region:
        return self.obj.region

    @property
    def key(self) -> str:
        """Short and stable, e.g. for the route of a handover entry: ``p12`` or ``d3``."""
        return f"{'p' if self.point is not None else 'd'}{self.pk}"

    @property
    def ref(self) -> str:
        """What clients write: ``point:CA`` or ``department:MZJ``."""
        return f"{self.kind}:{self.code}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Unit) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)

    def __str__(self) -> str:
        return self.name
