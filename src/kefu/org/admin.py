from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from kefu.org.models import Department, Role, User


@admin.register(Department)
class DepartmentAdmin(SimpleHistoryAdmin):
    list_display = ["name", "code", "kind", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code"]
    readonly_fields = ["path", "depth"]

    def has_add_permission(self, request):
        # Departments carry a materialised path that only org.services keeps right.
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Role)
class RoleAdmin(SimpleHistoryAdmin):
    list_display = ["code", "data_scope"]


@admin.register(User)
class StaffAdmin(UserAdmin, SimpleHistoryAdmin):
    list_display = ["username", "full_name", "employee_no", "department", "is_active"]
    search_fields = ["username", "full_name", "employee_no", "phone"]
    list_filter = ["is_active", "roles", "department"]
    fieldsets = [
        *UserAdmin.fieldsets,
        (
            "kefu",
            {"fields": ["full_name", "employee_no", "department", "phone", "roles", "language"]},
        ),
    ]
