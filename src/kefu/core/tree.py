"""Materialised paths for tree tables (departments, categories).

A node's ``path`` is its ancestors' primary keys and its own (``/1/4/9/``), so a subtree is
one indexed prefix query; ``depth`` is the number of ancestors.
"""

from __future__ import annotations


def path_for(pk: int, parent_path: str | None) -> str:
    return f"{parent_path or '/'}{pk}/"


def depth_of(path: str) -> int:
    return path.count("/") - 2


def path_assign(node, parent) -> None:
    """Set a freshly saved *node*'s path and depth under *parent* (or at the root)."""
    node.path = path_for(node.pk, parent.path if parent else None)
    node.depth = depth_of(node.path)
    type(node).objects.filter(pk=node.pk).update(path=node.path, depth=node.depth)
