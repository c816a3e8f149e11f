"""The working calendars (工作日历): weekly working periods, holidays and 调休 make-up days,
and the years whose holidays are complete; all with change history.

The arithmetic is ``kefu.calendars.workcal``; these rows are its data. Only
``kefu.calendars.services`` writes them. The tables keep the names they had when the
calendars were part of the SLA app.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kefu.calendars import rules
from kefu.calendars.workcal import DEFAULT_TIMEZONE, Calendar


def validate_timezone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            _("“%(value)s” is not a known time zone (e.g. Asia/Shanghai)."),
            params={"value": value},
            code="invalid_timezone",
        ) from None


def validate_periods(value: str) -> None:
    try:
        rules.parse_periods(value)
    except ValueError as exc:
        raise ValidationError(str(exc), code="invalid_periods") from None


class WorkCalendar(models.Model):
    """A working calendar: weekly working periods plus its holidays and make-up days."""

    code = models.SlugField(
        _("code"),
        max_length=40,
        unique=True,
        help_text=_("Short unique code, letters, digits, hyphens and underscores."),
    )
    name = models.CharField(_("name"), max_length=100)
    timezone = models.CharField(
        _("time zone"), max_length=64, default=DEFAULT_TIMEZONE, validators=[validate_timezone]
    )
    always_open = models.BooleanField(
        _("open around the clock (24×7)"),
        default=False,
        help_text=_("Every hour of every day is working time; holidays are ignored."),
    )
    monday = models.CharField(
        _("Monday"), max_length=120, blank=True, validators=[validate_periods]
    )
    tuesday = models.CharField(
        _("Tuesday"), max_length=120, blank=True, validators=[validate_periods]
    )
    wednesday = models.CharField(
        _("Wednesday"), max_length=120, blank=True, validators=[validate_periods]
    )
    thursday = models.CharField(
        _("Thursday"), max_length=120, blank=True, validators=[validate_periods]
    )
    friday = models.CharField(
        _("Friday"), max_length=120, blank=True, validators=[validate_periods]
    )
    saturday = models.CharField(
        _("Saturday"), max_length=120, blank=True, validators=[validate_periods]
    )
    sunday = models.CharField(
        _("Sunday"), max_length=120, blank=True, validators=[validate_periods]
    )
    makeup_weekday = models.PositiveSmallIntegerField(
        _("make-up days work like"),
        default=0,
        choices=[
            (0, _("Monday")),
            (1, _("Tuesday")),
            (2, _("Wednesday")),
            (3, _("Thursday")),
            (4, _("Friday")),
            (5, _("Saturday")),
            (6, _("Sunday")),
        ],
        help_text=_("A make-up working day (调休) uses this weekday's working periods."),
    )
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(table_name="sla_historicalworkcalendar")

    class Meta:
        db_table = "sla_workcalendar"
        verbose_name = _("working calendar")
        verbose_name_plural = _("working calendars")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(makeup_weekday__lte=6), name="sla_calendar_makeup_weekday"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def week_texts(self) -> list[str]:
        return [getattr(self, name) for name in rules.WEEKDAY_FIELDS]

    def clean(self) -> None:
        if self.always_open:
            return
        try:
            week = [rules.parse_periods(text) for text in self.week_texts()]
        except ValueError:
            return  # reported on the field by its validator
        if not any(week):
            raise ValidationError(
                {
                    "monday": ValidationError(
                        _("A calendar needs working hours on at least one weekday."),
                        code="no_working_hours",
                    )
                }
            )
        if not week[self.makeup_weekday]:
            raise ValidationError(
                {
                    "makeup_weekday": ValidationError(
                        _("Make-up working days must copy a weekday that has working hours."),
                        code="makeup_weekday_closed",
                    )
                }
            )

    def to_calendar(self, *, holidays=(), makeup_days=(), loaded_years=()) -> Calendar:
        """The pure ``workcal.Calendar`` of this row with the given day data."""
        week = tuple(rules.parse_periods(text) for text in self.week_texts())
        return Calendar(
            code=self.code,
            timezone=self.timezone,
            week=week,
            holidays=holidays,
            makeup_days=makeup_days,
            loaded_years=loaded_years,
            always_open=self.always_open,
            makeup_weekday=self.makeup_weekday,
        )


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday")
    MAKEUP_WORKDAY = "makeup_workday", _("Make-up working day")


class DaySource(models.TextChoices):
    STATUTORY = "statutory", _("Statutory")
    LOCAL = "local", _("Local")


class CalendarDay(models.Model):
    """A date that differs from the weekly pattern: a holiday, or a make-up working day."""

    calendar = models.ForeignKey(
        WorkCalendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=20, choices=DayKind.choices)
    name = models.CharField(_("name"), max_length=50)
    source = models.CharField(
        _("source"), max_length=10, choices=DaySource.choices, default=DaySource.LOCAL
    )
    history = HistoricalRecords(table_name="sla_historicalcalendarday")

    class Meta:
        db_table = "sla_calendarday"
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["calendar", "date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="sla_day_unique_date"),
        ]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.name}（{self.get_kind_display()}）"


class YearSource(models.TextChoices):
    PACKAGE = "package", _("State Council arrangement (chinese-calendar)")
    MANUAL = "manual", _("Entered by an administrator")


class CalendarYear(models.Model):
    """A year whose holidays and make-up days are complete for a calendar."""

    calendar = models.ForeignKey(
        WorkCalendar,
        verbose_name=_("calendar"),
        on_delete=models.CASCADE,
        related_name="loaded_years",
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(1900), MaxValueValidator(2200)]
    )
    source = models.CharField(_("source"), max_length=10, choices=YearSource.choices)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now_add=True)
    history = HistoricalRecords(table_name="sla_historicalcalendaryear")

    class Meta:
        db_table = "sla_calendaryear"
        verbose_name = _("loaded year")
        verbose_name_plural = _("loaded years")
        ordering = ["calendar", "year"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "year"], name="sla_year_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.calendar} {self.year}"
