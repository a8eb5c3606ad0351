"""Security events from where they happen: Django's login signals, django-axes' lockout, and saves of a
member of staff that change his role or scope (the admin, the org import)."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from yichuang.audit.models import SecurityKind
from yichuang.audit.services import ACTING, security_record

#: A member of staff's role and scope: a change of one is a security event.
_WATCHED = ("role", "point_id", "region_id", "department_id", "is_superuser", "is_staff", "is_active")


@receiver(user_logged_in, dispatch_uid="audit_login")
def _logged_in(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    security_record(SecurityKind.LOGIN, actor=user, request=request)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def _logged_out(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    if user is not None:
        security_record(SecurityKind.LOGOUT, actor=user, request=request)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _login_failed(sender: Any, credentials: Any = None, request: Any = None, **kwargs: Any) -> None:
    username = str((credentials or {}).get("username", ""))
    security_record(SecurityKind.LOGIN_FAILED, username=username, request=request)


@receiver(user_locked_out, dispatch_uid="audit_lockout")
def _locked_out(sender: Any, request: Any = None, username: str = "", **kwargs: Any) -> None:
    security_record(SecurityKind.LOCKOUT, username=username or "", request=request)


def _staff_model() -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model()


@receiver(pre_save, dispatch_uid="audit_staff_before")
def _staff_before(
    sender: Any, instance: Any, raw: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    if raw or sender is not _staff_model() or instance.pk is None:
        return
    if update_fields is not None and not {f.removesuffix("_id") for f in _WATCHED} & {
        f.removesuffix("_id") for f in update_fields
    }:
        return  # a sign-in's last_login, a password: no role or scope moves
    instance._audit_before = sender.objects.filter(pk=instance.pk).values(*_WATCHED).first()


def _scope(values: dict[str, Any]) -> str:
    return ",".join(f"{k.removesuffix('_id')}={values[k]}" for k in _WATCHED if k != "role")


@receiver(post_save, dispatch_uid="audit_staff_after")
def _staff_after(sender: Any, instance: Any, created: bool = False, raw: bool = False, **kwargs: Any) -> None:
    if raw or sender is not _staff_model():
        return
    before = instance.__dict__.pop("_audit_before", None)
    if created or not before:
        return
    after = {k: getattr(instance, k) for k in _WATCHED}
    actor, request = ACTING.get()
    subject = f"staff:{instance.pk} {instance.get_username()}"
    if before["role"] != after["role"]:
        security_record(
            SecurityKind.ROLE_CHANGE,
            actor=actor,
            request=request,
            subject=subject,
            from_value=before["role"],
            to_value=after["role"],
        )
    if _scope(before) != _scope(after):
        security_record(
            SecurityKind.SCOPE_CHANGE,
            actor=actor,
            request=request,
            subject=subject,
            from_value=_scope(before),
            to_value=_scope(after),
        )
