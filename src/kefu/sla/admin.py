"""Read-only Django admin views: policies are changed on kefu's own pages (and API), where
the services validate them."""

from django.contrib import admin

from kefu.calendars.admin import ReadOnlyAdmin
from kefu.sla.models import SlaMilestone, SlaPolicy


class MilestoneInline(admin.TabularInline):
    model = SlaMilestone
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SlaPolicy)
class SlaPolicyAdmin(ReadOnlyAdmin):
    list_display = ["order", "code", "name", "industry", "is_active"]
    list_filter = ["industry", "is_active"]
    inlines = [MilestoneInline]
