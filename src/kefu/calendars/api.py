"""REST API for the working calendars.

* ``GET /api/v1/calendar/add/`` — a due instant on a calendar (for other systems and checks).
* ``GET /api/v1/calendar/days/`` — every day of a year with its kind and name.
* ``/api/v1/calendars/`` (read), ``/api/v1/calendar-days/`` (read; administrators add and
  remove). Writes go through ``kefu.calendars.services``.
"""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.urls import path
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from kefu.calendars import selectors, services
from kefu.calendars.models import CalendarDay, DayKind, DaySource, WorkCalendar
from kefu.calendars.permissions import can_manage_calendars
from kefu.calendars.rules import WEEKDAY_FIELDS
from kefu.calendars.seeding import STANDARD_CODE
from kefu.calendars.workcal import Unit, add
from kefu.core.dates import FIRST_YEAR, LAST_YEAR

MAX_AMOUNT = 100_000


class IsAdministratorOrReadOnly(permissions.BasePermission):
    """Everyone authenticated reads; administrators write."""

    message = "只有系统管理员可以修改工作日历和时限策略。"

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return can_manage_calendars(request.user)


# ---------------------------------------------------------------------------- parameters


def _calendar_param(query) -> WorkCalendar:
    code = (query.get("calendar") or STANDARD_CODE).strip()
    calendar = WorkCalendar.objects.filter(code=code).first()
    if calendar is None:
        raise ValidationError(
            {
                "calendar": [
                    _("calendar: no working calendar has the code “%(code)s”.") % {"code": code}
                ]
            },
            code="calendar_not_found",
        )
    return calendar


def _parse_start(raw: str | None) -> datetime:
    if not raw:
        raise ValueError(
            _("start: required, an ISO 8601 time with its offset, e.g. 2026-05-06T09:00:00+08:00.")
        )
    text = raw.strip()
    if "T" in text and " " in text:
        text = text.replace(" ", "+")  # an unencoded "+" arrives as a space
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            _("start: “%(value)s” is not an ISO 8601 time such as 2026-05-06T09:00:00+08:00.")
            % {"value": raw}
        ) from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            _("start: the time must carry its offset, e.g. 2026-05-06T09:00:00+08:00.")
        )
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(
            _("start: a time in the years %(lo)d to %(hi)d.") % {"lo": FIRST_YEAR, "hi": LAST_YEAR}
        )
    return value


def _int_param(raw: str | None, name: str, lo: int, hi: int) -> int:
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        raise ValueError(
            _("%(name)s: a whole number from %(lo)d to %(hi)d is required.")
            % {"name": name, "lo": lo, "hi": hi}
        ) from None
    if not lo <= value <= hi:
        raise ValueError(
            _("%(name)s: a whole number from %(lo)d to %(hi)d is required.")
            % {"name": name, "lo": lo, "hi": hi}
        )
    return value


DueSerializer = inline_serializer(
    "CalendarDue",
    {
        "due": serializers.DateTimeField(),
        "provisional": serializers.BooleanField(),
        "calendar": serializers.CharField(),
        "start": serializers.DateTimeField(),
        "amount": serializers.IntegerField(),
        "unit": serializers.CharField(),
    },
)


class CalendarAddView(APIView):
    """Due instant of a time limit: ``start`` plus ``amount`` ``unit`` on a calendar."""

    @extend_schema(
        operation_id="calendar_add",
        parameters=[
            OpenApiParameter(
                "start",
                OpenApiTypes.DATETIME,
                required=True,
                description=(
                    "ISO 8601 with offset, e.g. 2026-05-06T09:00:00+08:00; years 2000 … 2100"
                ),
            ),
            OpenApiParameter("amount", OpenApiTypes.INT, required=True, description="0 … 100000"),
            OpenApiParameter(
                "unit",
                OpenApiTypes.STR,
                required=True,
                enum=[u.value for u in Unit],
                description="minutes/hours: elapsed; working_*: working time; *_days: "
                "statutory day count (the day of receipt does not count)",
            ),
            OpenApiParameter(
                "calendar", OpenApiTypes.STR, description="calendar code (default: standard)"
            ),
        ],
        responses={200: DueSerializer},
    )
    def get(self, request):
        query = request.query_params
        errors: dict[str, list[str]] = {}
        start = amount = unit = None
        try:
            start = _parse_start(query.get("start"))
        except ValueError as exc:
            errors["start"] = [str(exc)]
        try:
            amount = _int_param(query.get("amount"), "amount", 0, MAX_AMOUNT)
        except ValueError as exc:
            errors["amount"] = [str(exc)]
        unit_text = (query.get("unit") or "").strip()
        if unit_text in Unit._value2member_map_:
            unit = Unit(unit_text)
        else:
            errors["unit"] = [
                _("unit: “%(value)s” is not one of %(choices)s.")
                % {"value": unit_text, "choices": ", ".join(u.value for u in Unit)}
            ]
        try:
            calendar_row = _calendar_param(query)
        except ValidationError as exc:
            errors.update(exc.detail)
            calendar_row = None
        if errors:
            raise ValidationError(errors)
        calendar = selectors.calendar_for(calendar_row.code)
        deadline = add(start, amount, unit, calendar)
        return Response(
            {
                "due": deadline.due.isoformat(),
                "provisional": deadline.provisional,
                "calendar": calendar_row.code,
                "start": start.isoformat(),
                "amount": amount,
                "unit": unit.value,
            }
        )


