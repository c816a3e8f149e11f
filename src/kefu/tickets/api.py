"""REST API for work orders: intake with Idempotency-Key, scoped reads, actions."""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import exceptions, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from kefu.core.phones import mask_phone
from kefu.org.models import Department, User
from kefu.org.permissions import can_manage_org
from kefu.tickets import lifecycle, selectors, services
from kefu.tickets.models import (
    CannedReply,
    Category,
    IntakeChannel,
    RoutingRule,
    SavedQueueView,
    Ticket,
    TicketEvent,
    TicketType,
)
from kefu.tickets.permissions import may_take
from kefu.tickets.rules import Priority
from kefu.tickets.services import saved_views
from kefu.tickets.services.saved_views import saved_view_url
from kefu.tickets.states import MOVES, Action, Need, allowed_actions, missing


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.StringRelatedField(allow_null=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = TicketEvent
        fields = [
            "id",
            "kind",
            "kind_display",
            "action",
            "from_status",
            "to_status",
            "actor",
            "note",
            "public",
            "data",
            "created_at",
        ]


class TicketSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    ticket_type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    first_responder = serializers.SerializerMethodField()
    department = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    owner = serializers.StringRelatedField(allow_null=True)
    parent = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "number",
            "ticket_type",
            "category",
            "status",
            "status_display",
            "priority",
            "channel",
            "title",
            "description",
            "extra",
            "contact_name",
            "contact_phone",
            "calling_number",
            "call_recording_ref",
            "address",
            "customer_grade",
            "first_responder",
            "department",
            "owner",
            "parent",
            "resolution",
            "settled_at_first_contact",
            "return_count",
            "repeat_count",
            "urge_count",
            "supervised",
            "supervision_due",
            "major",
            "major_reason",
            "major_at",
            "next_due_at",
            "next_warn_at",
            "created_at",
            "dispatched_at",
            "signed_at",
            "resolved_at",
            "closed_at",
        ]

    def get_first_responder(self, ticket) -> dict | None:
        user = ticket.first_responder
        if user is None:
            return None
        return {"id": user.pk, "name": user.display_name, "employee_no": user.employee_no}

    def to_representation(self, ticket):
        # The same output as the generic walk over ``Meta.fields`` (a test compares the
        # two), written out: the generic walk builds the ~35 fields again for every order
        # it shows, which cost an intake more CPU than its own SQL.
        def code(related):
            return None if related is None else related.code

        def moment(value):
            return None if value is None else _DATETIME.to_representation(value)

        department, owner, parent = ticket.department, ticket.owner, ticket.parent
        return {
            "id": ticket.pk,
            "number": ticket.number,
            "ticket_type": code(ticket.ticket_type),
            "category": code(ticket.category),
            "status": ticket.status,
            "status_display": ticket.get_status_display(),
            "priority": ticket.priority,
            "channel": ticket.channel,
            "title": ticket.title,
            "description": ticket.description,
            "extra": ticket.extra,
            "contact_name": ticket.contact_name,
            "contact_phone": ticket.contact_phone,
            "calling_number": ticket.calling_number,
            "call_recording_ref": ticket.call_recording_ref,
            "address": ticket.address,
            "customer_grade": ticket.customer_grade,
            "first_responder": self.get_first_responder(ticket),
            "department": code(department),
            "owner": None if owner is None else str(owner),
            "parent": None if parent is None else parent.number,
            "resolution": ticket.resolution,
            "settled_at_first_contact": ticket.settled_at_first_contact,
            "return_count": ticket.return_count,
            "repeat_count": ticket.repeat_count,
            "urge_count": ticket.urge_count,
            "supervised": ticket.supervised,
            "supervision_due": (
                None if ticket.supervision_due is None else ticket.supervision_due.isoformat()
            ),
            "major": ticket.major,
            "major_reason": ticket.major_reason,
            "major_at": moment(ticket.major_at),
            "next_due_at": moment(ticket.next_due_at),
            "next_warn_at": moment(ticket.next_warn_at),
            "created_at": moment(ticket.created_at),
            "dispatched_at": moment(ticket.dispatched_at),
            "signed_at": moment(ticket.signed_at),
            "resolved_at": moment(ticket.resolved_at),
            "closed_at": moment(ticket.closed_at),
        }


