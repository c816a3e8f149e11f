"""Reads of the working calendars, and the pure calendars built from them.

Other apps call :func:`calendar_for` / :func:`calendars_for` to get
``kefu.calendars.workcal.Calendar`` values. Nothing is cached between calls (several
processes serve kefu); each call costs a few queries.
"""

from __future__ import annotations

import calendar as pycalendar
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kefu.calendars import rules
from kefu.calendars.models import CalendarDay, CalendarYear, DayKind, WorkCalendar
from kefu.calendars.workcal import Calendar, day_kind


class CalendarNotFound(LookupError):
    """No working calendar has this code."""


def calendars_visible() -> QuerySet[WorkCalendar]:
    """Every calendar (configuration is not scoped by department), in creation order."""
    return WorkCalendar.objects.order_by("id")


def _build(rows: list[WorkCalendar], years: Iterable[int] | None) -> dict[str, Calendar]:
    ids = [row.pk for row in rows]
    days = CalendarDay.objects.filter(calendar_id__in=ids).order_by()
    loaded = CalendarYear.objects.filter(calendar_id__in=ids).order_by()
    wanted = None
    if years is not None:
        wanted = sorted(set(years))
        # A date range (not date__year) so the (calendar, date) index is used.
        days = days.filter(date__gte=date(wanted[0], 1, 1), date__lt=date(wanted[-1] + 1, 1, 1))
        loaded = loaded.filter(year__in=wanted)
    holidays: dict[int, set[date]] = defaultdict(set)
    makeups: dict[int, set[date]] = defaultdict(set)
    for calendar_id, day, kind in days.values_list("calendar_id", "date", "kind"):
        if wanted is not None and day.year not in wanted:
            continue
        (makeups if kind == DayKind.MAKEUP_WORKDAY else holidays)[calendar_id].add(day)
    years_of: dict[int, set[int]] = defaultdict(set)
    for calendar_id, year in loaded.values_list("calendar_id", "year"):
        years_of[calendar_id].add(year)
    return {
        row.code: row.to_calendar(
            holidays=holidays[row.pk],
            makeup_days=makeups[row.pk],
            loaded_years=years_of[row.pk],
        )
        for row in rows
    }


def calendar_for(code: str, *, years: Iterable[int] | None = None) -> Calendar:
    """The pure calendar of the ``WorkCalendar`` with ``code`` (three queries).

    ``years`` limits the holiday data read to those years: dates in other years are then
    treated as not loaded (results touching them are provisional). Raises
    :class:`CalendarNotFound` for an unknown code.
    """
    calendars = calendars_for([code], years=years)
    if code not in calendars:
        raise CalendarNotFound(code)
    return calendars[code]


def calendars_for(
    codes: Iterable[str], *, years: Iterable[int] | None = None
) -> dict[str, Calendar]:
    """Pure calendars for several codes at once (three queries); unknown codes are left out."""
    rows = list(WorkCalendar.objects.filter(code__in=set(codes)))
    if not rows:
        return {}
    return _build(rows, years)


def loaded_years(calendar: WorkCalendar) -> list[int]:
    return list(calendar.loaded_years.order_by("year").values_list("year", flat=True))


@dataclass(frozen=True)
class DayCell:
    date: date | None
    kind: str = ""
    name: str = ""
    source: str = ""
    day_id: int | None = None
    today: bool = False


@dataclass(frozen=True)
class MonthGrid:
    month: int
    weeks: list[list[DayCell]]


def kind_label(kind: str) -> str:
    return str(
        {
            "workday": _("Working day"),
            "weekend": _("Day off"),
            "holiday": _("Holiday"),
            "makeup_workday": _("Make-up working day"),
        }.get(kind, kind)
    )


def year_days(calendar: WorkCalendar, year: int) -> list[dict]:
    """Every date of ``year`` with its kind (workday / weekend / holiday / makeup_workday),
    and the name and source of the holidays and make-up days."""
    pure = _build([calendar], [year])[calendar.code]
    rows = {d.date: d for d in CalendarDay.objects.filter(calendar=calendar, date__year=year)}
    result = []
    day = date(year, 1, 1)
    while day.year == year:
        row = rows.get(day)
        kind = day_kind(day, pure)
        result.append(
            {
                "date": day,
                "kind": kind,
                "kind_display": kind_label(kind),
                "name": row.name if row else "",
                "source": row.source if row else "",
                "source_display": row.get_source_display() if row else "",
                "id": row.pk if row else None,
            }
        )
        day = date.fromordinal(day.toordinal() + 1)
    return result


