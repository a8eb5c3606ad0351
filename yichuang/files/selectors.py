"""Who may read which material file.

A file is visible to its uploader and to everyone whose scope holds the file's region (or, for
point-scoped staff such as bank clerks, its point): the town clerk sees what the town's village agents
uploaded, the clerk of the next town does not. Out of scope answers 404, as if the file did not exist.

Other apps widen this without the files app knowing them: the cases app, for one, can let a reviewer
at a county bureau read the files attached to a case he handles by registering a rule from its
``AppConfig.ready()``::

    register_file_visibility(lambda user: Q(Exists(links.filter(storedfile=OuterRef("pk"), ...))))

A rule should be an ``Exists`` over the related rows, not a join (``Q(case_materials__…)``): a join
repeats a file once per related row, and the rows would then have to be made distinct — a sort of
every joined row on each read, which grows with every case that reuses the file.

``files_for`` and therefore ``file_get_for`` (and the HTTP API) then include those files too. When a
case is created, the cases app should resolve the submitted ids with ``files_for(user)`` so nobody can
attach a file he could not read.

An owner may also *claim* files (``register_file_visibility(rule, claims=...)``): once a file is attached
to a case, the case says who reads it, and the region of the upload no longer does. Otherwise a county
bureau's reviewer, whose scope region is the whole county but who sees only the cases his department
handles, read the ID-card scans of every town case (issue 15, finding 2). The uploader keeps his file.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound

from yichuang.files.models import StoredFile
from yichuang.org.models import Staff
from yichuang.org.selectors import limit_to_scope

#: A rule returns a ``Q`` over ``StoredFile`` of extra files ``user`` may read (never ``Q()``: that is
#: all), as an ``Exists`` so that no file is repeated.
VisibilityRule = Callable[[Staff], Q]

_visibility_rules: list[VisibilityRule] = []

#: Each returns a ``Q`` over ``StoredFile`` (an ``Exists``) of the files an owner has taken over: for
#: those, the owner's visibility rule replaces the scope of the upload's region and point.
ClaimRule = Callable[[], Q]

_claim_rules: list[ClaimRule] = []


def register_file_visibility(rule: VisibilityRule, *, claims: ClaimRule | None = None) -> None:
    """Let ``rule`` widen what a user may read; with ``claims``, the files ``claims()`` names are read
    only by the uploader and through ``rule`` (and the other owners' rules). Call it once, from an
    ``AppConfig.ready()``."""
    if rule not in _visibility_rules:
        _visibility_rules.append(rule)
    if claims is not None and claims not in _claim_rules:
        _claim_rules.append(claims)


#: Principals that are not staff (a citizen signed in online), each with the one rule that says which
#: files are his: such a principal reads those and nothing else.
_owner_rules: dict[type, Callable[[Any], Q]] = {}


def register_file_owner(principal: type, rule: Callable[[Any], Q]) -> None:
    """Let a principal that is not ``Staff`` read the files ``rule`` names (an ``Exists``, as above);
    call it once, from an ``AppConfig.ready()``."""
    _owner_rules[principal] = rule


def files_for(user: Any) -> QuerySet[StoredFile]:
    """Every file ``user`` may read: uploaded by him, allowed by a registered rule, or in his scope and
    claimed by no owner."""
    qs = StoredFile.objects.select_related("uploaded_by", "point", "region")
    owner_rule = _owner_rules.get(type(user))
    if owner_rule is not None:
        return qs.filter(owner_rule(user))
    if not isinstance(user, Staff) or not user.is_authenticated or not user.is_active:
        return qs.none()
    in_scope = limit_to_scope(qs, user, region_field="region", point_field="point")
    for claims in _claim_rules:
        in_scope = in_scope.exclude(claims())
    visible = in_scope | qs.filter(uploaded_by=user)
    for rule in _visibility_rules:
        visible = visible | qs.filter(rule(user))
    return visible


def file_get_for(*, user: Any, file_id: str | uuid.UUID) -> StoredFile:
    """The file ``file_id`` if ``user`` may read it; ``NotFound`` otherwise, and for an id that is no UUID."""
    try:
        pk = file_id if isinstance(file_id, uuid.UUID) else uuid.UUID(str(file_id))
    except (ValueError, TypeError, AttributeError) as exc:
        raise NotFound(_("未找到该文件。")) from exc
    stored = files_for(user).filter(pk=pk).first()
    if stored is None:
        raise NotFound(_("未找到该文件。"))
    return stored
