"""Reads of calendars and SLA policies, and the pure values built from them.

The ticket code calls :func:`calendar_for` / :func:`calendars_for` to get
``kefu.core.workcal.Calendar`` values, :func:`policy_for` to choose a policy and
:func:`new_ticket_deadlines` to compute a new ticket's milestones. Nothing is cached
between calls (several processes serve kefu); each call costs a few queries.
"""

from __future__ import annotations

import calendar as pycalendar
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from kefu.core.workcal import Calendar, day_kind
from kefu.sla import rules
from kefu.sla.models import (
    CalendarDay,
    CalendarYear,
    DayKind,
    SlaMilestone,
    SlaPolicy,
    WorkCalendar,
)
from kefu.sla.policy import (
    CONDITION_FIELDS,
    Facts,
    MilestoneDeadline,
    MilestoneSpec,
    PolicySpec,
    match_policy,
    plan_deadlines,
)


class CalendarNotFound(LookupError):
    """No working calendar has this code."""


# ---------------------------------------------------------------------------- calendars


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


# ---------------------------------------------------------------------------- policies


def _milestones_prefetch() -> Prefetch:
    return Prefetch(
        "milestones",
        queryset=SlaMilestone.objects.select_related("calendar").order_by("position", "id"),
    )


def policies_list() -> QuerySet[SlaPolicy]:
    """All policies in matching order, with their milestones (two queries)."""
    return SlaPolicy.objects.order_by("order", "id").prefetch_related(_milestones_prefetch())


def active_policies() -> list[PolicySpec]:
    """The active policies as pure values, in matching order (two queries).

    Read as plain values, not model instances: intake calls this for every new ticket.
    """
    rows = list(
        SlaPolicy.objects.filter(is_active=True)
        .order_by("order", "id")
        .values("id", "code", "name", "order", *CONDITION_FIELDS)
    )
    milestones: dict[int, list[MilestoneSpec]] = defaultdict(list)
    for m in (
        SlaMilestone.objects.filter(policy__is_active=True)
        .order_by("position", "id")
        .values(
            "id",
            "policy_id",
            "position",
            "kind",
            "label",
            "amount",
            "unit",
            "hard_limit_amount",
            "calendar__code",
            "starts_at",
            "pauses",
            "warning_thresholds",
        )
    ):
        milestones[m["policy_id"]].append(
            MilestoneSpec(
                id=m["id"],
                kind=m["kind"],
                label=m["label"],
                amount=m["amount"],
                unit=m["unit"],
                calendar=m["calendar__code"],
                starts_at=m["starts_at"],
                pauses=m["pauses"],
                warning_thresholds=tuple(m["warning_thresholds"] or ()),
                hard_limit_amount=m["hard_limit_amount"],
                position=m["position"],
            )
        )
    return [
        PolicySpec(
            id=row["id"],
            code=row["code"],
            name=row["name"],
            order=row["order"],
            conditions={name: frozenset(row[name] or ()) for name in CONDITION_FIELDS},
            milestones=tuple(milestones[row["id"]]),
        )
        for row in rows
    ]


def policy_for(facts: Facts, *, policy_code: str = "") -> PolicySpec | None:
    """The policy for a ticket: the active policy named by ``policy_code`` when given (a
    category may name one), else the first active policy matching ``facts``, else None."""
    policies = active_policies()
    if policy_code:
        for policy in policies:
            if policy.code == policy_code:
                return policy
    return match_policy(policies, facts)


def new_ticket_deadlines(
    *, facts: Facts, accepted_at: datetime, policy_code: str = ""
) -> tuple[PolicySpec | None, tuple[MilestoneDeadline, ...]]:
    """The policy for a new ticket and its milestones' deadlines (five queries).

    Holiday data is read for the year of acceptance and the next one; a limit reaching
    beyond comes back provisional. Milestones that start at resolution, or at a previous
    milestone not reached yet, come back with ``start=None``: compute them when their clock
    starts with ``kefu.sla.policy.milestone_due`` (or ``plan_deadlines`` with ``reached``).
    """
    policy = policy_for(facts, policy_code=policy_code)
    if policy is None:
        return None, ()
    year = accepted_at.year
    calendars = calendars_for(
        {m.calendar for m in policy.milestones}, years=(year - 1, year, year + 1)
    )
    return policy, plan_deadlines(policy, calendars, accepted_at=accepted_at)


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


def _entries(records: list, *, describe=None, related_names=None) -> list[dict]:
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

    return _entries([*own, *days, *years], describe=describe)[:limit]


def policy_history(policy: SlaPolicy, *, limit: int = 100) -> list[dict]:
    """Changes of the policy and of its milestones (including removed ones)."""
    own = list(policy.history.select_related("history_user"))
    milestones = list(
        SlaMilestone.history.filter(policy_id=policy.pk).select_related("history_user")
    )
    names = dict(WorkCalendar.objects.values_list("pk", "name"))

    def describe(record) -> str:
        if hasattr(record, "position"):
            label = record.label or record.get_kind_display()
            return _("Milestone %(position)d %(label)s") % {
                "position": record.position,
                "label": label,
            }
        return ""

    return _entries([*own, *milestones], describe=describe, related_names=names)[:limit]


# ---------------------------------------------------------------------------- per ticket


def ticket_deadlines(ticket) -> QuerySet:
    """The order's time limits in the policy's order, with their investigation and delay
    notice (one query)."""
    from kefu.sla.models import TicketDeadline

    return (
        TicketDeadline.objects.filter(ticket=ticket)
        .select_related(
            "investigation",
            "investigation__answered_by",
            "delay_notice",
            "delay_notice__assignee",
            "delay_notice__done_by",
        )
        .order_by("position")
    )


