"""Writes to the working calendars.

Every function is keyword-only, validates (``full_clean``) before saving and runs in one
transaction; the change history is kept by the models' ``HistoricalRecords`` (bulk loads
write their history rows explicitly). Calendar changes call the listeners of
``KEFU_CALENDAR_CHANGE_LISTENERS`` (``kefu.calendars.hooks``) once the transaction has
committed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from kefu.calendars import rules, seeding
from kefu.calendars.hooks import run_recompute_hooks
from kefu.calendars.models import (
    CalendarDay,
    CalendarYear,
    DayKind,
    DaySource,
    WorkCalendar,
    YearSource,
)
from kefu.calendars.workcal import is_working_day

MIN_YEAR, MAX_YEAR = 1900, 2200


def _after_commit(calendar: WorkCalendar, year: int, reason: str) -> None:
    code = calendar.code
    transaction.on_commit(lambda: run_recompute_hooks(calendar_code=code, year=year, reason=reason))


def _check_year(year: int, field: str = "year") -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(
            {
                field: ValidationError(
                    _("The year must be a whole number from %(lo)d to %(hi)d.")
                    % {"lo": MIN_YEAR, "hi": MAX_YEAR},
                    code="year_out_of_span",
                )
            }
        )
    return year


@transaction.atomic
def calendars_ensure(*, years: Iterable[int] | None = None) -> dict[str, int]:
    """Create the built-in calendars (标准工作日历, 24×7) if missing and load the statutory
    years the installed ``chinese-calendar`` knows into the standard calendar. Idempotent."""
    return seeding.seed(django_apps, years=years)


@transaction.atomic
def work_calendar_create(
    *,
    code: str,
    name: str,
    timezone: str = "Asia/Shanghai",
    always_open: bool = False,
    week: Mapping[str, str] | None = None,
    makeup_weekday: int = 0,
    description: str = "",
    is_active: bool = True,
    load_statutory: bool = True,
    actor=None,
) -> WorkCalendar:
    """A new calendar. ``week`` maps ``monday`` … ``sunday`` to period text
    (``"08:30-12:00, 13:30-17:30"``); by default Monday to Friday with the standard hours.
    Unless ``always_open``, every statutory year the package knows is loaded into it."""
    if week is None:
        week = dict.fromkeys(rules.WEEKDAY_FIELDS[:5], rules.DEFAULT_WORKDAY_TEXT)
    unknown = set(week) - set(rules.WEEKDAY_FIELDS)
    if unknown:
        raise ValidationError(
            _("Unknown weekday: %(days)s") % {"days": ", ".join(sorted(unknown))},
            code="unknown_weekday",
        )
    calendar = WorkCalendar(
        code=code,
        name=name,
        timezone=timezone,
        always_open=always_open,
        makeup_weekday=makeup_weekday,
        description=description,
        is_active=is_active,
        **{day: week.get(day, "") for day in rules.WEEKDAY_FIELDS},
    )
    calendar.full_clean()
    calendar.save()
    if load_statutory and not always_open:
        for year in sorted(seeding.package_years()):
            _load_package_year(calendar, year, actor=actor)
    return calendar


@transaction.atomic
def work_calendar_update(*, calendar: WorkCalendar, **fields) -> WorkCalendar:
    """Change a calendar's name, time zone, weekly periods, 24×7 flag …; the code is fixed."""
    calendar = WorkCalendar.objects.select_for_update().get(pk=calendar.pk)
    if "code" in fields and fields["code"] != calendar.code:
        raise ValidationError(
            {
                "code": ValidationError(
                    _("The code of a calendar cannot be changed."), code="code_immutable"
                )
            }
        )
    allowed = {
        "name",
        "timezone",
        "always_open",
        "makeup_weekday",
        "description",
        "is_active",
        "code",
        *rules.WEEKDAY_FIELDS,
    }
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(
            _("Unknown field: %(names)s") % {"names": ", ".join(sorted(unknown))},
            code="unknown_field",
        )
    before = {name: getattr(calendar, name) for name in fields}
    for name, value in fields.items():
        setattr(calendar, name, value)
    calendar.full_clean()
    if before != {name: getattr(calendar, name) for name in fields}:
        calendar.save()
        _after_commit(calendar, dj_timezone.localdate().year, "pattern_changed")
    return calendar


@dataclass(frozen=True)
class DayInput:
    """A holiday or make-up working day to add."""

    date: date
    kind: str
    name: str
    source: str = DaySource.STATUTORY


def _day_error(calendar: WorkCalendar, day: CalendarDay) -> ValidationError | None:
    if calendar.always_open:
        return ValidationError(
            _("“%(name)s” is open around the clock; it has no holidays or make-up days.")
            % {"name": calendar.name},
            code="calendar_always_open",
        )
    existing = CalendarDay.objects.filter(calendar=calendar, date=day.date).first()
    if existing is not None:
        return ValidationError(
            {
                "date": ValidationError(
                    _("%(date)s is already set: %(day)s. Remove it first to change it.")
                    % {"date": day.date.isoformat(), "day": existing},
                    code="day_already_set",
                )
            }
        )
    if day.kind == DayKind.MAKEUP_WORKDAY:
        plain = calendar.to_calendar()
        if is_working_day(day.date, plain):
            return ValidationError(
                {
                    "date": ValidationError(
                        _(
                            "%(date)s is a working day already; only a day off can become "
                            "a make-up working day."
                        )
                        % {"date": day.date.isoformat()},
                        code="already_working_day",
                    )
                }
            )
    return None