YearDaysSerializer = inline_serializer(
    "CalendarYearDays",
    {
        "calendar": serializers.CharField(),
        "year": serializers.IntegerField(),
        "loaded": serializers.BooleanField(),
        "days": inline_serializer(
            "CalendarYearDay",
            {
                "date": serializers.DateField(),
                "kind": serializers.ChoiceField(
                    choices=["workday", "weekend", "holiday", "makeup_workday"]
                ),
                "kind_display": serializers.CharField(),
                "name": serializers.CharField(),
                "source": serializers.CharField(),
            },
            many=True,
        ),
    },
)


class CalendarYearDaysView(APIView):
    """Every date of a year on a calendar: workday, weekend, holiday or make-up working day."""

    @extend_schema(
        operation_id="calendar_days",
        parameters=[
            OpenApiParameter("year", OpenApiTypes.INT, required=True, description="2000 … 2100"),
            OpenApiParameter(
                "calendar", OpenApiTypes.STR, description="calendar code (default: standard)"
            ),
        ],
        responses={200: YearDaysSerializer},
    )
    def get(self, request):
        errors: dict[str, list[str]] = {}
        year = None
        try:
            year = _int_param(request.query_params.get("year"), "year", FIRST_YEAR, LAST_YEAR)
        except ValueError as exc:
            errors["year"] = [str(exc)]
        try:
            calendar = _calendar_param(request.query_params)
        except ValidationError as exc:
            errors.update(exc.detail)
        if errors:
            raise ValidationError(errors)
        days = selectors.year_days(calendar, year)
        return Response(
            {
                "calendar": calendar.code,
                "year": year,
                "loaded": calendar.loaded_years.filter(year=year).exists(),
                "days": [
                    {
                        "date": d["date"].isoformat(),
                        "kind": d["kind"],
                        "kind_display": d["kind_display"],
                        "name": d["name"],
                        "source": d["source"],
                    }
                    for d in days
                ],
            }
        )


# ---------------------------------------------------------------------------- resources


class WorkCalendarSerializer(serializers.ModelSerializer):
    loaded_years = serializers.SerializerMethodField()

    class Meta:
        model = WorkCalendar
        fields = [
            "id",
            "code",
            "name",
            "timezone",
            "always_open",
            *WEEKDAY_FIELDS,
            "makeup_weekday",
            "description",
            "is_active",
            "loaded_years",
        ]

    def get_loaded_years(self, obj) -> list[int]:
        return sorted(y.year for y in obj.loaded_years.all())


class WorkCalendarViewSet(viewsets.ReadOnlyModelViewSet):
    """Working calendars (read-only here; administrators edit them in the UI)."""

    serializer_class = WorkCalendarSerializer
    lookup_field = "code"
    pagination_class = None

    def get_queryset(self):
        return selectors.calendars_visible().prefetch_related("loaded_years")


class CalendarDaySerializer(serializers.ModelSerializer):
    calendar = serializers.SlugRelatedField(slug_field="code", queryset=WorkCalendar.objects.all())
    kind = serializers.ChoiceField(choices=DayKind.choices)
    source = serializers.ChoiceField(choices=DaySource.choices, default=DaySource.LOCAL)

    class Meta:
        model = CalendarDay
        fields = ["id", "calendar", "date", "kind", "name", "source"]
        validators = []  # the service checks uniqueness with a message naming the date


@extend_schema_field({"type": "integer", "minimum": FIRST_YEAR, "maximum": LAST_YEAR})
class YearFilter(filters.NumberFilter):
    field_class = forms.IntegerField


class CalendarDayFilter(filters.FilterSet):
    calendar = filters.CharFilter(field_name="calendar__code", label="calendar code")
    year = YearFilter(
        field_name="date__year", label="year", min_value=FIRST_YEAR, max_value=LAST_YEAR
    )

    class Meta:
        model = CalendarDay
        fields = ["calendar", "year", "kind", "source"]


class CalendarDayViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Holidays and make-up working days of the calendars; administrators add and remove."""

    serializer_class = CalendarDaySerializer
    filterset_class = CalendarDayFilter
    permission_classes = [permissions.IsAuthenticated, IsAdministratorOrReadOnly]
    ordering = "id"

    def get_queryset(self):
        return CalendarDay.objects.select_related("calendar").order_by("id")

    def perform_create(self, serializer):
        serializer.instance = services.calendar_day_add(**serializer.validated_data)

    def perform_destroy(self, instance):
        services.calendar_day_remove(day=instance)


urlpatterns = [
    path("calendar/add/", CalendarAddView.as_view(), name="calendar-add"),
    path("calendar/days/", CalendarYearDaysView.as_view(), name="calendar-days"),
]
