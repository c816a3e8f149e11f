"""REST API for working calendars and SLA policies.

* ``GET /api/v1/calendar/add/`` — a due instant on a calendar (for other systems and checks).
* ``GET /api/v1/calendar/days/`` — every day of a year with its kind and name.
* ``GET /api/v1/tickets/{number}/deadlines/`` — an order's time limits;
  ``POST …/deadlines/{position}/reached/`` records a milestone reached;
  ``POST …/deadlines/{position}/investigation/`` answers its overdue investigation.
* ``/api/v1/calendars/`` (read), ``/api/v1/calendar-days/`` (read; administrators add and
  remove), ``/api/v1/sla-policies/`` and ``/api/v1/sla-milestones/`` (read; administrators
  write). Writes go through ``kefu.sla.services``.
"""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.http import Http404
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

from kefu.core.dates import FIRST_YEAR, LAST_YEAR
from kefu.core.workcal import Unit, add
from kefu.sla import engine, selectors, services
from kefu.sla.models import (
    CalendarDay,
    DayKind,
    DaySource,
    DelayNotice,
    OverdueInvestigation,
    SlaMilestone,
    SlaPolicy,
    TicketDeadline,
    UnitChoices,
    WorkCalendar,
)
from kefu.sla.permissions import can_manage_sla
from kefu.sla.policy import CONDITION_FIELDS
from kefu.sla.rules import WEEKDAY_FIELDS
from kefu.sla.seeding import STANDARD_CODE

MAX_AMOUNT = 100_000


class IsAdministratorOrReadOnly(permissions.BasePermission):
    """Everyone authenticated reads; administrators write."""

    message = "只有系统管理员可以修改工作日历和时限策略。"

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return can_manage_sla(request.user)


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
            }
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


class SlaMilestoneSerializer(serializers.ModelSerializer):
    policy = serializers.PrimaryKeyRelatedField(queryset=SlaPolicy.objects.all())
    calendar = serializers.SlugRelatedField(slug_field="code", queryset=WorkCalendar.objects.all())
    unit = serializers.ChoiceField(choices=UnitChoices.choices)
    warning_thresholds = serializers.ListField(child=serializers.IntegerField(), required=False)
    position = serializers.IntegerField(required=False, min_value=1)

    class Meta:
        model = SlaMilestone
        fields = [
            "id",
            "policy",
            "position",
            "kind",
            "label",
            "amount",
            "unit",
            "hard_limit_amount",
            "calendar",
            "starts_at",
            "pauses",
            "warning_thresholds",
        ]
        validators = []

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list):
            fields["policy"].read_only = True
        return fields


class SlaPolicySerializer(serializers.ModelSerializer):
    milestones = SlaMilestoneSerializer(many=True, read_only=True)
    ticket_types = serializers.ListField(child=serializers.CharField(), required=False)
    categories = serializers.ListField(child=serializers.CharField(), required=False)
    priorities = serializers.ListField(child=serializers.CharField(), required=False)
    customer_grades = serializers.ListField(child=serializers.CharField(), required=False)
    service_tiers = serializers.ListField(child=serializers.CharField(), required=False)
    channels = serializers.ListField(child=serializers.CharField(), required=False)

    class Meta:
        model = SlaPolicy
        fields = [
            "id",
            "code",
            "name",
            "industry",
            "is_active",
            "order",
            *CONDITION_FIELDS,
            "escalate_centre_after",
            "escalate_gm_after",
            "description",
            "milestones",
        ]
        validators = []
        extra_kwargs = {"code": {"validators": []}}


