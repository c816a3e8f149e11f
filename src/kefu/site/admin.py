from django.contrib import admin

from kefu.site.models import PresetApplication


@admin.register(PresetApplication)
class PresetApplicationAdmin(admin.ModelAdmin):
    """The record of industry switches; applied from the 行业预置 page or ``kefu preset``."""

    list_display = ["applied_at", "industry", "company", "applied_by"]
    list_filter = ["industry"]
    readonly_fields = ["industry", "company", "applied_by", "applied_at", "changes"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