_DATETIME = serializers.DateTimeField()


class CategoryCodeField(serializers.SlugRelatedField):
    """An active category by its code, looked up in the per-process copy of the categories
    instead of one query per intake."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        category = selectors.active_category(data)
        if category is None:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return category


class TicketCreateSerializer(serializers.Serializer):
    category = CategoryCodeField(
        slug_field="code",
        queryset=Category.objects.filter(is_active=True).select_related("ticket_type"),
    )
    channel = serializers.CharField(
        max_length=30,
        help_text="A code of the configurable channel list (GET /api/v1/channels/).",
    )
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")

    contact_name = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=60
    )
    contact_phone = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=30
    )
    calling_number = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=30
    )
    call_recording_ref = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200
    )
    address = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    customer_grade = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=10,
        help_text="A grade of the customer archive's configured grade list.",
    )
    priority = serializers.ChoiceField(
        choices=Priority.choices, required=False, allow_null=True, default=None
    )
    extra = serializers.DictField(required=False, default=dict)
    dispatch = serializers.BooleanField(required=False, default=False)
    dispatch_to = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Department.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        default=None,
    )
    settle_with = serializers.CharField(required=False, allow_blank=True, default="")

    def validate_channel(self, value: str) -> str:
        vocab = selectors.vocabulary()
        if value not in vocab.channels:
            raise serializers.ValidationError(
                _("Choose one of the channels in use: %(codes)s.")
                % {"codes": "、".join(vocab.active_channels)},
                code="invalid_choice",
            )
        return value


def _need_help(need: Need) -> str:
    """Which actions the transition table says refuse to go without ``need``, and which
    take it if given."""
    required = [m.action.value for m in MOVES.values() if need in m.required]
    accepted = [m.action.value for m in MOVES.values() if need in m.accepts]
    parts = []
    if required:
        parts.append("Required for: " + ", ".join(required) + ".")
    if accepted:
        parts.append("Taken if given by: " + ", ".join(accepted) + ".")
    if need == Need.REASON:
        parts.append("Any other action keeps it on the timeline.")
    return " ".join(parts)


def _needs_table() -> str:
    """The transition table's needs, as the OpenAPI description of the action."""
    lines = ["What each action needs (missing a required field answers 400 naming it):"]
    for move in MOVES.values():
        required = ", ".join(f"`{n.value}`" for n in move.needs if n in move.required) or "—"
        optional = ", ".join(f"`{n.value}`" for n in move.needs if n not in move.required)
        line = f"- `{move.action.value}`: required {required}"
        lines.append(line + (f"; optional {optional}" if optional else ""))
    return "\n".join(lines)


class TransitionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=Action.choices)
    owner = serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        default=None,
        help_text=_need_help(Need.OWNER),
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_need_help(Need.REASON)
    )
    resolution = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_need_help(Need.RESOLUTION)
    )
    department = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Department.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        default=None,
        help_text=_need_help(Need.DEPARTMENT),
    )

    def validate(self, attrs):
        """Refuse a lifecycle action without what the transition table says it needs."""
        action = attrs.get("action")
        if action in Action.values:
            given = {need: attrs.get(need.value) for need in Need}
            errors = missing(action, given)
            if errors:
                raise serializers.ValidationError(
                    {field: [message] for field, message in errors.items()}, code="required"
                )
        return attrs


class ActionSerializer(TransitionSerializer):
    action = serializers.ChoiceField(
        choices=[
            *Action.choices,
            ("urge", "urge"),
            ("supervise", "supervise"),
            ("comment", "comment"),
        ]
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")
    public = serializers.BooleanField(required=False, default=False)
    due = serializers.DateField(required=False, allow_null=True, default=None)


class BlockerSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class AvailableActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=Action.choices)
    label = serializers.CharField()
    required = serializers.ListField(child=serializers.ChoiceField(choices=Need.choices))
    optional = serializers.ListField(child=serializers.ChoiceField(choices=Need.choices))
    blockers = BlockerSerializer(many=True)


class TicketPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = ("priority_rank", "grade_rank", "due_sort", "id")


