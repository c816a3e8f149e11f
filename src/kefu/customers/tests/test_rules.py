"""The pure rules of the customer archive, table-driven (no database)."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from kefu.calendars import workcal
from kefu.customers import rules

SH = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


@pytest.mark.parametrize(
    ("raw", "valid", "normalised"),
    [
        pytest.param("13800138000", True, "13800138000", id="mobile"),
        pytest.param("138 0013 8000", True, "13800138000", id="mobile-spaces"),
        pytest.param("+86 138-0013-8000", True, "13800138000", id="mobile-country-code"),
        pytest.param("008619912345678", True, "19912345678", id="mobile-0086"),
        pytest.param("028-87654321", True, "02887654321", id="landline"),
        pytest.param("(010)12345678", True, "01012345678", id="landline-brackets"),
        pytest.param("0755-1234567", True, "07551234567", id="landline-7-digits"),
        pytest.param("028-87654321转123", True, "02887654321#123", id="landline-extension"),
        pytest.param("1380013800", False, "1380013800", id="mobile-10-digits"),
        pytest.param("12800138000", False, "12800138000", id="mobile-12x"),
        pytest.param("138001380001", False, "138001380001", id="mobile-12-digits"),
        pytest.param("87654321", False, "87654321", id="landline-no-area-code"),
        pytest.param("1380013800a", False, "1380013800a", id="letters"),
        pytest.param("13800138000#12", False, "13800138000#12", id="mobile-extension"),
        pytest.param("", False, "", id="empty"),
    ],
)
def test_phone_validation_and_normalisation(raw, valid, normalised):
    assert rules.phone_is_valid(raw) is valid
    assert rules.normalise_phone(raw) == normalised


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        pytest.param("11010519491231002X", None, id="valid-x"),
        pytest.param("11010519491231002x", None, id="valid-lowercase-x"),
        pytest.param("440304199003074510", None, id="valid-0"),
        pytest.param("110101200002290018", None, id="valid-leap-day"),
        pytest.param("440304199003074511", "checksum", id="wrong-check-digit"),
        pytest.param("440304199003074501", "checksum", id="transposed-digits"),
        pytest.param("110101200102290016", "birthdate", id="no-29-feb-2001"),
        pytest.param("110101199013010012", "birthdate", id="month-13"),
        pytest.param("110101203001010012", "birthdate", id="born-in-the-future"),
        pytest.param("44030419900307451", "format", id="17-digits"),
        pytest.param("4403041990030745100", "format", id="19-digits"),
        pytest.param("44030419900307451Y", "format", id="bad-check-character"),
        pytest.param("440304900307451", "format", id="old-15-digit"),
    ],
)
def test_resident_id_number(raw, problem):
    assert rules.id_number_problem(raw, today=date(2026, 3, 1)) == problem


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("91350100M000100Y43", None),
        ("91110000600037341L", None),
        ("91350100M000100Y44", "checksum"),
        ("91350100M000100Y4", "format"),
        ("91350100M000100I43", "format"),  # I is not used in credit codes
    ],
)
def test_unified_social_credit_code(raw, problem):
    assert rules.credit_code_problem(raw) == problem


@pytest.mark.parametrize(
    ("raw", "masked"),
    [("11010519491231002X", "110105********002X"), ("AB12345", "*******")],
)
def test_id_number_masking(raw, masked):
    assert rules.mask_id_number(raw) == masked


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("13800138000", "phone"),
        ("028-8765", "phone"),
        ("138", "phone"),
        ("张伟", "text"),
        ("DL0012345", "text"),
        ("11010519491231002X", "text"),
        ("", "text"),
        ("--", "text"),
    ],
)
def test_lookup_kind(text, kind):
    assert rules.lookup_kind(text) == kind


# ---------------------------------------------------------------- first contact (ARC-06)


@pytest.mark.parametrize(
    ("now", "contacted", "reassignable"),
    [
        pytest.param(at(2026, 3, 9, 10, 0), False, False, id="day-6"),
        pytest.param(at(2026, 3, 10, 9, 0), False, False, id="exactly-7-days"),
        pytest.param(at(2026, 3, 10, 9, 1), False, True, id="7-days-and-a-minute"),
        pytest.param(at(2026, 3, 20, 9, 0), True, False, id="contacted-in-time"),
    ],
)
def test_a_lead_becomes_reassignable_after_seven_days_without_contact(now, contacted, reassignable):
    due = rules.first_contact_due(at(2026, 3, 3, 9, 0), 7)
    assert due == at(2026, 3, 10, 9, 0)
    assert rules.is_reassignable(due=due, contacted=contacted, now=now) is reassignable


def test_no_deadline_means_never_reassignable():
    assert not rules.is_reassignable(due=None, contacted=False, now=at(2030, 1, 1))


# ---------------------------------------------------------------- data entry (ARC-01)

CALENDAR = workcal.Calendar.from_holiday_data("cn", workcal.load_chinese_holidays(2025, 2026))


@pytest.mark.parametrize(
    ("captured", "due"),
    [
        pytest.param(at(2026, 3, 2, 15, 0), at(2026, 3, 4, 17, 30), id="monday-to-wednesday"),
        pytest.param(at(2026, 3, 5, 9, 0), at(2026, 3, 9, 17, 30), id="thursday-over-weekend"),
        pytest.param(at(2026, 3, 7, 11, 0), at(2026, 3, 10, 17, 30), id="captured-on-saturday"),
        pytest.param(at(2025, 9, 29, 10, 0), at(2025, 10, 9, 17, 30), id="national-day-holiday"),
        pytest.param(at(2025, 9, 26, 10, 0), at(2025, 9, 29, 17, 30), id="makeup-saturday-counts"),
    ],
)
def test_entry_is_due_two_working_days_after_capture(captured, due):
    assert rules.entry_due(captured, CALENDAR, 2) == due


@pytest.mark.parametrize(
    ("entered", "now", "late"),
    [
        (at(2026, 3, 4, 17, 29), at(2026, 3, 10), False),
        (at(2026, 3, 4, 17, 31), at(2026, 3, 10), True),
        (None, at(2026, 3, 4, 17, 30), False),
        (None, at(2026, 3, 4, 17, 31), True),
    ],
)
def test_entry_lateness(entered, now, late):
    assert rules.entry_is_late(due=at(2026, 3, 4, 17, 30), entered_at=entered, now=now) is late


# ---------------------------------------------------------------- grading (GRD-03/04)


@pytest.mark.parametrize(
    ("start", "months", "result"),
    [
        (date(2026, 1, 15), 6, date(2026, 7, 15)),
        (date(2025, 8, 31), 6, date(2026, 2, 28)),
        (date(2027, 8, 31), 6, date(2028, 2, 29)),
        (date(2026, 12, 1), 1, date(2027, 1, 1)),
    ],
)
def test_temporary_grade_is_evaluated_six_months_after_cooperation_starts(start, months, result):
    assert rules.temporary_grade_due(start, months) == result


WINDOW = rules.Window((3, 25), (3, 30))


@pytest.mark.parametrize(
    ("today", "state"),
    [
        (date(2026, 3, 24), "before"),
        (date(2026, 3, 25), "open"),
        (date(2026, 3, 30), "open"),
        (date(2026, 3, 31), "closed"),
    ],
)
def test_grading_window(today, state):
    assert rules.window_state(today, WINDOW) == state


@pytest.mark.parametrize(
    ("decided", "expires"),
    [
        pytest.param(date(2026, 3, 28), date(2027, 3, 30), id="in-the-window"),
        pytest.param(date(2026, 4, 2), date(2027, 3, 30), id="meeting-after-the-window"),
        pytest.param(date(2026, 1, 10), date(2026, 3, 30), id="before-this-years-window"),
    ],
)
def test_no_lifetime_grade_a_formal_grade_expires_at_the_next_window(decided, expires):
    assert rules.formal_grade_expires(decided, WINDOW) == expires


@pytest.mark.parametrize(
    ("grade", "problem"), [("A", None), ("C", None), ("D", "unknown"), ("a", "unknown")]
)
def test_grade_must_be_configured(grade, problem):
    assert rules.grade_problem(grade, ("A", "B", "C")) == problem


# ---------------------------------------------------------------- managers (ARC-04/05)


@pytest.mark.parametrize(
    ("loads", "chosen"),
    [
        ({7: 30, 8: 12, 9: 20}, 8),
        ({7: 5, 8: 5}, 7),
        ({9: 0, 3: 1}, 9),
        ({}, None),
    ],
)
def test_assignment_suggests_the_manager_with_the_fewest_customers(loads, chosen):
    assert rules.least_loaded(loads) == chosen


def test_the_earliest_record_owns_the_customer():
    early = rules.Record(id=9, created_at=at(2026, 3, 1, 9, 0), owner_id=1)
    later = rules.Record(id=3, created_at=at(2026, 3, 1, 9, 5), owner_id=2)
    same_time = rules.Record(id=10, created_at=at(2026, 3, 1, 9, 0), owner_id=3)
    assert rules.resolve_ownership([later, early]) == early
    assert rules.resolve_ownership([same_time, early]) == early
    with pytest.raises(ValueError, match="no records"):
        rules.resolve_ownership([])


# ---------------------------------------------------------------- weekly summaries (MGR-10)


@pytest.mark.parametrize(
    ("day", "monday"),
    [(date(2026, 3, 9), date(2026, 3, 9)), (date(2026, 3, 15), date(2026, 3, 9))],
)
def test_week_start(day, monday):
    assert rules.week_start(day) == monday


def test_weekly_summary_is_due_friday_1730():
    due = rules.weekly_summary_due(date(2026, 3, 9), weekday=4, at=time(17, 30), zone=SH)
    assert due == at(2026, 3, 13, 17, 30)
    assert not rules.summary_is_late(due=due, submitted_at=at(2026, 3, 13, 17, 30), now=due)
    assert rules.summary_is_late(due=due, submitted_at=at(2026, 3, 13, 17, 31), now=due)
    assert rules.summary_is_late(due=due, submitted_at=None, now=at(2026, 3, 13, 17, 31))
    assert not rules.summary_is_late(due=due, submitted_at=None, now=at(2026, 3, 13, 17, 0))


D1, D2 = date(2026, 3, 10), date(2026, 3, 11)


@pytest.mark.parametrize(
    ("trips", "visits", "reported", "codes"),
    [
        pytest.param([(D1, 1)], [(D1, 1)], 1, [], id="all-agree"),
        pytest.param([], [(D1, 1)], 1, ["visit_without_trip"], id="visit-without-trip"),
        pytest.param([(D1, 1)], [], 0, ["trip_without_visit"], id="trip-without-visit"),
        pytest.param([(D1, 1)], [(D1, 1)], 3, ["count_mismatch"], id="summary-overstates"),
        pytest.param([(D1, None)], [], 0, [], id="trip-without-customer-is-fine"),
        pytest.param(
            [(D2, 1)],
            [(D1, 1)],
            None,
            ["visit_without_trip", "trip_without_visit"],
            id="different-days-no-summary",
        ),
    ],
)
def test_trip_logs_visit_records_and_summary_are_reconciled(trips, visits, reported, codes):
    found = rules.reconcile(
        trips=[rules.Trip(d, c) for d, c in trips],
        visits=[rules.Visit(d, c) for d, c in visits],
        reported_visits=reported,
    )
    assert [d.code for d in found] == codes
