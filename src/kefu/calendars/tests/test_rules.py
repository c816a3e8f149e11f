"""Pure calendar rules: period text, which years must be loaded."""

from datetime import date, time

import pytest

from kefu.calendars import rules


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("", (), id="blank-is-closed"),
        pytest.param("08:30-12:00", ((time(8, 30), time(12)),), id="one"),
        pytest.param(
            "08:30-12:00, 13:30-17:30",
            ((time(8, 30), time(12)), (time(13, 30), time(17, 30))),
            id="two-comma",
        ),
        pytest.param(
            "8:30-12:00，13:30-17:30",
            ((time(8, 30), time(12)), (time(13, 30), time(17, 30))),
            id="fullwidth-comma-short-hour",
        ),
        pytest.param("00:00-24:00", ((time(0), time(0)),), id="whole-day"),
        pytest.param("20:00 至 24:00", ((time(20), time(0)),), id="zhi"),
    ],
)
def test_parse_periods(text, expected):
    assert rules.parse_periods(text) == expected
    if expected:
        assert rules.parse_periods(rules.format_periods(expected)) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("8.30-12", "不是", id="malformed"),
        pytest.param("12:00-08:30", "早于", id="backwards"),
        pytest.param("08:30-12:00, 11:00-17:30", "重叠", id="overlap"),
        pytest.param("25:00-26:00", "不是", id="bad-hour"),
    ],
)
def test_parse_periods_refuses_in_chinese(text, message):
    with pytest.raises(ValueError, match=message):
        rules.parse_periods(text)


@pytest.mark.parametrize(
    ("today", "loaded", "missing"),
    [
        pytest.param(date(2026, 9, 30), {2026}, (), id="september-nothing"),
        pytest.param(date(2026, 10, 1), {2026}, (2027,), id="october-next-year"),
        pytest.param(date(2026, 10, 1), {2026, 2027}, (), id="october-loaded"),
        pytest.param(date(2026, 12, 31), {2026}, (2027,), id="december"),
        pytest.param(date(2027, 1, 2), {2026}, (2027,), id="current-year-missing"),
        pytest.param(date(2027, 3, 1), set(), (2027,), id="nothing-loaded"),
    ],
)
def test_missing_years(today, loaded, missing):
    assert rules.missing_years(today, loaded) == missing
