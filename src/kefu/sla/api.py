"""REST API for SLA policies and the time limits of work orders (the working calendars'
API is ``kefu.calendars.api``).

* ``GET /api/v1/tickets/{number}/deadlines/`` — an order's time limits;
  ``POST …/deadlines/{position}/reached/`` records a milestone reached;
  ``POST …/deadlines/{position}/investigation/`` answers its overdue investigation.
* ``POST /api/v1/sla/explain/`` — which policy applies to an order of a category,
  channel, grade, tier, type and priority, and why (optionally with a policy as it would
  be saved, before saving it).
* ``/api/v1/sla-policies/`` and ``/api/v1/sla-milestones/`` (read; administrators write).
  Writes go through ``kefu.sla.services``.
"""

from __future__ import annotations

from django.http import Http404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    inline_serializer,
)
from rest_framework import exceptions, permissions, serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from kefu.calendars.models import WorkCalendar
from kefu.sla import engine, selectors, services
from kefu.sla.events import start_event_choices
from kefu.sla.models import (
    DelayNotice,
    OverdueInvestigation,
    SlaMilestone,
    SlaPolicy,
    TicketDeadline,
    UnitChoices,
)
from kefu.sla.permissions import can_manage_sla
from kefu.sla.policy import CONDITION_FIELDS

MAX_AMOUNT = 100_000


class IsAdministratorOrReadOnly(permissions.BasePermission):
    """Everyone authenticated reads; administrators write."""

    message = "只有系统管理员可以修改工作日历和时限策略。"

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return can_manage_sla(request.user)


class SlaMilestoneSerializer(serializers.ModelSerializer):
    policy = serializers.PrimaryKeyRelatedField(queryset=SlaPolicy.objects.all())
    calendar = serializers.SlugRelatedField(slug_field="code", queryset=WorkCalendar.objects.all())
    unit = serializers.ChoiceField(choices=UnitChoices.choices)
    starts_at = serializers.ChoiceField(
        choices=start_event_choices(),
        required=False,
        help_text="Code of the event the clock starts at (kefu.sla.events).",
    )
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
        # the events other apps declared when they were loaded
        fields["starts_at"].choices = start_event_choices()
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
            "department": inv.department.code if inv.department_id else None,
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


