"""Data scopes: which records a user may see.

The rule, for every list, detail page, API endpoint and export:

* a user sees the records of their own department and everything below it, plus the
  records they personally take part in (first responder, owner, participant…);
* a role may be narrowed to ``own`` (only records one takes part in);
* general managers, administrators and superusers see everything.

``can_see`` is the pure rule; ``scope_queryset`` is the same rule as a query, which every
interface must use. A record outside the scope is answered with 404, never with its data.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from kefu.core.tree import in_subtree, subtree_q
from kefu.org.roles import DEFAULT_SCOPES, SCOPE_ORDER, DataScope


@dataclass(frozen=True)
class Viewer:
    """What the scope rule needs to know about the person looking."""

    user_id: int | None
    department_path: str | None
    scope: DataScope
    # the codes of the person's roles, for rules that depend on the role beyond the scope
    roles: frozenset[str] = frozenset()


NOBODY = Viewer(user_id=None, department_path=None, scope=DataScope.OWN)


def widest_scope(scopes: Iterable[str]) -> DataScope:
    """The widest of several roles' scopes; no role at all means ``own``."""
    widest = DataScope.OWN
    for scope in scopes:
        if SCOPE_ORDER[DataScope(scope)] > SCOPE_ORDER[widest]:
            widest = DataScope(scope)
    return widest


def can_see(viewer: Viewer, *, department_path: str | None, participant_ids: Iterable[int]) -> bool:
    """Whether *viewer* may see a record owned by a department and with these participants."""
    if viewer.user_id is None:
        return False
    if viewer.scope == DataScope.ALL:
        return True
    if viewer.user_id in set(participant_ids):
        return True
    return bool(
        viewer.scope == DataScope.SUBTREE
        and viewer.department_path
        and department_path
        and in_subtree(department_path, viewer.department_path)
    )


def viewer_for(user) -> Viewer:
    """The ``Viewer`` for a (possibly anonymous or inactive) Django user."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOBODY
    cached = getattr(user, "_kefu_viewer", None)
    if cached is not None:
        return cached
    roles = [] if user.is_superuser else list(user.roles.values_list("code", "data_scope"))
    scope = DataScope.ALL if user.is_superuser else widest_scope(s for _code, s in roles)
    department_path = user.department.path if user.department_id else None
    viewer = Viewer(
        user_id=user.pk,
        department_path=department_path,
        scope=scope,
        roles=frozenset(code for code, _scope in roles),
    )
    user._kefu_viewer = viewer
    return viewer


def scope_q(
    viewer: Viewer,
    *,
    department_field: str | None,
    participant_fields: Sequence[str] = (),
) -> Q | None:
    """The filter for *viewer*; ``None`` means no restriction."""
    if viewer.user_id is None:
        return Q(pk__in=[])
    if viewer.scope == DataScope.ALL:
        return None
    q = Q(pk__in=[])
    for field in participant_fields:
        q |= Q(**{field: viewer.user_id})
    if (
        viewer.scope == DataScope.SUBTREE
        and viewer.department_path
        and department_field is not None
    ):
        q |= subtree_q(department_field, viewer.department_path)
    return q


def scope_queryset(
    queryset: QuerySet,
    user,
    *,
    department_field: str | None = "department",
    participant_fields: Sequence[str] = (),
    distinct: bool = False,
) -> QuerySet:
    """Restrict *queryset* to what *user* may see.

    ``department_field`` names the foreign key to ``org.Department`` that owns a record (or
    ``""`` for the Department model itself); ``participant_fields`` are lookups whose value
    is a user id. Pass ``distinct=True`` when a participant lookup crosses a to-many
    relation.
    """
    q = scope_q(
        viewer_for(user), department_field=department_field, participant_fields=participant_fields
    )
    if q is None:
        return queryset
    queryset = queryset.filter(q)
    return queryset.distinct() if distinct else queryset


__all__ = [
    "DEFAULT_SCOPES",
    "NOBODY",
    "Viewer",
    "can_see",
    "scope_q",
    "scope_queryset",
    "viewer_for",
    "widest_scope",
]
