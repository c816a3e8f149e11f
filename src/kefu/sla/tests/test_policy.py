"""Pure SLA arithmetic, table-driven, on the real 2024–2026 State Council holidays."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kefu.calendars.workcal import Calendar, load_chinese_holidays, working_time_between
from kefu.sla import presets
from kefu.sla.policy import (
    Facts,
    MilestoneSpec,
    PolicySpec,
    add_working_time,
    extend_for_pause,
    hard_limit_due,
    match_policy,
    milestone_due,
    plan_deadlines,
    warning_instants,
)

SH = ZoneInfo("Asia/Shanghai")
STANDARD = Calendar.from_holiday_data("standard", load_chinese_holidays(2024, 2026))
ALWAYS = Calendar(code="24x7", always_open=True)
CALENDARS = {"standard": STANDARD, "24x7": ALWAYS}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def ms(amount, unit, calendar="standard", **extra) -> MilestoneSpec:
    return MilestoneSpec(kind="resolution", amount=amount, unit=unit, calendar=calendar, **extra)


# ---------------------------------------------------------------------------- matching


def policy(code, order, **conditions):
    return PolicySpec(
        code=code,
        name=code,
        order=order,
        conditions={k: frozenset(v) for k, v in conditions.items()},
    )


POLICIES = [
    policy("leak", 10, ticket_types={"repair"}, categories={"leak"}),
    policy("repair", 20, ticket_types={"repair"}),
    policy("vip-complaint", 30, ticket_types={"complaint"}, customer_grades={"A"}),
    policy("complaint", 40, ticket_types={"complaint"}),
    policy("transfer", 5, channels={"superior_transfer"}),
    policy("any", 99),
]


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        pytest.param(Facts(ticket_type="repair", category="leak"), "leak", id="leak"),
        pytest.param(Facts(ticket_type="repair", category="water/leak"), "leak", id="leak-path"),
        pytest.param(Facts(ticket_type="repair", category="door"), "repair", id="other-repair"),
        pytest.param(Facts(ticket_type="repair"), "repair", id="no-category"),
        pytest.param(Facts(ticket_type="complaint", customer_grade="A"), "vip-complaint", id="vip"),
        pytest.param(Facts(ticket_type="complaint", customer_grade="B"), "complaint", id="b-grade"),
        pytest.param(Facts(ticket_type="complaint"), "complaint", id="blank-grade"),
        pytest.param(
            Facts(ticket_type="repair", channel="superior_transfer"), "transfer", id="order-wins"
        ),
        pytest.param(Facts(ticket_type="consultation"), "any", id="catch-all"),
    ],
)
def test_match_policy_first_match_in_order(facts, expected):
    assert match_policy(reversed(POLICIES), facts).code == expected


def test_match_policy_none():
    assert match_policy(POLICIES[:4], Facts(ticket_type="praise")) is None
    assert match_policy([], Facts()) is None


# ---------------------------------------------------------------------------- due instants


@pytest.mark.parametrize(
    ("start", "amount", "unit", "calendar", "due", "provisional"),
    [
        pytest.param(
            "2026-09-30T16:00",
            5,
            "working_days",
            "standard",
            "2026-10-13T17:30",
            False,
            id="national-day-and-saturday-makeup",
        ),
        pytest.param(
            "2026-09-30T16:00",
            4,
            "working_hours",
            "standard",
            "2026-10-08T11:00",
            False,
            id="working-hours-over-national-day",
        ),
        pytest.param(
            "2026-09-30T16:00",
            3,
            "calendar_days",
            "standard",
            "2026-10-08T17:30",
            False,
            id="calendar-days-land-on-holiday",
        ),
        pytest.param(
            "2026-09-30T16:00",
            0,
            "calendar_days",
            "standard",
            "2026-09-30T17:30",
            False,
            id="same-day",
        ),
        pytest.param(
            "2026-09-30T18:00",
            0,
            "calendar_days",
            "standard",
            "2026-10-08T17:30",
            False,
            id="same-day-after-hours",
        ),
        pytest.param(
            "2025-09-26T10:00",
            1,
            "working_days",
            "standard",
            "2025-09-28T17:30",
            False,
            id="sunday-makeup-2025",
        ),
        pytest.param(
            "2024-02-08T09:00",
            2,
            "working_days",
            "standard",
            "2024-02-18T17:30",
            False,
            id="spring-festival-2024",
        ),
        pytest.param(
            "2026-05-06T09:00",
            30,
            "minutes",
            "24x7",
            "2026-05-06T09:30",
            False,
            id="leak-30-minutes",
        ),
        pytest.param(
            "2026-10-01T09:00",
            2,
            "hours",
            "24x7",
            "2026-10-01T11:00",
            False,
            id="on-site-2h-on-holiday",
        ),
        pytest.param(
            "2026-12-31T10:00",
            2,
            "working_days",
            "standard",
            "2027-01-04T17:30",
            True,
            id="unloaded-2027-provisional",
        ),
    ],
)
def test_milestone_due(start, amount, unit, calendar, due, provisional):
    deadline = milestone_due(at(start), ms(amount, unit, calendar), CALENDARS[calendar])
    assert deadline.due == at(due)
    assert deadline.provisional is provisional


def test_hard_limit_14_and_21_days():
    milestone = ms(14, "calendar_days", hard_limit_amount=21)
    start = at("2026-09-24T10:00")
    assert milestone_due(start, milestone, STANDARD).due == at("2026-10-08T17:30")
    assert hard_limit_due(start, milestone, STANDARD).due == at("2026-10-15T17:30")
    assert hard_limit_due(start, ms(14, "calendar_days"), STANDARD) is None


# ---------------------------------------------------------------------------- pauses


@pytest.mark.parametrize(
    ("due", "paused", "resumed", "unit", "expected"),
    [
        pytest.param(
            "2026-09-30T17:00",
            "2026-09-30T10:00",
            "2026-09-30T11:00",
            None,
            "2026-10-08T09:00",
            id="one-working-hour-over-holiday",
        ),
        pytest.param(
            "2026-10-13T17:30",
            "2026-10-09T16:30",
            "2026-10-12T09:30",
            "working_days",
            "2026-10-15T10:30",
            id="pause-over-makeup-saturday",
        ),
        pytest.param(
            "2026-05-06T12:00",
            "2026-05-06T10:00",
            "2026-05-06T10:45",
            "hours",
            "2026-05-06T12:45",
            id="elapsed-unit",
        ),
        pytest.param(
            "2026-05-20T17:30",
            "2026-05-16T10:00",
            "2026-05-16T12:00",
            "working_hours",
            "2026-05-20T17:30",
            id="paused-on-saturday-moves-nothing",
        ),
        pytest.param(
            "2026-05-20T17:30",
            "2026-05-18T12:00",
            "2026-05-18T10:00",
            None,
            "2026-05-20T17:30",
            id="resume-before-pause",
        ),
        pytest.param(
            "2026-09-30T17:30",
            "2026-09-29T09:00",
            "2026-09-30T09:00",
            "calendar_days",
            "2026-10-08T17:30",
            id="calendar-days-into-holiday",
        ),
    ],
)
def test_extend_for_pause(due, paused, resumed, unit, expected):
    result = extend_for_pause(at(due), at(paused), at(resumed), STANDARD, unit=unit)
    assert result == at(expected)


def test_pause_on_24x7_is_elapsed():
    result = extend_for_pause(
        at("2026-10-01T12:00"), at("2026-10-01T02:00"), at("2026-10-01T03:30"), ALWAYS
    )
    assert result == at("2026-10-01T13:30")


def test_add_working_time_is_exact_and_inverse_of_working_time_between():
    start = at("2026-09-30T16:00")
    due = add_working_time(start, timedelta(hours=2, seconds=30), STANDARD)
    assert due == at("2026-10-08T09:00:30")
    assert working_time_between(start, due, STANDARD) == timedelta(hours=2, seconds=30)
    assert add_working_time(at("2026-10-03T10:00"), timedelta(0), STANDARD) == at(
        "2026-10-08T08:30"
    )


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="aware"):
        extend_for_pause(
            datetime(2026, 5, 6, 12),  # noqa: DTZ001 - naive on purpose
            at("2026-05-06T10:00"),
            at("2026-05-06T11:00"),
            STANDARD,
        )
    naive = datetime(2026, 5, 6)  # noqa: DTZ001 - naive on purpose
    with pytest.raises(ValueError, match="aware"):
        warning_instants(naive, at("2026-05-07T10:00"), (50,), STANDARD)


# ---------------------------------------------------------------------------- warnings


@pytest.mark.parametrize(
    ("start", "due", "unit", "expected"),
    [
        pytest.param(
            "2026-05-06T08:30",
            "2026-05-07T17:30",
            "working_days",
            ("2026-05-06T17:30", "2026-05-07T14:30"),
            id="working-time",
        ),
        pytest.param(
            "2026-09-30T16:00",
            "2026-10-08T11:00",
            "working_hours",
            ("2026-10-08T09:00", "2026-10-08T10:12"),
            id="over-national-day",
        ),
        pytest.param(
            "2026-05-06T09:00",
            "2026-05-06T11:00",
            "hours",
            ("2026-05-06T10:00", "2026-05-06T10:36"),
            id="elapsed",
        ),
        pytest.param(
            "2026-05-06T20:00",
            "2026-05-08T17:30",
            "calendar_days",
            ("2026-05-08T08:30", "2026-05-08T08:30"),
            id="calendar-days-next-working",
        ),
    ],
)
def test_warning_instants(start, due, unit, expected):
    result = warning_instants(at(start), at(due), (50, 80), STANDARD, unit=unit)
    assert result == tuple(at(e) for e in expected)


def test_warning_after_due_is_due():
    assert warning_instants(at("2026-05-06T10:00"), at("2026-05-06T09:00"), (50,), STANDARD) == (
        at("2026-05-06T09:00"),
    )


# ---------------------------------------------------------------------------- plans


def test_plan_for_property_repair():
    spec = next(p for p in presets.PRESETS["property"].policies if p.code == "property-repair")
    pol = PolicySpec(
        code=spec.code,
        name=spec.name,
        milestones=tuple(
            MilestoneSpec(
                kind=m.kind,
                amount=m.amount,
                unit=m.unit,
                calendar=m.calendar,
                starts_at=m.starts_at,
                position=i,
            )
            for i, m in enumerate(spec.milestones, start=1)
        ),
    )
    accepted = at("2026-10-02T22:10")
    plan = plan_deadlines(pol, CALENDARS, accepted_at=accepted)
    assert [p.due for p in plan] == [
        at("2026-10-02T22:40"),
        at("2026-10-03T00:10"),
        at("2026-10-03T22:10"),
        None,
    ]
    assert plan[0].warnings == (at("2026-10-02T22:25"), at("2026-10-02T22:34"))
    resolved = plan_deadlines(
        pol, CALENDARS, accepted_at=accepted, resolved_at=at("2026-10-03T15:00")
    )
    assert resolved[3].due == at("2026-10-05T15:00")


def test_plan_previous_milestone_waits_until_reached():
    pol = PolicySpec(
        code="m",
        name="m",
        milestones=(
            ms(3, "calendar_days", position=1),
            ms(1, "calendar_days", starts_at="previous", position=2),
        ),
    )
    plan = plan_deadlines(pol, CALENDARS, accepted_at=at("2026-05-06T10:00"))
    assert plan[1].start is None and plan[1].deadline is None
    plan = plan_deadlines(
        pol, CALENDARS, accepted_at=at("2026-05-06T10:00"), reached={1: at("2026-05-08T10:00")}
    )
    assert plan[1].due == at("2026-05-09T17:30")  # Saturday 9 May 2026 is a make-up day


@pytest.mark.parametrize("industry", sorted(presets.PRESETS))
def test_every_preset_computes(industry):
    for spec in presets.PRESETS[industry].policies:
        pol = PolicySpec(
            code=spec.code,
            name=spec.name,
            milestones=tuple(
                MilestoneSpec(
                    kind=m.kind,
                    amount=m.amount,
                    unit=m.unit,
                    calendar=m.calendar,
                    starts_at=m.starts_at,
                    hard_limit_amount=m.hard_limit_amount,
                    position=i,
                )
                for i, m in enumerate(spec.milestones, start=1)
            ),
        )
        accepted = at("2026-06-18T16:00")
        plan = plan_deadlines(
            pol,
            CALENDARS,
            accepted_at=accepted,
            resolved_at=at("2026-06-22T10:00"),
            reached={i: at("2026-06-19T10:00") for i in range(1, 9)},
            events={
                presets.INVESTIGATION_FINISHED: at("2026-06-19T15:00"),
                presets.RESULT_RETURNED: at("2026-06-20T09:00"),
            },
        )
        for item in plan:
            assert item.due is not None and item.due >= item.start
            assert all(item.start <= w <= item.due for w in item.warnings)
        assert spec.milestones[0].starts_at != "previous"
        assert {m.calendar for m in spec.milestones} <= {"standard", "24x7"}


@pytest.mark.parametrize("industry", sorted(presets.PRESETS))
def test_every_preset_answers_a_tip_off_within_10_working_days(industry):
    """举报: the first policy a tip-off matches sets a reply within 10 working days."""
    first = next(
        spec
        for spec in presets.PRESETS[industry].policies
        if (not spec.ticket_types or "tip_off" in spec.ticket_types)
        and not spec.categories
        and not spec.channels
    )
    reply = next(m for m in first.milestones if m.kind == "reply")
    assert (reply.amount, reply.unit) == (10, "working_days")