class StartEventsView(APIView):
    """The named events a milestone's clock can start at (``starts_at`` of a milestone):
    the order's own, each milestone kind reached, and those other apps declared."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        responses=inline_serializer(
            "StartEvent",
            {"code": serializers.CharField(), "label": serializers.CharField()},
            many=True,
        )
    )
    def get(self, request):
        return Response([{"code": c, "label": str(label)} for c, label in start_event_choices()])


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
    due = serializers.IntegerField(
        help_text="milestones that fell due in the month (up to now), met or not"
    )
    due_on_time = serializers.IntegerField(help_text="of those, met by their due instant")
    on_time_rate = serializers.FloatField(
        allow_null=True, help_text="按时率: due_on_time / due, percent"
    )
    resolved = serializers.IntegerField()
    resolved_on_time = serializers.IntegerField()
    resolution_on_time_rate = serializers.FloatField(
        allow_null=True, help_text="按时办结率: resolved_on_time / resolved, percent"
    )
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
                "due": r.due,
                "due_on_time": r.due_on_time,
                "on_time_rate": r.on_time_rate,
                "resolved": r.resolved,
                "resolved_on_time": r.resolved_on_time,
                "resolution_on_time_rate": r.resolution_on_time_rate,
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


_FACT_OPTIONS = {
    "category": "categories",
    "ticket_type": "ticket_types",
    "priority": "priorities",
    "channel": "channels",
    "customer_grade": "customer_grades",
    "service_tier": "service_tiers",
}


class ExplainDraftSerializer(serializers.Serializer):
    policy = serializers.IntegerField(
        required=False, allow_null=True, help_text="The policy being edited; empty: a new one."
    )
    code = serializers.CharField(required=False, allow_blank=True, default="")
    name = serializers.CharField(required=False, allow_blank=True, default="")
    order = serializers.IntegerField(required=False, min_value=0)
    is_active = serializers.BooleanField(required=False, default=True)
    ticket_types = serializers.ListField(child=serializers.CharField(), required=False)
    categories = serializers.ListField(child=serializers.CharField(), required=False)
    priorities = serializers.ListField(child=serializers.CharField(), required=False)
    customer_grades = serializers.ListField(child=serializers.CharField(), required=False)
    service_tiers = serializers.ListField(child=serializers.CharField(), required=False)
    channels = serializers.ListField(child=serializers.CharField(), required=False)


class ExplainRequestSerializer(serializers.Serializer):
    category = serializers.CharField(required=False, allow_blank=True, default="")
    ticket_type = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Empty: the category's."
    )
    priority = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Empty: the category's default."
    )
    channel = serializers.CharField(required=False, allow_blank=True, default="")
    customer_grade = serializers.CharField(required=False, allow_blank=True, default="")
    service_tier = serializers.CharField(required=False, allow_blank=True, default="")
    draft = ExplainDraftSerializer(
        required=False,
        help_text="A policy as it would be saved (administrators): tried in place of its "
        "stored version.",
    )

    def validate(self, attrs):
        options = selectors.condition_options()
        errors = {}
        for name, condition in _FACT_OPTIONS.items():
            value = attrs.get(name) or ""
            if value and value not in {code for code, _label in options[condition]}:
                errors[name] = serializers.ErrorDetail(
                    _("%(field)s: there is no option with the code %(codes)s.")
                    % {"field": selectors.CONDITION_TITLES[condition], "codes": value},
                    code="unknown_code",
                )
        if errors:
            raise ValidationError(errors)
        return attrs


class ExplainView(APIView):
    """Which policy applies to an order of this category, channel, customer grade, service
    tier, ticket type and priority, and why: the policies checked before it with the
    conditions that ruled each out, and the milestones an order accepted now would get.
    ``draft`` (administrators) tries a policy as it would be saved."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=ExplainRequestSerializer,
        responses=inline_serializer(
            "SlaExplanation",
            {
                "facts": serializers.DictField(),
                "policy": serializers.DictField(allow_null=True),
                "by_category": serializers.BooleanField(),
                "checked": serializers.ListField(child=serializers.DictField()),
                "accepted_at": serializers.DateTimeField(),
                "milestones": serializers.ListField(child=serializers.DictField()),
            },
        ),
    )
    def post(self, request):
        incoming = ExplainRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        draft_values = data.pop("draft", None)
        draft, draft_active = None, True
        if draft_values is not None:
            if not can_manage_sla(request.user):
                raise exceptions.PermissionDenied(IsAdministratorOrReadOnly.message)
            policy = None
            if draft_values.get("policy"):
                policy = SlaPolicy.objects.filter(pk=draft_values["policy"]).first()
                if policy is None:
                    raise Http404
            conditions = {k: draft_values[k] for k in CONDITION_FIELDS if k in draft_values}
            allowed = {k: set(getattr(policy, k) or ()) for k in conditions} if policy else {}
            unknown = selectors.unknown_condition_codes(conditions, allowed=allowed)
            if unknown:
                raise ValidationError(
                    {
                        "draft": {
                            name: [
                                serializers.ErrorDetail(
                                    _("%(field)s: there is no option with the code %(codes)s.")
                                    % {
                                        "field": selectors.CONDITION_TITLES[name],
                                        "codes": "、".join(codes),
                                    },
                                    code="unknown_code",
                                )
                            ]
                            for name, codes in unknown.items()
                        }
                    }
                )
            draft = selectors.draft_policy(draft_values, policy=policy)
            draft_active = draft_values.get("is_active", True)
        facts, category_policy = selectors.facts_from_choices(**data)
        explanation = selectors.explain_policy(
            facts,
            accepted_at=timezone.now(),
            category_policy_code=category_policy,
            draft=draft,
            draft_active=draft_active,
        )
        return Response(selectors.explanation_data(explanation))


urlpatterns = [
    path("sla/explain/", ExplainView.as_view(), name="sla-explain"),
    path("sla/compliance/", ComplianceView.as_view(), name="sla-compliance"),
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
    path("sla/start-events/", StartEventsView.as_view(), name="sla-start-events"),
]
