"""REST API for major matters (重大事项) and work liaison slips (工作联系单)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from kefu.org.models import Department
from kefu.tickets import selectors
from kefu.tickets.api import TicketSerializer
from kefu.tickets.models import Category, LiaisonSlip, Ticket
from kefu.tickets.services import majors


class MajorReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, allow_blank=True, default="")


def _visible_ticket(user, number: str) -> Ticket:
    try:
        return (
            selectors.tickets_visible(user)
            .select_related(*selectors.API_RELATED)
            .get(number=number)
        )
    except Ticket.DoesNotExist:
        raise Http404 from None


class MajorFlagView(APIView):
    """Flag an order as a major matter (FRA-04): every general manager is told at once."""

    @extend_schema(
        request=MajorReasonSerializer,
        responses={200: TicketSerializer, 400: OpenApiTypes.OBJECT, 404: OpenApiTypes.OBJECT},
    )
    def post(self, request, number: str):
        ticket = _visible_ticket(request.user, number)
        data = MajorReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        majors.ticket_flag_major(
            ticket=ticket, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(TicketSerializer(_visible_ticket(request.user, number)).data)


class MajorClearView(APIView):
    """Clear the major-matter flag, with the reason (heads and general managers)."""

    @extend_schema(
        request=MajorReasonSerializer,
        responses={200: TicketSerializer, 400: OpenApiTypes.OBJECT, 403: OpenApiTypes.OBJECT},
    )
    def post(self, request, number: str):
        ticket = _visible_ticket(request.user, number)
        data = MajorReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        majors.ticket_clear_major(
            ticket=ticket, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(TicketSerializer(_visible_ticket(request.user, number)).data)


class LiaisonSlipSerializer(serializers.ModelSerializer):
    department = serializers.SlugRelatedField(slug_field="code", read_only=True)
    ticket = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True)
    registered_by = serializers.StringRelatedField()

    class Meta:
        model = LiaisonSlip
        fields = [
            "id",
            "number",
            "content",
            "started_at",
            "finished_at",
            "people",
            "department",
            "late_reason",
            "ticket",
            "registered_by",
            "registered_at",
        ]


class LiaisonSlipCreateSerializer(serializers.Serializer):
    content = serializers.CharField(allow_blank=True)
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField()
    people = serializers.CharField(max_length=200, allow_blank=True)
    department = serializers.SlugRelatedField(slug_field="code", queryset=Department.objects.all())
    late_reason = serializers.CharField(allow_blank=True)
    ticket = serializers.CharField(
        required=False, allow_blank=True, help_text="Number of the order to link the slip to."
    )
    category = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Category.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text="Code of a category: opens a new order for the slip (instead of `ticket`).",
    )


class LiaisonSlipViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Work liaison slips (FRA-05) of the departments in the caller's data scope and those
    the caller registered, newest first. `POST` registers one after the work, with its real
    start and finish times (in the past, finish after start)."""

    serializer_class = LiaisonSlipSerializer
    lookup_field = "number"

    def get_queryset(self):
        return selectors.liaison_slips_visible(self.request.user)

    @extend_schema(
        request=LiaisonSlipCreateSerializer,
        responses={201: LiaisonSlipSerializer, 400: OpenApiTypes.OBJECT},
    )
    def create(self, request):
        body = LiaisonSlipCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        ticket = None
        if data.get("ticket"):
            ticket = _visible_ticket(request.user, data["ticket"].strip().upper())
        slip = majors.liaison_slip_register(
            actor=request.user,
            content=data["content"],
            started_at=data["started_at"],
            finished_at=data["finished_at"],
            people=data["people"],
            department=data["department"],
            late_reason=data["late_reason"],
            ticket=ticket,
            category=data.get("category"),
        )
        return Response(LiaisonSlipSerializer(slip).data, status=status.HTTP_201_CREATED)
