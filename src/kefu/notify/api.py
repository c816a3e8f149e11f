"""REST API of kefu.notify: ``GET /api/v1/messages/`` — the outbound message log (SMS and
email to customers) with each message's delivery state, read-only, for administrators."""

from __future__ import annotations

from django_filters import rest_framework as filters
from rest_framework import permissions, serializers, viewsets

from kefu.notify import selectors
from kefu.notify.models import MessageChannel, MessageStatus, OutboundMessage
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
