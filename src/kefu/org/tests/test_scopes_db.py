"""The data-scope rule as a query, checked against the pure rule for every persona."""

import pytest

from kefu.org.models import Department, User
from kefu.org.roles import DataScope
from kefu.org.scopes import can_see, scope_queryset, viewer_for


@pytest.mark.django_db
@pytest.mark.parametrize(
    "persona",
    [
        "agent",
        "shift_leader",
        "handler",
        "head",
        "inspector",
        "account_manager",
        "cm_supervisor",
        "gm",
        "admin",
    ],
)
def test_queryset_agrees_with_pure_rule(org, persona):
    user = getattr(org, persona)
    viewer = viewer_for(user)
    everyone = User.objects.select_related("department")
    visible = set(
        scope_queryset(everyone, user, department_field="department", participant_fields=("pk",))
    )
    expected = {
        other
        for other in everyone
        if can_see(
            viewer,
            department_path=other.department.path if other.department else None,
            participant_ids=[other.pk],
        )
    }
    assert visible == expected
    assert user in visible


@pytest.mark.django_db
def test_department_subtrees_per_persona(org):
    def visible(user):
        return set(
            scope_queryset(Department.objects.all(), user, department_field="").values_list(
                "code", flat=True
            )
        )

    assert visible(org.agent) == {"fo-hot"}
    assert visible(org.shift_leader) == {"fo", "fo-hot"}
    assert visible(org.handler) == {"rep-sd"}
    assert visible(org.head) == {"rep", "rep-sd"}
    assert visible(org.inspector) == {"qa"}
    assert visible(org.cm_supervisor) == {"mkt", "mkt-cm"}
    everything = set(Department.objects.values_list("code", flat=True))
    assert visible(org.gm) == everything
    assert visible(org.admin) == everything


@pytest.mark.django_db
def test_role_scope_is_configurable(org):
    from kefu.org.models import Role

    Role.objects.filter(code="department_head").update(data_scope=DataScope.OWN)
    head = User.objects.get(pk=org.head.pk)
    staff = scope_queryset(
        User.objects.all(), head, department_field="department", participant_fields=("pk",)
    )
    assert list(staff) == [head]


@pytest.mark.django_db
def test_inactive_and_anonymous_users_see_nothing(org):
    from django.contrib.auth.models import AnonymousUser

    from kefu.org import services

    services.staff_set_active(user=org.handler, active=False, actor=org.admin)
    handler = User.objects.get(pk=org.handler.pk)
    assert not scope_queryset(User.objects.all(), handler, participant_fields=("pk",)).exists()
    assert not scope_queryset(User.objects.all(), AnonymousUser()).exists()
