"""Writes to the organisation: departments, staff, roles and API tokens.

Every function validates (``full_clean``) before saving and runs in one transaction; the
history of each change is recorded by the models' ``HistoricalRecords``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _
from knox.models import AuthToken

from kefu.core.audit import one_history_record
from kefu.core.tree import in_subtree, path_assign, path_for, subtree_q
from kefu.org.models import Department, Role, User
from kefu.org.roles import DEFAULT_SCOPES, RoleCode


@transaction.atomic
def department_create(
    *,
    name: str,
    code: str,
    kind: str,
    parent: Department | None = None,
    sort_order: int = 0,
    phone: str = "",
) -> Department:
    if parent is not None and not parent.is_active:
        raise ValidationError(
            {
                "parent": ValidationError(
                    _("The parent department is deactivated."), code="department_inactive"
                )
            }
        )
    department = Department(
        name=name, code=code, kind=kind, parent=parent, sort_order=sort_order, phone=phone
    )
    department.full_clean(exclude=["path"])
    department.save()
    path_assign(department, parent)
    return department


@transaction.atomic
def department_update(*, department: Department, **fields) -> Department:
    """Change a department's fields; a new parent moves the whole subtree."""
    department = Department.objects.select_for_update().get(pk=department.pk)
    old_path = department.path
    new_parent = fields.get("parent", department.parent)
    if new_parent is not None and in_subtree(new_parent.path, old_path):
        raise ValidationError(
            {
                "parent": ValidationError(
                    _("A department cannot be moved under itself or one of its sub-departments."),
                    code="department_cycle",
                )
            }
        )
    for name, value in fields.items():
        setattr(department, name, value)
    department.full_clean(exclude=["path"])
    department.save()
    new_path = path_for(department.pk, new_parent.path if new_parent else None)
    if new_path != old_path:
        depth_change = (new_path.count("/")) - (old_path.count("/"))
        subtree = Department.objects.filter(subtree_q("", old_path))
        for row in subtree.only("pk", "depth"):
            Department.objects.filter(pk=row.pk).update(depth=row.depth + depth_change)
        subtree.update(path=Concat(Value(new_path), Substr("path", len(old_path) + 1)))
        department.refresh_from_db()
    return department


@transaction.atomic
def department_set_active(*, department: Department, active: bool) -> Department:
    department = Department.objects.select_for_update().get(pk=department.pk)
    if not active:
        if department.children.filter(is_active=True).exists():
            raise ValidationError(
                _("Deactivate or move the active sub-departments of “%(name)s” first.")
                % {"name": department.name},
                code="department_has_active_children",
            )
        if department.staff.filter(is_active=True).exists():
            raise ValidationError(
                _("“%(name)s” still has active staff; move or deactivate them first.")
                % {"name": department.name},
                code="department_has_active_staff",
            )
    elif department.parent is not None and not department.parent.is_active:
        raise ValidationError(
            {
                "parent": ValidationError(
                    _("The parent department is deactivated."), code="department_inactive"
                )
            }
        )
    department.is_active = active
    department.save(update_fields=["is_active"])
    return department


def roles_by_code(codes: Iterable[str]) -> list[Role]:
    codes = list(dict.fromkeys(codes))
    unknown = set(codes) - set(RoleCode.values)
    if unknown:
        raise ValidationError(
            {
                "roles": ValidationError(
                    _("Unknown role: %(codes)s") % {"codes": ", ".join(sorted(unknown))},
                    code="invalid_choice",
                )
            }
        )
    roles = list(Role.objects.filter(code__in=codes))
    if len(roles) < len(codes):
        roles_ensure()
        roles = list(Role.objects.filter(code__in=codes))
    return roles


def roles_ensure() -> None:
    """Create the role rows that do not exist yet, with their default scopes."""
    for code in RoleCode.values:
        Role.objects.get_or_create(code=code, defaults={"data_scope": DEFAULT_SCOPES[code]})


@transaction.atomic
def staff_create(
    *,
    username: str,
    full_name: str,
    password: str | None,
    department: Department | None,
    roles: Iterable[Role] = (),
    employee_no: str | None = None,
    phone: str = "",
    email: str = "",
    language: str = "zh-hans",
    is_superuser: bool = False,
) -> User:
    if department is not None and not department.is_active:
        raise ValidationError(
            {
                "department": ValidationError(
                    _("The department is deactivated."), code="department_inactive"
                )
            }
        )
    user = User(
        username=username,
        full_name=full_name,
        employee_no=employee_no or None,
        department=department,
        phone=phone,
        email=email,
        language=language,
        is_superuser=is_superuser,
        is_staff=is_superuser,
    )
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.error_list}) from None
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    with one_history_record(user, created=True):
        user.save()
        user.roles.set(list(roles))
    return user


@transaction.atomic
def staff_update(*, user: User, roles: Iterable[Role] | None = None, **fields) -> User:
    user = User.objects.select_for_update(of=("self",)).get(pk=user.pk)
    department = fields.get("department")
    if department is not None and department.pk != user.department_id and not department.is_active:
        raise ValidationError(
            {
                "department": ValidationError(
                    _("The department is deactivated."), code="department_inactive"
                )
            }
        )
    for name, value in fields.items():
        setattr(user, name, value)
    if user.employee_no == "":
        user.employee_no = None
    user.full_clean(exclude=["password"])
    with one_history_record(user, created=False):
        user.save()
        if roles is not None:
            user.roles.set(list(roles))
    return user


@transaction.atomic
def staff_set_active(*, user: User, active: bool, actor: User) -> User:
    user = User.objects.select_for_update(of=("self",)).get(pk=user.pk)
    if not active and user.pk == actor.pk:
        raise ValidationError(_("You cannot deactivate your own account."), code="deactivate_self")
    if active and user.department is not None and not user.department.is_active:
        raise ValidationError(
            {
                "department": ValidationError(
                    _("The department is deactivated."), code="department_inactive"
                )
            }
        )
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        AuthToken.objects.filter(user=user).delete()
    return user


@transaction.atomic
def staff_set_password(*, user: User, password: str) -> User:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.error_list}) from None
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


@dataclass(frozen=True)
class IssuedToken:
    """A token just created: ``key`` is the only time its value exists outside the caller."""

    token: AuthToken
    key: str


@transaction.atomic
def token_create(*, user: User) -> IssuedToken:
    """A new API token for *user*, valid for ``API_TOKEN_TTL``; only its digest is stored."""
    if not user.is_active:
        raise ValidationError(
            _("A deactivated account cannot have API tokens."), code="user_inactive"
        )
    token, key = AuthToken.objects.create(user=user, expiry=settings.API_TOKEN_TTL)
    return IssuedToken(token=token, key=key)


@transaction.atomic
def token_regenerate(*, user: User) -> IssuedToken:
    """Replace all of the user's API tokens with one new one (the old ones stop at once)."""
    AuthToken.objects.filter(user=user).delete()
    return token_create(user=user)


@transaction.atomic
def token_revoke(*, user: User, token_key: str | None = None) -> int:
    """Revoke the user's token that starts with *token_key*, or all of them; how many."""
    tokens = AuthToken.objects.filter(user=user)
    if token_key is not None:
        tokens = tokens.filter(token_key=token_key)
    deleted, _by_model = tokens.delete()
    return deleted