class TicketViewSet(viewsets.ReadOnlyModelViewSet):
    """Work orders in the caller's data scope, in queue order.

    `POST` creates an order; send an `Idempotency-Key` header so that a retried request
    returns the first order instead of creating a second one.
    """

    serializer_class = TicketSerializer
    pagination_class = TicketPagination
    filterset_fields = ["status", "channel", "customer_grade", "priority"]
    lookup_field = "number"

    def get_queryset(self):
        name = self.request.query_params.get("queue", "all")
        if name not in selectors.QUEUES:
            raise exceptions.ValidationError(
                {"queue": [f"one of: {', '.join(selectors.QUEUES)}"]}, code="invalid_choice"
            )
        return selectors.queue_for_api(self.request.user, name)

    def get_object(self):
        try:
            return (
                selectors.tickets_visible(self.request.user)
                .select_related(*selectors.API_RELATED)
                .get(number=self.kwargs["number"])
            )
        except Ticket.DoesNotExist:
            raise Http404 from None

    @extend_schema(
        request=TicketCreateSerializer,
        responses={201: TicketSerializer, 200: TicketSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="Any unique string; a retry with the same key returns the same order.",
            )
        ],
    )
    def create(self, request):
        serializer = TicketCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        key = request.headers.get("Idempotency-Key", "").strip()
        if key:
            if len(key) > 100:
                raise ValidationError(
                    {
                        "idempotency_key": ValidationError(
                            "at most 100 characters", code="max_length"
                        )
                    }
                )
            ticket, created = services.ticket_create_idempotent(
                actor=request.user,
                key=key,
                payload_hash=services.request_hash(request.data),
                **fields,
            )
        else:
            ticket, created = services.ticket_create(actor=request.user, **fields), True
        return Response(
            TicketSerializer(ticket).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        request=TransitionSerializer,
        responses={200: TicketSerializer, 400: OpenApiTypes.OBJECT, 403: OpenApiTypes.OBJECT},
        parameters=[
            OpenApiParameter(
                "action_name",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                enum=[*Action.values, "urge", "supervise", "comment"],
                description=(
                    "A lifecycle action (dispatch, sign, return, transfer, rule, start, resolve, "
                    "suspend, resume, request_visit, close, reopen, cancel, settle) or urge, "
                    "supervise (needs `due`), comment (needs `note`; `public` shows it to the "
                    "customer). Refused actions answer 400 (not possible now, with the field at "
                    "fault) or 403 (not yours to take) and change nothing. "
                    "`GET …/actions/` lists the actions open to the caller now.\n\n"
                    + _needs_table()
                ),
            )
        ],
    )
    @action(detail=True, methods=["post"], url_path=r"actions/(?P<action_name>[a-z_]+)")
    def actions(self, request, number=None, action_name=""):
        ticket = self.get_object()
        body = request.data.dict() if hasattr(request.data, "dict") else dict(request.data)
        serializer = ActionSerializer(data={**body, "action": action_name})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if action_name == "urge":
            ticket = services.ticket_urge(ticket=ticket, actor=request.user, note=data["note"])
        elif action_name == "supervise":
            if data.get("due") is None:
                raise ValidationError(
                    {"due": ValidationError(_("Give the target date."), code="required")}
                )
            ticket = services.ticket_supervise(
                ticket=ticket, actor=request.user, due=data["due"], note=data["note"]
            )
        elif action_name == "comment":
            services.ticket_add_note(
                ticket=ticket, actor=request.user, note=data["note"], public=data["public"]
            )
        else:
            ticket = services.ticket_transition(
                ticket=ticket,
                actor=request.user,
                action=action_name,
                reason=data["reason"],
                resolution=data["resolution"],
                department=data["department"],
                owner=data["owner"],
            )
        ticket.refresh_from_db()
        return Response(TicketSerializer(ticket).data)

    @extend_schema(responses=AvailableActionSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="actions", pagination_class=None)
    def available_actions(self, request, number=None):
        """The lifecycle actions the caller may take on the order in its status, with what
        each needs (from the transition table) and, when something stands in the way (an
        unanswered overdue investigation, an unverified corrective action …), the reasons
        it cannot be taken yet: `blockers` is then not empty and the action is refused."""
        ticket = self.get_object()
        rows = []
        for move_action in allowed_actions(ticket.status):
            if not may_take(request.user, ticket, move_action):
                continue
            move = MOVES[move_action]
            rows.append(
                {
                    "action": move_action.value,
                    "label": str(move_action.label),
                    "required": [n.value for n in move.needs if n in move.required],
                    "optional": [n.value for n in move.needs if n not in move.required],
                    "blockers": [
                        {"code": b.code, "message": str(b.message)}
                        for b in lifecycle.blockers(ticket=ticket, action=move_action)
                    ],
                }
            )
        return Response(AvailableActionSerializer(rows, many=True).data)

    @extend_schema(responses=EventSerializer(many=True))
    @action(detail=True, methods=["get"])
    def timeline(self, request, number=None):
        ticket = self.get_object()
        return Response(EventSerializer(selectors.timeline(ticket), many=True).data)


