from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from kefu.followups.models import (
    DissatisfactionReason,
    FollowupSettings,
    PlannedVisit,
    PlanRule,
    Question,
    Questionnaire,
    ReturnVisit,
    ReturnVisitPlan,
    ReturnVisitPolicy,
    SpotCheck,
    VisitAttempt,
)


@admin.register(ReturnVisitPolicy)
class ReturnVisitPolicyAdmin(SimpleHistoryAdmin):
    list_display = ["category", "required", "due_amount", "due_unit", "assign_to", "questionnaire"]
    autocomplete_fields = []


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0


@admin.register(Questionnaire)
class QuestionnaireAdmin(SimpleHistoryAdmin):
    list_display = ["code", "title", "is_default", "is_active"]
    inlines = [QuestionInline]


@admin.register(PlanRule)
class PlanRuleAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "kind", "industry", "is_active"]


admin.site.register(FollowupSettings, SimpleHistoryAdmin)
admin.site.register(DissatisfactionReason)
admin.site.register(ReturnVisitPlan, SimpleHistoryAdmin)


class AttemptInline(admin.TabularInline):
    model = VisitAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["outcome", "channel", "note", "actor", "created_at"]


@admin.register(ReturnVisit)
class ReturnVisitAdmin(admin.ModelAdmin):
    """Read-only: results are recorded on the return-visit page, through the services."""

    list_display = ["ticket", "round", "kind", "status", "due_at", "assignee", "verdict"]
    list_filter = ["status", "kind", "verdict"]
    inlines = [AttemptInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(PlannedVisit)
class PlannedVisitAdmin(admin.ModelAdmin):
    list_display = ["title", "customer", "due_on", "assignee", "status"]
    list_filter = ["status", "rule"]

    def has_change_permission(self, request, obj=None):
        return False


admin.site.register(SpotCheck)
