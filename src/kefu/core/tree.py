"""Materialised paths for tree tables (departments, categories).

A node's ``path`` is its ancestors' primary keys and its own (``/1/4/9/``), so a subtree is
one indexed prefix query; ``depth`` is the number of ancestors.
"""

from __future__ import annotations

from django.db.models import Q


def path_for(pk: int, parent_path: str | None) -> str:
    return f"{parent_path or '/'}{pk}/"


def depth_of(path: str) -> int:
    return path.count("/") - 2


def path_assign(node, parent) -> None:
    """Set a freshly saved *node*'s path and depth under *parent* (or at the root)."""
    node.path = path_for(node.pk, parent.path if parent else None)
    node.depth = depth_of(node.path)
    type(node).objects.filter(pk=node.pk).update(path=node.path, depth=node.depth)


def in_subtree(path: str, ancestor_path: str) -> bool:
    """Whether the node at *path* is the node at *ancestor_path* or lies below it.

    Paths end with ``/``, so ``/1/4/`` is under ``/1/`` but ``/12/`` is not.
    """
    return path.startswith(ancestor_path)


def subtree_q(field: str, ancestor) -> Q:
    """The filter "the node in *field* is *ancestor* or lies below it".

    *field* names the foreign key to the tree table (``"department"``,
    ``"ticket__department"``), or is ``""`` to filter the tree table itself; *ancestor* is
    a node or its path. ``subtree_q("department", d)`` is
    ``Q(department__path__startswith=d.path)``, one indexed prefix query.
    """
    path = ancestor if isinstance(ancestor, str) else ancestor.path
    lookup = f"{field}__path__startswith" if field else "path__startswith"
    return Q(**{lookup: path})