class ProgressThrottle(AnonRateThrottle):
    rate = "30/hour"


class ProgressView(APIView):
    """Public progress lookup: order number + last 4 digits of the phone."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ProgressThrottle]

    @extend_schema(
        parameters=[
            OpenApiParameter("number", OpenApiTypes.STR, required=True),
            OpenApiParameter(
                "phone_tail", OpenApiTypes.STR, required=True, description="last 4 digits"
            ),
        ],
        responses=inline_serializer(
            "Progress",
            {
                "number": serializers.CharField(),
                "status": serializers.CharField(),
                "status_display": serializers.CharField(),
                "phone": serializers.CharField(),
                "events": serializers.ListField(child=serializers.DictField()),
            },
        ),
    )
    def get(self, request):
        number = request.query_params.get("number", "").strip().upper()
        tail = request.query_params.get("phone_tail", "")
        if not (len(tail) == 4 and tail.isdigit()):
            raise exceptions.ValidationError(
                {"phone_tail": [_("Enter the last 4 digits.")]}, code="invalid"
            )
        ticket = Ticket.objects.filter(number=number).first()
        phone = (ticket.contact_phone or ticket.calling_number) if ticket else ""
        if ticket is None or not phone.endswith(tail):
            raise exceptions.NotFound(_("No order matches this number and phone."))
        events = selectors.timeline(ticket, public_only=True)
        return Response(
            {
                "number": ticket.number,
                "status": ticket.status,
                "status_display": ticket.get_status_display(),
                "phone": mask_phone(phone),
                "events": [
                    {
                        "at": e.created_at,
                        "status": e.to_status,
                        "kind": e.kind,
                        "text": e.note
                        if e.kind == "reply" or e.action in {"resolve", "settle"}
                        else "",
                    }
                    for e in events
                ],
            }
        )


class IsAdministratorOrReadOnly(permissions.BasePermission):
    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        return can_manage_org(request.user)


class CategorySerializer(serializers.ModelSerializer):
    ticket_type = serializers.SlugRelatedField(slug_field="code", queryset=TicketType.objects.all())
    parent = serializers.SlugRelatedField(
        slug_field="code", queryset=Category.objects.all(), required=False, allow_null=True
    )
    lead_department = serializers.SlugRelatedField(
        slug_field="code", queryset=Department.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = Category
        fields = [
            "id",
            "code",
            "name",
            "ticket_type",
            "parent",
            "lead_department",
            "default_priority",
            "settle_at_first_contact",
            "extra_fields",
            "sla_policy_code",
            "reply_template",
            "sort_order",
            "is_active",
            "depth",
        ]
        read_only_fields = ["depth"]


class CategoryViewSet(viewsets.ModelViewSet):
    """The category tree (业务分类); administrators create and change categories."""

    serializer_class = CategorySerializer
    permission_classes = [permissions.IsAuthenticated, IsAdministratorOrReadOnly]
    lookup_field = "code"
    http_method_names = ["get", "post", "patch", "head", "options"]
    queryset = Category.objects.select_related("ticket_type", "parent", "lead_department").order_by(
        "id"
    )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("is_active", None)
        serializer.instance = services.category_create(**data)

    def perform_update(self, serializer):
        serializer.instance = services.category_update(
            category=serializer.instance, **serializer.validated_data
        )


class ChannelSerializer(serializers.ModelSerializer):
    class Meta:
        model = IntakeChannel
        fields = ["id", "code", "name", "sort_order", "is_active"]


class ChannelViewSet(viewsets.ModelViewSet):
    """The channels orders come in by (受理渠道, a configurable list); administrators add,
    rename, reorder and deactivate them. A channel's code is fixed once created."""

    serializer_class = ChannelSerializer
    permission_classes = [permissions.IsAuthenticated, IsAdministratorOrReadOnly]
    lookup_field = "code"
    http_method_names = ["get", "post", "patch", "head", "options"]
    queryset = IntakeChannel.objects.order_by("sort_order", "id")

    def perform_create(self, serializer):
        serializer.instance = services.channel_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.channel_update(
            channel=serializer.instance, **serializer.validated_data
        )


class RoutingRuleSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=Category.objects.all(), required=False, allow_null=True
    )
    department = serializers.SlugRelatedField(slug_field="code", queryset=Department.objects.all())

    class Meta:
        model = RoutingRule
        fields = ["id", "order", "category", "area", "customer_grade", "department", "is_active"]

    def validate_customer_grade(self, value: str) -> str:
        if value and value not in selectors.vocabulary().grades:
            raise serializers.ValidationError(
                _("The customer grade must be one of: %(grades)s.")
                % {"grades": "、".join(selectors.vocabulary().grades)},
                code="invalid_choice",
            )
        return value


class RoutingRuleViewSet(viewsets.ModelViewSet):
    """Routing rules: category + area + customer grade → department, first match wins."""

    serializer_class = RoutingRuleSerializer
    permission_classes = [permissions.IsAuthenticated, IsAdministratorOrReadOnly]
    queryset = RoutingRule.objects.select_related("category", "department").order_by("order", "id")


class CannedReplySerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=Category.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = CannedReply
        fields = ["id", "title", "text", "category", "sort_order", "is_active"]


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "category",
                OpenApiTypes.STR,
                description="A category's code: its canned replies and the general ones.",
            )
        ]
    )
)
class CannedReplyViewSet(viewsets.ModelViewSet):
    """Canned replies and notes (常用语) offered on the order page, per category or for
    all; administrators create and change them. ``?category=<code>`` lists those of one
    category (and the general ones)."""

    serializer_class = CannedReplySerializer
    permission_classes = [permissions.IsAuthenticated, IsAdministratorOrReadOnly]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        qs = CannedReply.objects.select_related("category").order_by("sort_order", "id")
        code = self.request.query_params.get("category") if self.request else None
        if code:
            qs = qs.filter(Q(category__code=code) | Q(category__isnull=True))
        return qs


class SavedQueueViewSerializer(serializers.ModelSerializer):
    """A saved view: its name and the queue address (queue, filters, sort) it opens."""

    url = serializers.SerializerMethodField(help_text="The queue page this view opens.")

    class Meta:
        model = SavedQueueView
        fields = ["id", "name", "query", "url", "created_at"]
        read_only_fields = ["id", "url", "created_at"]
        # the name's rules (required, length, unique per person) are the service's
        extra_kwargs = {"name": {"validators": [], "required": False, "allow_blank": True}}

    def get_url(self, view: SavedQueueView) -> str:
        return saved_view_url(view)


class SavedQueueViewViewSet(viewsets.ModelViewSet):
    """The signed-in person's saved views of the work-order queue (我的保存视图): list,
    save the current queue address under a name, rename, delete. Each person sees only
    their own."""

    serializer_class = SavedQueueViewSerializer
    permission_classes = [permissions.IsAuthenticated]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return SavedQueueView.objects.none()
        return SavedQueueView.objects.filter(owner=self.request.user).order_by("id")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = saved_views.saved_view_create(
            owner=self.request.user, name=data.get("name", ""), query=data.get("query", "")
        )

    def perform_update(self, serializer):
        serializer.instance = saved_views.saved_view_rename(
            view=serializer.instance,
            name=serializer.validated_data.get("name", serializer.instance.name),
        )

    def perform_destroy(self, instance):
        saved_views.saved_view_delete(view=instance)