# ---------------------------------------------------------------------------- compliance

COMPLIANCE_GROUPS = ("department", "category", "department_category")


@dataclass(frozen=True)
class ComplianceRow:
    """Time-limit compliance of one group of orders in one month.

    ``resolved`` counts orders whose resolution (办结) milestone was met in the month,
    ``resolved_on_time`` those met by their due instant; likewise for the first contact.
    ``overdue`` counts milestones that fell due in the month and were met late or are
    still unmet on an unfinished order, ``overdue_hours`` their total time past due (up to
    when they were met, or up to now)."""

    department: str
    category: str
    resolved: int
    resolved_on_time: int
    first_contact: int
    first_contact_on_time: int
    overdue: int
    overdue_hours: float

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    @property
    def on_time_rate(self) -> float | None:
        """按时办结率 in percent; None without resolved orders."""
        return self._rate(self.resolved_on_time, self.resolved)

    @property
    def first_contact_rate(self) -> float | None:
        return self._rate(self.first_contact_on_time, self.first_contact)

    @property
    def overdue_hours_average(self) -> float | None:
        return round(self.overdue_hours / self.overdue, 1) if self.overdue else None


def month_bounds(month: date, zone) -> tuple[datetime, datetime]:
    """The first instant of ``month`` and of the next one, in ``zone``."""
    start = datetime(month.year, month.month, 1, tzinfo=zone)
    following = (
        datetime(month.year + 1, 1, 1, tzinfo=zone)
        if month.month == 12
        else datetime(month.year, month.month + 1, 1, tzinfo=zone)
    )
    return start, following


def compliance(
    user, *, month: date, group_by: str = "department", now: datetime
) -> list[ComplianceRow]:
    """Compliance figures of the orders ``user`` may see, for ``month`` (business time
    zone), grouped by department, category or both; groups in name order, plus a total
    row (department and category "") at the end. Three queries."""
    from django.db.models import (
        Count,
        DateTimeField,
        DurationField,
        ExpressionWrapper,
        F,
        Q,
        Sum,
        Value,
    )
    from django.db.models.functions import Coalesce
    from django.utils import timezone

    from kefu.sla.models import TicketDeadline
    from kefu.sla.policy import MilestoneKind
    from kefu.tickets.selectors import tickets_visible
    from kefu.tickets.states import FINAL_STATUSES

    if group_by not in COMPLIANCE_GROUPS:
        raise ValueError(f"group_by must be one of {COMPLIANCE_GROUPS}, got {group_by!r}")
    start, end = month_bounds(month, timezone.get_default_timezone())
    fields = {
        "department": ["ticket__department__name"],
        "category": ["ticket__category__name"],
        "department_category": ["ticket__department__name", "ticket__category__name"],
    }[group_by]
    rows = TicketDeadline.objects.filter(ticket__in=tickets_visible(user).values("pk"))
    late = Q(met_at__gt=F("due_at"))

    def met(kind: str):
        return rows.filter(kind=kind, met_at__gte=start, met_at__lt=end, due_at__isnull=False)

    def by_group(qs, **aggregates) -> dict[tuple, dict]:
        result = {}
        for item in qs.values(*fields).annotate(**aggregates).order_by():
            key = tuple(item[f] or "" for f in fields)
            result[key] = item
        return result

    resolved = by_group(met(MilestoneKind.RESOLUTION), n=Count("pk"), late=Count("pk", filter=late))
    contact = by_group(
        met(MilestoneKind.FIRST_CONTACT), n=Count("pk"), late=Count("pk", filter=late)
    )
    past_due = ExpressionWrapper(
        Coalesce(F("met_at"), Value(now, output_field=DateTimeField())) - F("due_at"),
        output_field=DurationField(),
    )
    # overdue from the facts, not from the sweep's stamps: met after the due instant, or
    # still unmet past it on an unfinished order; counted in the month it fell due
    overdue = by_group(
        rows.filter(due_at__gte=start, due_at__lt=min(end, now)).filter(
            Q(met_at__gt=F("due_at"))
            | (Q(met_at__isnull=True) & ~Q(ticket__status__in=FINAL_STATUSES))
        ),
        n=Count("pk"),
        time=Sum(past_due),
    )
    keys = sorted(set(resolved) | set(contact) | set(overdue))
    result = []
    totals = [0, 0, 0, 0, 0, 0.0]
    for key in keys:
        r, c, o = resolved.get(key, {}), contact.get(key, {}), overdue.get(key, {})
        hours = o["time"].total_seconds() / 3600 if o.get("time") else 0.0
        values = [
            r.get("n", 0),
            r.get("n", 0) - r.get("late", 0),
            c.get("n", 0),
            c.get("n", 0) - c.get("late", 0),
            o.get("n", 0),
            round(hours, 1),
        ]
        totals = [a + b for a, b in zip(totals, values, strict=True)]
        department = key[0] if group_by != "category" else ""
        category = key[-1] if group_by != "department" else ""
        result.append(ComplianceRow(department, category, *values))
    if result:
        result.append(ComplianceRow("", "", *totals[:5], round(totals[5], 1)))
    return result


def delay_notices_open(user) -> QuerySet:
    """The delay notices ``user`` still has to give customers, oldest first."""
    from kefu.sla.models import DelayNotice

    return (
        DelayNotice.objects.filter(assignee=user, done_at__isnull=True)
        .select_related("ticket", "deadline")
        .order_by("opened_at", "pk")
    )
