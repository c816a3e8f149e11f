"""The pure rules: no database, every branch."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from kefu.calendars.workcal import Calendar, load_chinese_holidays
from kefu.followups import rules

SH = ZoneInfo("Asia/Shanghai")
STANDARD = Calendar.from_holiday_data("standard", load_chinese_holidays(2025, 2026))


@pytest.mark.parametrize(
    ("resolved", "score", "expected"),
    [
        pytest.param(True, 5, "satisfied", id="very-satisfied"),
        pytest.param(True, 4, "satisfied", id="satisfied"),
        pytest.param(True, 3, "neutral", id="neutral"),
        pytest.param(True, 2, "dissatisfied", id="dissatisfied"),
        pytest.param(False, 5, "dissatisfied", id="not-solved"),
    ],
)
def test_verdict(resolved, score, expected):
    assert rules.verdict(resolved=resolved, satisfaction=score) == expected


@pytest.mark.parametrize("score", [0, 6])
def test_verdict_outside_the_scale(score):
    with pytest.raises(ValueError, match=r"1\.\.5"):
        rules.verdict(resolved=True, satisfaction=score)


def test_delivery_schedule_monthly_then_quarterly():
    dates = rules.delivery_schedule(date(2025, 1, 15), until=date(2026, 10, 31))
    assert dates[:12] == [date(2025, m, 15) for m in range(2, 13)] + [date(2026, 1, 15)]
    assert dates[12:] == [date(2026, 4, 15), date(2026, 7, 15), date(2026, 10, 15)]


def test_delivery_schedule_clamps_month_ends():
    assert rules.delivery_schedule(date(2025, 1, 31), until=date(2025, 3, 31))[:2] == [
        date(2025, 2, 28),
        date(2025, 3, 31),
    ]


def test_yearly_dates_and_leap_birthdays():
    assert rules.yearly_dates(2, 29, start=date(2025, 1, 1), until=date(2028, 12, 31)) == [
        date(2025, 2, 28),
        date(2026, 2, 28),
        date(2027, 2, 28),
        date(2028, 2, 29),
    ]


@pytest.mark.parametrize("text", ["13-01", "10/01", "", "02-30"])
def test_parse_month_day_refuses(text):
    with pytest.raises(ValueError, match="month-day"):
        rules.parse_month_day(text)


def test_retry_plan_spreads_attempts_and_gives_up():
    monday = datetime(2026, 11, 23, 9, 0, tzinfo=SH)
    plan = rules.retry_plan(
        now=monday,
        failed_attempts=1,
        max_attempts=3,
        window_days=2,
        first_attempt_at=monday,
        cal=STANDARD,
    )
    assert not plan.give_up
    assert plan.window_ends_at == datetime(2026, 11, 25, 17, 30, tzinfo=SH)
    assert monday < plan.next_at < plan.window_ends_at
    late = rules.retry_plan(
        now=monday + timedelta(days=5),
        failed_attempts=2,
        max_attempts=3,
        window_days=2,
        first_attempt_at=monday,
        cal=STANDARD,
    )
    assert late.next_at == datetime(2026, 11, 30, 8, 30, tzinfo=SH)  # next working instant
    done = rules.retry_plan(
        now=monday,
        failed_attempts=3,
        max_attempts=3,
        window_days=2,
        first_attempt_at=monday,
        cal=STANDARD,
    )
    assert done.give_up and done.next_at is None


def test_escalation_chain_goes_up_one_level_per_round():
    path = [1, 4, 9]  # company → department → team
    assert [rules.escalation_chain(path, n) for n in (1, 2, 3, 4)] == [9, 4, 1, None]


def test_sample_is_reproducible_and_rounds_up():
    population = list(range(1, 13))
    first = rules.sample(population, percent=10, seed=7)
    assert first == rules.sample(list(reversed(population)), percent=10, seed=7)
    assert len(first) == 2
    assert rules.sample([5], percent=10, seed=1) == [5]
    assert rules.sample([], percent=10, seed=1) == []
    with pytest.raises(ValueError, match="percent"):
        rules.sample(population, percent=0, seed=1)


def test_rates_and_nps():
    assert rules.rate(1, 3) == 33.3
    assert rules.rate(1, 0) is None
    assert rules.nps([10, 9, 8, 6]) == 25.0
    assert rules.nps([]) is None


@pytest.mark.parametrize(
    ("kind", "value", "choices", "expected"),
    [
        ("scale", "5", [], 5),
        ("nps", 0, [], 0),
        ("single_choice", "已解决", ["已解决", "未解决"], "已解决"),
        ("text", "  好 ", [], "好"),
    ],
)
def test_check_answer_accepts(kind, value, choices, expected):
    assert rules.check_answer(kind, value, choices=choices, required=True) == expected


@pytest.mark.parametrize(
    ("kind", "value", "choices", "rule"),
    [
        ("scale", "6", [], "scale"),
        ("nps", "11", [], "nps"),
        ("scale", "x", [], "number"),
        ("single_choice", "也许", ["是", "否"], "choice"),
        ("text", "", [], "required"),
    ],
)
def test_check_answer_refuses(kind, value, choices, rule):
    with pytest.raises(ValueError, match=rule):
        rules.check_answer(kind, value, choices=choices, required=True)


@pytest.mark.django_db
@time_machine.travel(datetime(2026, 11, 23, 9, 0, tzinfo=SH), tick=False)
def test_plan_command_is_idempotent(org):
    from io import StringIO

    from django.core.management import call_command

    from kefu.customers import services as customer_services

    customer_services.customer_create(
        actor=org.account_manager, account_manager=org.account_manager, name="甲级客户", grade="A"
    )
    out = StringIO()
    call_command("followups", "plan", "--days", "30", stdout=out)
    assert "新建计划回访 1 条" in out.getvalue()
    out = StringIO()
    call_command("followups", "plan", "--days", "30", stdout=out)
    assert "新建计划回访 0 条" in out.getvalue()
