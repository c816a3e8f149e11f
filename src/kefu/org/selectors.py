"""Reads of the organisation, always through the data scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import pgettext_lazy

from kefu.core.tree import subtree_q
from kefu.org.models import Department, Role, User
from kefu.org.scopes import scope_queryset


def departments_visible(user) -> QuerySet[Department]:
    """Departments *user* may see (their subtree, or all), in tree order."""
    return scope_queryset(Department.objects.all(), user, department_field="").select_related(
        "parent"
    )


def department_tree(user, *, include_inactive: bool = True) -> list[Department]:
    """Visible departments in tree order, each annotated with ``staff_count``."""
    qs = departments_visible(user).annotate(
        staff_count=Count("staff", filter=Q(staff__is_active=True))
    )
    if not include_inactive:
        qs = qs.filter(is_active=True)
    return list(qs.order_by("path"))


def staff_visible(user) -> QuerySet[User]:
    """Staff *user* may see: those of their department subtree, and themselves."""
    return scope_queryset(
        User.objects.all(), user, department_field="department", participant_fields=("pk",)
    )


@dataclass(frozen=True)
class StaffFilter:
    q: str = ""
    department: Department | None = None
    role: str = ""
    active: bool | None = True


def staff_list(user, filters: StaffFilter) -> QuerySet[User]:
    qs = (
        staff_visible(user)
        .select_related("department")
        .prefetch_related(Prefetch("roles", queryset=Role.objects.order_by("id")))
    )
    if filters.q:
        text = filters.q.strip()
        qs = qs.filter(
            Q(full_name__icontains=text)
            | Q(username__icontains=text)
            | Q(employee_no__icontains=text)
            | Q(phone__contains=text)
        )
    if filters.department is not None:
        qs = qs.filter(subtree_q("department", filters.department))
    if filters.role:
        qs = qs.filter(roles__code=filters.role)
    if filters.active is not None:
        qs = qs.filter(is_active=filters.active)
    return qs.order_by("department__path", "employee_no", "id")


# What happened in one history record: the history library's own words ("Created") are
# also a column heading in kefu's catalogues, where they read 创建时间.
HISTORY_TYPES = {
    "+": pgettext_lazy("history", "Created"),
    "~": pgettext_lazy("history", "Changed"),
    "-": pgettext_lazy("history", "Deleted"),
}


def history_entries(obj, *, limit: int = 50) -> list[dict]:
    """The change history of *obj*, newest first: who, when, and each field's old → new."""
    records = list(
        obj.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : limit + 1
        ]
    )
    entries = []
    for index, record in enumerate(records[:limit]):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if previous is not None and record.history_type == "~":
            for change in record.diff_against(previous).changes:
                field = record.instance._meta.get_field(change.field)
                old, new = _display(field, change.old), _display(field, change.new)
                if old != new:
                    changes.append({"field": field.verbose_name, "old": old, "new": new})
        entries.append(
            {
                "date": record.history_date,
                "user": record.history_user,
                "type": HISTORY_TYPES.get(record.history_type, record.history_type),
                "type_code": record.history_type,
                "changes": changes,
            }
        )
    return entries


def _display(field, value):
    if value is None or value == "":
        return "—"
    if field.many_to_many:
        related = field.related_model
        ids = [item[field.m2m_reverse_field_name()] for item in value] if value else []
        return (
            "、".join(str(obj) for obj in related.objects.filter(pk__in=ids).order_by("pk")) or "—"
        )
    if field.is_relation:
        obj = field.related_model.objects.filter(pk=value).first()
        return str(obj) if obj else f"#{value}"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        from django.utils.translation import gettext as _

        return _("Yes") if value else _("No")
    return str(value)


@dataclass(frozen=True)
class ApiTokenRow:
    """One of a user's API tokens as its owner sees it: never its value, only how it starts."""

    token_key: str
    created: datetime
    expiry: datetime | None
    last_used: datetime | None
    expired: bool


def api_tokens(user, *, now: datetime) -> list[ApiTokenRow]:
    """The user's API tokens, newest first, with when each was last used."""
    from knox.models import AuthToken

    from kefu.org import tokenuse

    tokens = list(AuthToken.objects.filter(user=user).order_by("-created"))
    used = tokenuse.last_uses(t.digest for t in tokens)
    return [
        ApiTokenRow(
            token_key=t.token_key,
            created=t.created,
            expiry=t.expiry,
            last_used=used.get(t.digest),
            expired=t.expiry is not None and t.expiry <= now,
        )
        for t in tokens
    ]
