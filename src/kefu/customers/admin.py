from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from kefu.customers.models import CustomerPolicyConfig, ImportJob, PiiAccess, Tag


@admin.register(CustomerPolicyConfig)
class CustomerPolicyConfigAdmin(SimpleHistoryAdmin):
    """The customer-archive policy: start from a preset (``kefu customer_policy --preset``)
    and adjust the values here."""

    list_display = ["preset", "first_contact_days", "entry_working_days", "temporary_grade_months"]

    def has_add_permission(self, request):
        return not CustomerPolicyConfig.objects.exists()


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(PiiAccess)
class PiiAccessAdmin(admin.ModelAdmin):
    """The personal-data access log is evidence: read-only."""

    list_display = ["at", "user", "customer", "field", "reason", "is_export", "record_count"]
    list_filter = ["field", "is_export"]
    search_fields = ["reason", "user__username", "customer__name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "created_by",
        "original_name",
        "status",
        "created_count",
        "error_count",
    ]
    readonly_fields = [f.name for f in ImportJob._meta.fields]

    def has_add_permission(self, request):
        return False
