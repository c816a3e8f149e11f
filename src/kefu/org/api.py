from django_filters import rest_framework as filters
from rest_framework import serializers, viewsets

from kefu.org import selectors
from kefu.org.models import Department, Role, User


class DepartmentSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Department
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "kind_display",
            "parent",
            "depth",
            "phone",
            "is_active",
        ]


class RoleSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Role
        fields = ["code", "name", "data_scope"]


class StaffSerializer(serializers.ModelSerializer):
    roles = RoleSerializer(many=True, read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True, default=None)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "full_name",
            "employee_no",
            "department",
            "department_name",
            "phone",
            "email",
            "roles",
            "is_active",
        ]


class DepartmentFilter(filters.FilterSet):
    class Meta:
        model = Department
        fields = ["kind", "parent", "is_active", "code"]


class StaffFilter(filters.FilterSet):
    role = filters.CharFilter(field_name="roles__code", label="role code")
    q = filters.CharFilter(method="filter_text", label="name, login, employee number or phone")

    class Meta:
        model = User
        fields = ["department", "is_active", "employee_no"]

    def filter_text(self, queryset, name, value):
        return queryset.filter(
            pk__in=selectors.staff_list(
                self.request.user, selectors.StaffFilter(q=value, active=None)
            ).values("pk")
        )


class DepartmentViewSet(viewsets.ReadOnlyModelViewSet):
    """Departments within the caller's data scope."""

    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilter
    ordering = "id"

    def get_queryset(self):
        return selectors.departments_visible(self.request.user).order_by("id")


class StaffViewSet(viewsets.ReadOnlyModelViewSet):
    """Staff within the caller's data scope (their department subtree, or everyone)."""

    serializer_class = StaffSerializer
    filterset_class = StaffFilter
    ordering = "id"

    def get_queryset(self):
        return (
            selectors.staff_visible(self.request.user)
            .select_related("department")
            .prefetch_related("roles")
            .order_by("id")
        )