def calendar_year_view(calendar: WorkCalendar, year: int, *, today: date) -> dict:
    """What the year page shows: 12 month grids (Monday first), counts, loaded or not."""
    days = {d["date"]: d for d in year_days(calendar, year)}
    months = []
    weeks_of = pycalendar.Calendar(firstweekday=0)
    for month in range(1, 13):
        weeks = []
        for week in weeks_of.monthdatescalendar(year, month):
            cells = []
            for day in week:
                if day.month != month:
                    cells.append(DayCell(date=None))
                    continue
                info = days[day]
                cells.append(
                    DayCell(
                        date=day,
                        kind=info["kind"],
                        name=info["name"],
                        source=info["source"],
                        day_id=info["id"],
                        today=day == today,
                    )
                )
            weeks.append(cells)
        months.append(MonthGrid(month=month, weeks=weeks))
    counts = defaultdict(int)
    for info in days.values():
        counts[info["kind"]] += 1
    listed = [info for info in days.values() if info["id"] is not None]
    return {
        "months": months,
        "counts": dict(counts),
        "listed": listed,
        "loaded": CalendarYear.objects.filter(calendar=calendar, year=year).first(),
    }


def calendar_warnings(today: date) -> list[str]:
    """Warnings for administrators: a calendar lacks this year's holidays, or (from
    1 October) next year's. 24×7 and deactivated calendars need none. Two queries."""
    calendars = list(WorkCalendar.objects.filter(is_active=True, always_open=False))
    years_of: dict[int, set[int]] = defaultdict(set)
    for calendar_id, year in CalendarYear.objects.filter(
        calendar__in=calendars, year__gte=today.year
    ).values_list("calendar_id", "year"):
        years_of[calendar_id].add(year)
    warnings = []
    for calendar in calendars:
        for year in rules.missing_years(today, years_of[calendar.pk]):
            warnings.append(
                _(
                    "The holidays of %(year)d are not loaded in the working calendar "
                    "“%(name)s”: time limits reaching into %(year)d are provisional. Load "
                    "them on the calendar page or with: kefu calendar load-year %(year)d "
                    "--calendar %(code)s"
                )
                % {"year": year, "name": calendar.name, "code": calendar.code}
            )
    return warnings


# ---------------------------------------------------------------------------- history


def _show(field, value, related_names: dict) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if field.is_relation:
        return related_names.get(value, f"#{value}")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value)


def history_entries(records: list, *, describe=None, related_names=None) -> list[dict]:
    """History rows (any mix of objects) → entries with field-level old → new changes."""
    related_names = related_names or {}
    records = sorted(records, key=lambda r: (r.history_date, r.history_id))
    previous_of: dict = {}
    entries = []
    for record in records:
        previous = previous_of.get(record.id)
        previous_of[record.id] = record
        changes = []
        subject = describe(record) if describe else ""
        if record.history_type == "~" and previous is not None:
            for change in record.diff_against(previous).changes:
                field = record.instance._meta.get_field(change.field)
                old = _show(field, change.old, related_names)
                new = _show(field, change.new, related_names)
                if old != new:
                    label = f"{subject} · {field.verbose_name}" if subject else field.verbose_name
                    changes.append({"field": label, "old": old, "new": new})
            if not changes:
                continue
        elif subject and record.history_type == "+":
            changes.append({"field": _("Added"), "old": "—", "new": subject})
        elif subject:
            changes.append({"field": _("Removed"), "old": subject, "new": "—"})
        entries.append(
            {
                "date": record.history_date,
                "user": record.history_user,
                "type": record.get_history_type_display(),
                "type_code": record.history_type,
                "changes": changes,
            }
        )
    entries.reverse()
    return entries


def calendar_history(calendar: WorkCalendar, year: int, *, limit: int = 100) -> list[dict]:
    """Changes of the calendar, of its days in ``year`` and of that year's loading."""
    own = list(calendar.history.select_related("history_user"))
    days = list(
        CalendarDay.history.filter(calendar_id=calendar.pk, date__year=year).select_related(
            "history_user"
        )
    )
    years = list(
        CalendarYear.history.filter(calendar_id=calendar.pk, year=year).select_related(
            "history_user"
        )
    )

    def describe(record) -> str:
        if hasattr(record, "kind"):
            return "%s %s（%s · %s）" % (  # noqa: UP031
                record.date.isoformat(),
                record.name,
                record.get_kind_display(),
                record.get_source_display(),
            )
        if hasattr(record, "year"):
            return _("Year %(year)d marked loaded (%(source)s)") % {
                "year": record.year,
                "source": record.get_source_display(),
            }
        return ""

    return history_entries([*own, *days, *years], describe=describe)[:limit]
