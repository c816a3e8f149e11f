from datetime import date

import pytest

from kefu.tickets.rules import (
    DEFAULT_NUMBER_PATTERN,
    RoutingRuleView,
    counter_key,
    format_number,
    grade_rank,
    pattern_errors,
    pick_assignee,
    route,
)


def test_default_number_format():
    number = format_number(DEFAULT_NUMBER_PATTERN, prefix="GD", day=date(2026, 11, 23), serial=42)
    assert number == "GD20261123-00042"


@pytest.mark.parametrize(
    ("pattern", "key"),
    [
        pytest.param(DEFAULT_NUMBER_PATTERN, "GD:2026-11-23", id="daily"),
        pytest.param("{prefix}-{serial:07d}", "GD:all", id="never-resets"),
    ],
)
def test_counter_key(pattern, key):
    assert counter_key(pattern, prefix="GD", day=date(2026, 11, 23)) == key


@pytest.mark.parametrize(
    ("pattern", "ok"),
    [
        ("{prefix}{date:%Y%m%d}-{serial:05d}", True),
        ("{prefix}{date:%y%m}{serial:03d}", True),
        ("{prefix}{date:%Y%m%d}", False),
        ("{prefix}{serial}{user}", False),
        ("{prefix{serial}", False),
    ],
)
def test_pattern_errors(pattern, ok):
    assert (pattern_errors(pattern) == []) is ok


RULES = [
    RoutingRuleView(order=30, department_id=3, category_path="/1/"),
    RoutingRuleView(order=10, department_id=1, category_path="/1/2/", area="城东"),
    RoutingRuleView(order=20, department_id=2, category_path="/1/", grade="A"),
]


@pytest.mark.parametrize(
    ("category_path", "area", "grade", "expected"),
    [
        pytest.param("/1/2/", "城东区幸福小区", "C", 1, id="sub-category-and-area"),
        pytest.param("/1/2/", "城西区", "A", 2, id="grade-rule-before-catch-all"),
        pytest.param("/1/5/", "城东区", "", 3, id="category-catch-all"),
        pytest.param("/9/", "城东区", "A", None, id="no-rule"),
        pytest.param("/1/2/", "", "a", 2, id="grade-case-insensitive"),
    ],
)
def test_route_first_match_wins(category_path, area, grade, expected):
    assert route(RULES, category_path=category_path, area=area, grade=grade) == expected


def test_round_robin_and_least_load():
    pool = [(7, 3), (3, 0), (5, 1)]
    assert pick_assignee(pool, mode="round_robin", last_assigned_id=None) == 3
    assert pick_assignee(pool, mode="round_robin", last_assigned_id=3) == 5
    assert pick_assignee(pool, mode="round_robin", last_assigned_id=7) == 3
    assert pick_assignee(pool, mode="least_load", last_assigned_id=None) == 3
    assert pick_assignee([(4, 2), (2, 2)], mode="least_load", last_assigned_id=None) == 2
    assert pick_assignee(pool, mode="none", last_assigned_id=None) is None
    assert pick_assignee([], mode="round_robin", last_assigned_id=None) is None


def test_grade_rank_orders_a_before_b_before_c_before_unknown():
    assert [grade_rank(g) for g in ("A", "b", "C", "", None)] == [0, 1, 2, 50, 50]


def test_grade_rank_follows_the_configured_list():
    grades = ("AA", "A", "B", "C", "D")
    assert [grade_rank(g, grades) for g in ("AA", "A", "D", "", "E")] == [0, 1, 4, 50, 50]
