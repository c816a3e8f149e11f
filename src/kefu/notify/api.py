"""REST API of kefu.notify: ``GET /api/v1/messages/`` — the outbound message log (SMS and
email to customers) with each message's delivery state, read-only, for administrators;
``/api/v1/notifications/`` — the signed-in person's in-app notifications."""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response

from kefu.notify import selectors, services
from kefu.notify.models import (
    MUTABLE_KINDS,
    MessageChannel,
    MessageStatus,
    Notification,
    NotificationKind,
    OutboundMessage,
)
from kefu.org.permissions import can_manage_org


class IsAdministrator(permissions.BasePermission):
    message = "只有系统管理员可以查看消息发送记录。"

    def has_permission(self, request, view):
        return can_manage_org(request.user)


class MessageSerializer(serializers.ModelSerializer):
    ticket = serializers.CharField(
        source="ticket.number", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = OutboundMessage
        fields = [
            "id",
            "channel",
            "to",
            "subject",
            "text",
            "template_code",
            "ticket",
            "status",
            "attempts",
            "error",
            "provider_id",
            "created_at",
            "sent_at",
        ]
        read_only_fields = fields


class MessageFilter(filters.FilterSet):
    channel = filters.ChoiceFilter(choices=MessageChannel.choices)
    status = filters.ChoiceFilter(choices=MessageStatus.choices)

    class Meta:
        model = OutboundMessage
        fields = ["channel", "status"]


class MessageViewSet(viewsets.ReadOnlyModelViewSet):
    """Outbound messages and their delivery state (queued, sending, sent, logged, failed,
    unknown), oldest first; administrators only."""

    serializer_class = MessageSerializer
    filterset_class = MessageFilter
    permission_classes = [permissions.IsAuthenticated, IsAdministrator]
    ordering = "id"

    def get_queryset(self):
        return selectors.messages_list().order_by("id")


# ------------------------------------------------------------------ in-app notifications


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "subject", "text", "url", "created_at", "read_at"]
        read_only_fields = fields


class KindCountSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=NotificationKind.choices)
    count = serializers.IntegerField()


class NotificationGroupSerializer(serializers.Serializer):
    url = serializers.CharField(help_text="where the most pressing of them points")
    kind = serializers.ChoiceField(choices=NotificationKind.choices)
    kind_label = serializers.CharField()
    subject = serializers.CharField()
    title = serializers.CharField(help_text="e.g. GD20261203-00034：3 条超时提醒、1 条待办任务")
    count = serializers.IntegerField()
    kinds = KindCountSerializer(many=True, help_text="how many of each kind, most pressing first")
    latest_text = serializers.CharField()
    latest_at = serializers.DateTimeField()
    ids = serializers.ListField(child=serializers.IntegerField())


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="these notices"
    )
    url = serializers.CharField(
        required=False, help_text="every notice pointing to this page (one order's)"
    )


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField()
    unread = serializers.IntegerField()


class NotificationSettingsSerializer(serializers.Serializer):
    muted = serializers.ListField(
        child=serializers.CharField(), help_text="the kinds not to be notified of"
    )
    mutable = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="the kinds that may be muted"
    )


class NotificationFilter(filters.FilterSet):
    unread = filters.BooleanFilter(field_name="read_at", lookup_expr="isnull")
    kind = filters.ChoiceFilter(choices=NotificationKind.choices)

    class Meta:
        model = Notification
        fields = ["unread", "kind"]


class NewestFirst(CursorPagination):
    """The API's keyset pagination, newest notice first."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "-id"


class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    """The signed-in person's in-app notifications, newest first; ``groups`` gives the
    unread ones grouped by what they point to and their kind; ``read`` marks them read;
    ``settings`` reads and sets the kinds the person muted (muted notices are not written)."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    pagination_class = NewestFirst
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return Notification.objects.none()
        return Notification.objects.filter(recipient=self.request.user).order_by(
            "-created_at", "-id"
        )

    @extend_schema(responses=NotificationGroupSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def groups(self, request):
        groups = selectors.unread_groups(request.user)
        return Response(
            NotificationGroupSerializer(
                [
                    {
                        **g.__dict__,
                        "kinds": [{"kind": k, "count": n} for k, n in g.kinds],
                        "kind_label": g.kind_label,
                        "title": g.title,
                    }
                    for g in groups
                ],
                many=True,
            ).data
        )

    @extend_schema(request=MarkReadSerializer, responses=MarkedSerializer)
    @action(detail=False, methods=["post"], filterset_class=None)
    def read(self, request):
        body = MarkReadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        marked = services.notifications_mark_read(
            user=request.user,
            ids=body.validated_data.get("ids"),
            url=body.validated_data.get("url"),
        )
        return Response({"marked": marked, "unread": selectors.unread_count(request.user)})

    @extend_schema(request=NotificationSettingsSerializer, responses=NotificationSettingsSerializer)
    @action(
        detail=False,
        methods=["get", "put"],
        url_path="settings",
        filterset_class=None,
        pagination_class=None,
    )
    def preferences(self, request):
        if request.method == "PUT":
            body = NotificationSettingsSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            services.notification_mutes_set(user=request.user, kinds=body.validated_data["muted"])
        return Response(
            {
                "muted": sorted(selectors.muted_kinds(request.user)),
                "mutable": sorted(MUTABLE_KINDS),
            }
        )
