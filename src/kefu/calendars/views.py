"""Pages of the working calendars (工作日历), next to the SLA policies in the administrators'
menu.

Everyone logged in may read them; only administrators may change them (403 otherwise,
decided here, not only in the templates).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST

from kefu.calendars import seeding, selectors, services
from kefu.calendars.forms import CalendarDayForm, WorkCalendarForm
from kefu.calendars.models import CalendarDay, WorkCalendar
from kefu.calendars.permissions import can_manage_calendars
from kefu.calendars.rules import WEEKDAY_FIELDS
from kefu.core.dates import FIRST_YEAR, LAST_YEAR
from kefu.core.excel import xlsx_response
from kefu.core.forms import add_service_errors


def _require_manager(user) -> None:
    if not can_manage_calendars(user):
        raise PermissionDenied(_("Only administrators can change calendars and time limits."))


def _calendar(code: str) -> WorkCalendar:
    return get_object_or_404(WorkCalendar, code=code)


def _year(value) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404
    return year


@login_required
def calendar_list(request):
    calendars = list(selectors.calendars_visible().prefetch_related("loaded_years"))
    for calendar in calendars:
        years = sorted(y.year for y in calendar.loaded_years.all())
        calendar.year_range = f"{years[0]}–{years[-1]}" if years else "—"
        calendar.week = [getattr(calendar, day) for day in WEEKDAY_FIELDS]
    return render(
        request,
        "calendars/calendar_list.html",
        {
            "calendars": calendars,
            "can_manage": can_manage_calendars(request.user),
            "this_year": timezone.localdate().year,
        },
    )


@login_required
def calendar_detail(request, code):
    return redirect("calendars:calendar_year", code=code, year=timezone.localdate().year)


@login_required
def calendar_year(request, code, year):
    calendar = _calendar(code)
    year = _year(year)
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            f"{calendar.code}-{year}.xlsx",
            f"{calendar.name} {year}",
            [_("Date"), _("Weekday"), _("Kind"), pgettext("calendar", "Name"), _("Source")],
            (
                (
                    d["date"].isoformat(),
                    str(WEEKDAY_LABELS[d["date"].weekday()]),
                    d["kind_display"],
                    d["name"],
                    d["source_display"],
                )
                for d in selectors.year_days(calendar, year)
            ),
        )
    can_manage = can_manage_calendars(request.user)
    form = CalendarDayForm(initial={"date": f"{year}-01-01"}) if can_manage else None
    return _render_year(request, calendar, year, form)


WEEKDAY_LABELS = [
    gettext_lazy("Monday"),
    gettext_lazy("Tuesday"),
    gettext_lazy("Wednesday"),
    gettext_lazy("Thursday"),
    gettext_lazy("Friday"),
    gettext_lazy("Saturday"),
    gettext_lazy("Sunday"),
]


def _render_year(request, calendar, year, form):
    today = timezone.localdate()
    view = selectors.calendar_year_view(calendar, year, today=today)
    return render(
        request,
        "calendars/calendar_year.html",
        {
            "calendar": calendar,
            "year": year,
            "view": view,
            "week": [
                (WEEKDAY_LABELS[i], getattr(calendar, day)) for i, day in enumerate(WEEKDAY_FIELDS)
            ],
            "years_nearby": range(year - 2, year + 3),
            "loaded_years": selectors.loaded_years(calendar),
            "package_knows": year in seeding.package_years(),
            "form": form,
            "can_manage": can_manage_calendars(request.user),
            "history": selectors.calendar_history(calendar, year),
            "warnings": selectors.calendar_warnings(today)
            if can_manage_calendars(request.user)
            else [],
        },
    )


@login_required
def calendar_create(request):
    _require_manager(request.user)
    form = WorkCalendarForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            calendar = services.work_calendar_create(
                actor=request.user,
                week={day: form.cleaned_data[day] for day in WEEKDAY_FIELDS},
                **{k: v for k, v in form.cleaned_data.items() if k not in WEEKDAY_FIELDS},
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Calendar “%(name)s” created.") % {"name": calendar.name})
            return redirect("calendars:calendar_detail", code=calendar.code)
    return render(request, "calendars/calendar_form.html", {"form": form, "calendar": None})


@login_required
def calendar_edit(request, code):
    _require_manager(request.user)
    calendar = _calendar(code)
    form = WorkCalendarForm(request.POST or None, instance=calendar)
    if request.method == "POST" and form.is_valid():
        try:
            services.work_calendar_update(calendar=calendar, **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("calendars:calendar_detail", code=calendar.code)
    calendar.refresh_from_db()
    return render(request, "calendars/calendar_form.html", {"form": form, "calendar": calendar})


@login_required
@require_POST
def calendar_day_add(request, code, year):
    _require_manager(request.user)
    calendar = _calendar(code)
    year = _year(year)
    form = CalendarDayForm(request.POST)
    if form.is_valid():
        try:
            day = services.calendar_day_add(calendar=calendar, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(day)s added.") % {"day": day})
            return redirect("calendars:calendar_year", code=calendar.code, year=day.date.year)
    return _render_year(request, calendar, year, form)


@login_required
@require_POST
def calendar_day_remove(request, code, pk):
    _require_manager(request.user)
    calendar = _calendar(code)
    day = get_object_or_404(CalendarDay, calendar=calendar, pk=pk)
    label, year = str(day), day.date.year
    services.calendar_day_remove(day=day)
    messages.success(request, _("%(day)s removed.") % {"day": label})
    return redirect("calendars:calendar_year", code=calendar.code, year=year)


@login_required
@require_POST
def calendar_load_year(request, code, year):
    _require_manager(request.user)
    calendar = _calendar(code)
    year = _year(year)
    from_package = request.POST.get("source") == "package"
    try:
        services.calendar_load_year(
            calendar=calendar, year=year, from_package=from_package, actor=request.user
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Year %(year)d is marked loaded.") % {"year": year})
    return redirect("calendars:calendar_year", code=calendar.code, year=year)