class SlaPolicyViewSet(viewsets.ModelViewSet):
    """SLA policies with their milestones, in matching order. Deactivate with
    ``PATCH {"is_active": false}``; policies are not deleted (their history stays)."""

    serializer_class = SlaPolicySerializer
    permission_classes = [permissions.IsAuthenticated, IsAdministratorOrReadOnly]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    filterset_fields = ["is_active", "industry", "code"]
    ordering = "id"

    def get_queryset(self):
        return selectors.policies_list().order_by("id")

    def perform_create(self, serializer):
        serializer.instance = services.sla_policy_create(**serializer.validated_data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        if data.get("code") == serializer.instance.code:
            data.pop("code")
        serializer.instance = services.sla_policy_update(policy=serializer.instance, **data)


class SlaMilestoneViewSet(viewsets.ModelViewSet):
    """Milestones of the SLA policies; ``?policy=<id>`` filters."""

    serializer_class = SlaMilestoneSerializer
    permission_classes = [permissions.IsAuthenticated, IsAdministratorOrReadOnly]
    filterset_fields = ["policy", "kind"]
    ordering = "id"

    def get_queryset(self):
        return SlaMilestone.objects.select_related("calendar").order_by("id")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        policy = data.pop("policy")
        serializer.instance = services.sla_milestone_create(policy=policy, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("policy", None)
        serializer.instance = services.sla_milestone_update(milestone=serializer.instance, **data)

    def perform_destroy(self, instance):
        services.sla_milestone_delete(milestone=instance)


# ---------------------------------------------------------------------------- per ticket


class TicketDeadlineSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    due = serializers.DateTimeField(source="due_at", read_only=True)
    hard_due = serializers.DateTimeField(
        source="hard_due_at",
        read_only=True,
        allow_null=True,
        help_text="the hard limit of a target with one (e.g. 21 days for a 14-day target)",
    )
    paused = serializers.SerializerMethodField()
    investigation = serializers.SerializerMethodField()

    class Meta:
        model = TicketDeadline
        fields = [
            "position",
            "kind",
            "kind_display",
            "label",
            "started_at",
            "due",
            "hard_due",
            "provisional",
            "paused",
            "warned_at",
            "met_at",
            "met_recorded_at",
            "met_backdate_reason",
            "breached_at",
            "escalation_level",
            "escalated_at",
            "investigation",
            "delay_notice",
        ]
        read_only_fields = fields

    escalation_level = serializers.SerializerMethodField()
    delay_notice = serializers.SerializerMethodField()

    def get_paused(self, row) -> bool:
        return row.paused_at is not None

    def get_escalation_level(self, row) -> str:
        """Who has been told of the overdue milestone: "" (not overdue),
        "department_head", "centre" or "general_manager"."""
        if row.breached_at is None:
            return ""
        levels = ("department_head", *engine.ESCALATION_LEVELS)
        return levels[min(row.escalated_levels, len(levels) - 1)]

    def get_delay_notice(self, row) -> dict | None:
        try:
            notice = row.delay_notice
        except DelayNotice.DoesNotExist:
            return None
        stamp = serializers.DateTimeField().to_representation
        return {
            "assignee": notice.assignee.username if notice.assignee_id else None,
            "opened_at": stamp(notice.opened_at),
            "done_at": stamp(notice.done_at) if notice.done_at else None,
            "channel": notice.channel,
            "reason": notice.reason,
            "expected_at": stamp(notice.expected_at) if notice.expected_at else None,
        }

    def get_investigation(self, row) -> dict | None:
        try:
            inv = row.investigation
        except OverdueInvestigation.DoesNotExist:
            return None
        return {
            "opened_at": serializers.DateTimeField().to_representation(inv.opened_at),
            "answered_at": (
                serializers.DateTimeField().to_representation(inv.answered_at)
                if inv.answered_at
                else None
            ),
            "reason": inv.reason,
        }


def _visible_ticket(request, number: str):
    from kefu.tickets.models import Ticket
    from kefu.tickets.selectors import tickets_visible

    try:
        return (
            tickets_visible(request.user).select_related("department", "owner").get(number=number)
        )
    except Ticket.DoesNotExist:
        raise Http404 from None


class TicketDeadlinesView(APIView):
    """An order's time limits: due instant, provisional or not, warned, met, overdue."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=TicketDeadlineSerializer(many=True))
    def get(self, request, number: str):
        ticket = _visible_ticket(request, number)
        rows = selectors.ticket_deadlines(ticket)
        return Response(TicketDeadlineSerializer(rows, many=True).data)


class MilestoneReachedSerializer(serializers.Serializer):
    at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="When the milestone was reached (default: now). More than 10 minutes ago "
        "needs a reason.",
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200)


class TicketDeadlineReachedView(APIView):
    """The handling department records that a milestone (arrival, opinion …) was reached."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=MilestoneReachedSerializer, responses=TicketDeadlineSerializer)
    def post(self, request, number: str, position: int):
        ticket = _visible_ticket(request, number)
        given = MilestoneReachedSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        row = engine.deadline_record_reached(
            ticket=ticket,
            position=position,
            actor=request.user,
            at=given.validated_data.get("at"),
            reason=given.validated_data.get("reason", ""),
        )
        return Response(TicketDeadlineSerializer(row).data)


class InvestigationAnswerView(APIView):
    """The handling department answers the overdue investigation (查办单) with a reason."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=inline_serializer("InvestigationAnswer", {"reason": serializers.CharField()}),
        responses=TicketDeadlineSerializer,
    )
    def post(self, request, number: str, position: int):
        ticket = _visible_ticket(request, number)
        investigation = (
            OverdueInvestigation.objects.filter(ticket=ticket, deadline__position=position)
            .select_related("deadline")
            .first()
        )
        if investigation is None:
            raise Http404
        engine.investigation_answer(
            investigation=investigation,
            actor=request.user,
            reason=str(request.data.get("reason", "")),
        )
        row = selectors.ticket_deadlines(ticket).get(pk=investigation.deadline_id)
        return Response(TicketDeadlineSerializer(row).data)


class DelayNoticeView(APIView):
    """The first responder records that the customer was told why the order is late and
    the new expected time (the reason and time go on the customer's progress page)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=inline_serializer(
            "DelayNoticeRecord",
            {
                "channel": serializers.ChoiceField(choices=DelayNotice.Channel.choices),
                "reason": serializers.CharField(),
                "expected_at": serializers.DateTimeField(),
            },
        ),
        responses=TicketDeadlineSerializer,
    )
    def post(self, request, number: str, position: int):
        ticket = _visible_ticket(request, number)
        notice = DelayNotice.objects.filter(ticket=ticket, deadline__position=position).first()
        if notice is None:
            raise Http404
        expected = request.data.get("expected_at")
        expected_at = None
        if expected:
            field = serializers.DateTimeField()
            try:
                expected_at = field.to_internal_value(expected)
            except ValidationError as exc:
                raise ValidationError({"expected_at": exc.detail}) from None
        engine.delay_notice_record(
            notice=notice,
            actor=request.user,
            channel=str(request.data.get("channel", "")),
            reason=str(request.data.get("reason", "")),
            expected_at=expected_at,
        )
        row = selectors.ticket_deadlines(ticket).get(pk=notice.deadline_id)
        return Response(TicketDeadlineSerializer(row).data)


class ComplianceRowSerializer(serializers.Serializer):
    department = serializers.CharField(help_text="empty on the total row and when by=category")
    category = serializers.CharField(help_text="empty on the total row and when by=department")
    resolved = serializers.IntegerField()
    resolved_on_time = serializers.IntegerField()
    on_time_rate = serializers.FloatField(allow_null=True, help_text="按时办结率, percent")
    first_contact = serializers.IntegerField()
    first_contact_on_time = serializers.IntegerField()
    first_contact_rate = serializers.FloatField(allow_null=True)
    overdue = serializers.IntegerField()
    overdue_hours = serializers.FloatField()
    overdue_hours_average = serializers.FloatField(allow_null=True)
    total = serializers.BooleanField()


class ComplianceView(APIView):
    """Time-limit compliance for a month over the orders the caller may see: on-time
    resolution (按时办结率), first contact on time, overdue count and hours, per department,
    category or both. The last row is the total (``total: true``)."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("month", str, description="YYYY-MM; default: this month"),
            OpenApiParameter("by", str, enum=list(selectors.COMPLIANCE_GROUPS)),
        ],
        responses=ComplianceRowSerializer(many=True),
    )
    def get(self, request):
        from django.utils import timezone

        from kefu.sla.rules import parse_month

        now = timezone.now()
        month_text = request.query_params.get("month") or timezone.localdate(now).strftime("%Y-%m")
        try:
            month = parse_month(month_text)
        except ValueError as exc:
            raise ValidationError({"month": [str(exc)]}, code="invalid") from None
        group_by = request.query_params.get("by", "department")
        if group_by not in selectors.COMPLIANCE_GROUPS:
            raise ValidationError(
                {
                    "by": [
                        _("Choose one of: %(values)s")
                        % {"values": ", ".join(selectors.COMPLIANCE_GROUPS)}
                    ]
                },
                code="invalid_choice",
            )
        rows = selectors.compliance(request.user, month=month, group_by=group_by, now=now)
        data = [
            {
                "department": r.department,
                "category": r.category,
                "resolved": r.resolved,
                "resolved_on_time": r.resolved_on_time,
                "on_time_rate": r.on_time_rate,
                "first_contact": r.first_contact,
                "first_contact_on_time": r.first_contact_on_time,
                "first_contact_rate": r.first_contact_rate,
                "overdue": r.overdue,
                "overdue_hours": r.overdue_hours,
                "overdue_hours_average": r.overdue_hours_average,
                "total": index == len(rows) - 1,
            }
            for index, r in enumerate(rows)
        ]
        return Response(ComplianceRowSerializer(data, many=True).data)


urlpatterns = [
    path("sla/compliance/", ComplianceView.as_view(), name="sla-compliance"),
    path("calendar/add/", CalendarAddView.as_view(), name="calendar-add"),
    path("calendar/days/", CalendarYearDaysView.as_view(), name="calendar-days"),
    path(
        "tickets/<str:number>/deadlines/",
        TicketDeadlinesView.as_view(),
        name="ticket-deadlines",
    ),
    path(
        "tickets/<str:number>/deadlines/<int:position>/reached/",
        TicketDeadlineReachedView.as_view(),
        name="ticket-deadline-reached",
    ),
    path(
        "tickets/<str:number>/deadlines/<int:position>/investigation/",
        InvestigationAnswerView.as_view(),
        name="ticket-deadline-investigation",
    ),
    path(
        "tickets/<str:number>/deadlines/<int:position>/delay-notice/",
        DelayNoticeView.as_view(),
        name="ticket-deadline-delay-notice",
    ),
]
