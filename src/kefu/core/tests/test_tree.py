"""The subtree rule on materialised paths, as a test and as a query filter (pure)."""

from types import SimpleNamespace

import pytest
from django.db.models import Q

from kefu.core.tree import in_subtree, subtree_q


@pytest.mark.parametrize(
    ("path", "ancestor", "inside"),
    [
        pytest.param("/1/", "/1/", True, id="the node itself"),
        pytest.param("/1/4/", "/1/", True, id="a child"),
        pytest.param("/1/4/9/", "/1/", True, id="a grandchild"),
        pytest.param("/1/", "/1/4/", False, id="the parent is not below its child"),
        pytest.param("/12/", "/1/", False, id="a sibling whose id starts alike"),
        pytest.param("/2/4/", "/1/4/", False, id="another branch"),
        pytest.param("", "/1/", False, id="a node without a path"),
    ],
)
def test_in_subtree(path, ancestor, inside):
    assert in_subtree(path, ancestor) is inside


def test_subtree_q_filters_a_foreign_key_by_the_ancestors_path():
    department = SimpleNamespace(path="/1/4/")
    assert subtree_q("department", department) == Q(department__path__startswith="/1/4/")


def test_subtree_q_takes_a_path_and_follows_relations():
    assert subtree_q("ticket__department", "/1/") == Q(ticket__department__path__startswith="/1/")


def test_subtree_q_without_a_field_filters_the_tree_table_itself():
    assert subtree_q("", "/1/4/") == Q(path__startswith="/1/4/")
