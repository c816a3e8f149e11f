from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from kefu.complaints.models import (
    ApprovalStep,
    AuthorityLimit,
    ComplaintCase,
    ComplaintClass,
    ComplaintSettings,
    IdentityAccess,
)


@admin.register(ComplaintClass)
class ComplaintClassAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "industry", "sort_order", "is_active"]
    list_filter = ["industry", "is_active"]
    search_fields = ["name", "code"]


@admin.register(AuthorityLimit)
class AuthorityLimitAdmin(SimpleHistoryAdmin):
    list_display = ["label", "role", "max_amount"]


@admin.register(ApprovalStep)
class ApprovalStepAdmin(SimpleHistoryAdmin):
    list_display = ["order", "label", "role", "min_amount", "max_amount"]


@admin.register(ComplaintSettings)
class ComplaintSettingsAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "number_width", "number_overflow", "fine_min", "fine_max"]

    def has_add_permission(self, request):
        return not ComplaintSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ComplaintCase)
class ComplaintCaseAdmin(SimpleHistoryAdmin):
    """Read-only: case files change through the case page and the API (services).
    The reporter's identity is a separate sealed record and is not shown here."""

    list_display = ["register_no", "series", "ticket", "validity", "responsibility", "created_at"]
    list_filter = ["series", "validity", "responsibility", "severity"]
    search_fields = ["register_no", "ticket__number"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IdentityAccess)
class IdentityAccessAdmin(admin.ModelAdmin):
    list_display = ["at", "case", "user", "kind", "channel", "purpose"]
    list_filter = ["kind", "channel"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