@transaction.atomic
def calendar_day_add(
    *,
    calendar: WorkCalendar,
    date: date,
    kind: str,
    name: str,
    source: str = DaySource.LOCAL,
) -> CalendarDay:
    """Add a holiday or a make-up working day (调休) to a calendar."""
    calendar = WorkCalendar.objects.select_for_update().get(pk=calendar.pk)
    day = CalendarDay(
        calendar=calendar, date=date, kind=kind, name=(name or "").strip(), source=source
    )
    day.full_clean(validate_unique=False, validate_constraints=False)
    error = _day_error(calendar, day)
    if error is not None:
        raise error
    try:
        with transaction.atomic():
            day.save()
    except IntegrityError:  # a concurrent add of the same date
        raise ValidationError(
            {"date": ValidationError(_("This date is already set."), code="day_already_set")}
        ) from None
    _after_commit(calendar, date.year, "day_added")
    return day


@transaction.atomic
def calendar_day_remove(*, day: CalendarDay) -> None:
    """Remove a holiday or make-up day: the date follows the weekly pattern again."""
    calendar = WorkCalendar.objects.select_for_update().get(pk=day.calendar_id)
    year = day.date.year
    day.delete()
    _after_commit(calendar, year, "day_removed")


def _load_package_year(calendar: WorkCalendar, year: int, *, actor=None) -> int:
    taken = set(
        CalendarDay.objects.filter(calendar=calendar, date__year=year).values_list(
            "date", flat=True
        )
    )
    rows = [
        CalendarDay(calendar=calendar, date=day, kind=kind, name=name, source=DaySource.STATUTORY)
        for day, kind, name in seeding.package_days(year)
        if day not in taken
    ]
    if rows:
        bulk_create_with_history(rows, CalendarDay, default_user=actor)
    year_row = CalendarYear.objects.filter(calendar=calendar, year=year).first()
    if year_row is None:
        year_row = CalendarYear(calendar=calendar, year=year, source=YearSource.PACKAGE)
        year_row.full_clean(validate_unique=False)
        year_row.save()
    return len(rows)


@transaction.atomic
def calendar_load_year(
    *,
    calendar: WorkCalendar,
    year: int,
    from_package: bool = True,
    days: Iterable[DayInput | tuple] | None = None,
    actor=None,
) -> CalendarYear:
    """Record ``year`` as loaded for ``calendar``, then recompute provisional deadlines.

    * ``days`` given: those holidays / make-up days are added first (``DayInput`` or
      ``(date, kind, name)`` tuples, all in ``year``) and the year is marked loaded as
      entered by an administrator.
    * otherwise ``from_package=True``: the State Council arrangement from
      ``chinese-calendar`` is added (dates already set are kept). A year the package does
      not know is refused with a message telling the administrator to enter the days.
    * ``from_package=False`` and no ``days``: the days already entered are the year.

    Loading a loaded year again adds what is missing and changes nothing else. The
    recompute hooks run after commit with ``reason="year_loaded"``.
    """
    _check_year(year)
    calendar = WorkCalendar.objects.select_for_update().get(pk=calendar.pk)
    if days is not None:
        entered = []
        for item in days:
            spec = item if isinstance(item, DayInput) else DayInput(*item)
            if spec.date.year != year:
                raise ValidationError(
                    {
                        "days": ValidationError(
                            _("%(date)s is not in %(year)d.")
                            % {"date": spec.date.isoformat(), "year": year},
                            code="date_not_in_year",
                        )
                    }
                )
            entered.append(spec)
        for spec in entered:
            calendar_day_add(
                calendar=calendar,
                date=spec.date,
                kind=spec.kind,
                name=spec.name,
                source=spec.source,
            )
        source = YearSource.MANUAL
    elif from_package and not calendar.always_open:
        if year not in seeding.package_years():
            raise ValidationError(
                {
                    "year": ValidationError(
                        _(
                            "The installed chinese-calendar package does not know the holidays "
                            "of %(year)d yet. Add that year's holidays and make-up working days "
                            "on the calendar page (工作日历), then mark the year loaded."
                        )
                        % {"year": year},
                        code="year_unknown_to_package",
                    )
                }
            )
        _load_package_year(calendar, year, actor=actor)
        source = YearSource.PACKAGE
    else:
        source = YearSource.MANUAL
    year_row = CalendarYear.objects.filter(calendar=calendar, year=year).first()
    if year_row is None:
        year_row = CalendarYear(calendar=calendar, year=year, source=source)
        year_row.full_clean(validate_unique=False)
        year_row.save()
    _after_commit(calendar, year, "year_loaded")
    return year_row


@transaction.atomic
def calendar_unload_year(*, calendar: WorkCalendar, year: int) -> None:
    """Mark ``year`` as not loaded (its days stay): deadlines in it become provisional."""
    _check_year(year)
    deleted, _rows = CalendarYear.objects.filter(calendar=calendar, year=year).delete()
    if deleted:
        _after_commit(calendar, year, "year_unloaded")
