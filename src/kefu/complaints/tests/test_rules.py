"""The pure rules: register numbers, penalty band, return tolerance, approval authority."""

from datetime import date
from decimal import Decimal as D

import pytest

from kefu.complaints import rules
from kefu.complaints.rules import Limit, NumberingFull


@pytest.mark.parametrize(
    ("month", "serial", "width", "expected"),
    [
        pytest.param(date(2025, 3, 1), 1, 2, "250301", id="first-of-march-2025"),
        pytest.param(date(2025, 3, 1), 99, 2, "250399", id="last-two-digit"),
        pytest.param(date(2025, 12, 1), 7, 2, "251207", id="december"),
        pytest.param(date(2026, 1, 1), 1, 3, "2601001", id="three-digits"),
        pytest.param(date(2025, 3, 1), 100, 2, "2503100", id="widened-past-99"),
    ],
)
def test_register_number_is_yymm_then_the_serial(month, serial, width, expected):
    assert (
        rules.register_number(prefix="", month=month, serial=serial, width=width, overflow="widen")
        == expected
    )


def test_the_prefix_goes_in_front():
    assert (
        rules.register_number(
            prefix="JB", month=date(2025, 3, 1), serial=2, width=2, overflow="widen"
        )
        == "JB250302"
    )


def test_refuse_setting_raises_past_the_capacity():
    with pytest.raises(NumberingFull) as caught:
        rules.register_number(
            prefix="", month=date(2025, 3, 1), serial=100, width=2, overflow="refuse"
        )
    assert caught.value.capacity == 99
    # the 99th is still fine
    assert (
        rules.register_number(
            prefix="", month=date(2025, 3, 1), serial=99, width=2, overflow="refuse"
        )
        == "250399"
    )


def test_counters_restart_each_month_and_series():
    assert rules.counter_key("complaint", date(2025, 3, 1)) == "complaint:2025-03"
    assert rules.counter_key("complaint", date(2025, 4, 1)) != rules.counter_key(
        "complaint", date(2025, 3, 1)
    )
    assert rules.counter_key("tip_off", date(2025, 3, 1)) != rules.counter_key(
        "complaint", date(2025, 3, 1)
    )


@pytest.mark.parametrize(
    ("amount", "refused"),
    [
        pytest.param(D(800), False, id="800-accepted"),
        pytest.param(D(200), False, id="lower-end"),
        pytest.param(D(1500), False, id="upper-end"),
        pytest.param(D(100), True, id="100-refused"),
        pytest.param(D(2000), True, id="2000-refused"),
        pytest.param(D("199.99"), True, id="just-below"),
        pytest.param(None, False, id="no-fine"),
    ],
)
def test_penalty_band_default_200_to_1500(amount, refused):
    error = rules.fine_error(amount, minimum=D(200), maximum=D(1500))
    assert (error is not None) == refused
    if refused:
        assert "200" in error and "1,500" in error


@pytest.mark.parametrize(
    ("approved", "actual", "tolerance", "booked", "instruct"),
    [
        pytest.param(D(100), D(90), D(5), D(90), False, id="fewer-books-actual"),
        pytest.param(D(100), D(100), D(5), D(100), False, id="exact"),
        pytest.param(D(100), D(105), D(5), D(105), False, id="over-within-tolerance"),
        pytest.param(D(100), D("105.01"), D(5), D("105.01"), True, id="over-tolerance"),
        pytest.param(D(100), D(101), D(0), D(101), True, id="zero-tolerance"),
    ],
)
def test_return_reconciliation(approved, actual, tolerance, booked, instruct):
    result = rules.reconcile_return(approved=approved, actual=actual, tolerance_percent=tolerance)
    assert result.booked == booked
    assert result.needs_instruction is instruct


LIMITS = [Limit("department_head", D(2000), "部门经理"), Limit("general_manager", None, "总经理")]


@pytest.mark.parametrize(
    ("roles", "amount", "allowed"),
    [
        pytest.param({"department_head"}, D(800), True, id="head-800"),
        pytest.param({"department_head"}, D(2000), True, id="head-at-limit"),
        pytest.param({"department_head"}, D("2000.01"), False, id="head-over-limit"),
        pytest.param({"general_manager"}, D(50000), True, id="gm-any"),
        pytest.param({"agent"}, D(1), False, id="agent-never"),
        pytest.param({"administrator"}, D(1), False, id="admin-is-no-approver"),
    ],
)
def test_approval_authority(roles, amount, allowed):
    assert rules.may_approve(roles, amount, LIMITS) is allowed


@pytest.mark.parametrize(
    ("roles", "amount", "label"),
    [
        pytest.param({"department_head", "general_manager"}, D(800), "部门经理", id="lowest-held"),
        pytest.param({"department_head", "general_manager"}, D(8000), "总经理", id="above-head"),
        pytest.param({"general_manager"}, D(800), "总经理", id="gm-only"),
        pytest.param({"department_head"}, D(8000), None, id="beyond-held"),
    ],
)
def test_an_approval_is_recorded_at_the_lowest_level_held(roles, amount, label):
    level = rules.approving_level(roles, amount, LIMITS)
    assert (level.label if level else None) == label


def test_the_lowest_level_is_asked_first():
    assert rules.lowest_level(D(800), LIMITS).label == "部门经理"
    assert rules.lowest_level(D(8000), LIMITS).label == "总经理"
    assert rules.lowest_level(D(8000), LIMITS[:1]) is None


@pytest.mark.parametrize(
    ("month", "due"),
    [
        pytest.param(date(2025, 3, 1), date(2025, 4, 10), id="march"),
        pytest.param(date(2025, 12, 1), date(2026, 1, 10), id="december"),
    ],
)
def test_review_by_the_tenth_of_the_next_month(month, due):
    assert rules.review_due(month) == due


def test_previous_months_cross_the_year():
    assert rules.previous_months(date(2025, 2, 1), 3) == [
        date(2024, 12, 1),
        date(2025, 1, 1),
        date(2025, 2, 1),
    ]


def test_rates_and_money():
    assert rules.rate(2, 3) == D("66.7")
    assert rules.rate(0, 0) is None
    assert rules.yuan(D(1500)) == "1,500"
    assert rules.yuan(D("812.5")) == "812.50"
    assert rules.initial_severity("urgent") == "major"
    assert rules.initial_severity("high") == "general"


@pytest.mark.parametrize(
    ("raw", "month"),
    [
        pytest.param("2025-03", date(2025, 3, 1), id="month"),
        pytest.param("2025-3", date(2025, 3, 1), id="one-digit"),
        pytest.param("2025-13", None, id="no-13th-month"),
        pytest.param("三月", None, id="words"),
        pytest.param("2025-03-01", None, id="a-day"),
        pytest.param("", None, id="empty"),
    ],
)
def test_a_month_is_given_as_year_dash_month(raw, month):
    if month is None:
        with pytest.raises(ValueError):  # noqa: PT011  (the callers catch exactly this)
            rules.parse_month(raw)
    else:
        assert rules.parse_month(raw) == month
