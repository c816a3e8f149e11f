import pytest
from conftest import make_department, make_staff
from django.core.exceptions import ValidationError

from kefu.org import services
from kefu.org.models import Department, DepartmentKind, User
from kefu.org.roles import RoleCode

pytestmark = pytest.mark.django_db


def test_department_path_follows_the_tree(org):
    assert org.company.path == f"/{org.company.pk}/"
    assert org.hotline.path == f"/{org.company.pk}/{org.front_office.pk}/{org.hotline.pk}/"
    assert org.hotline.depth == 2
    assert [d.name for d in org.hotline.ancestors()] == ["示范公司", "客户服务中心"]


def test_moving_a_department_moves_its_subtree(org):
    services.department_update(department=org.repairs, parent=org.front_office)
    team = Department.objects.get(pk=org.repairs_team.pk)
    assert team.path == f"{org.front_office.path}{org.repairs.pk}/{team.pk}/"
    assert team.depth == 3
    # the shift leader (front office) now sees the repairs subtree and its staff
    from kefu.org.selectors import staff_visible

    shift_leader = User.objects.get(pk=org.shift_leader.pk)
    assert org.handler in set(staff_visible(shift_leader))


def test_a_department_cannot_move_under_itself(org):
    with pytest.raises(ValidationError) as excinfo:
        services.department_update(department=org.repairs, parent=org.repairs_team)
    assert "parent" in excinfo.value.message_dict
    assert Department.objects.get(pk=org.repairs.pk).parent == org.company


def test_department_code_and_sibling_name_are_unique(org):
    with pytest.raises(ValidationError) as excinfo:
        make_department("另一个", "rep", DepartmentKind.TEAM, org.company)
    assert "code" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        make_department("维修部", "rep2", DepartmentKind.TEAM, org.company)
    assert "__all__" in excinfo.value.message_dict
    assert Department.objects.filter(parent=org.company, name="维修部").count() == 1


def test_deactivating_a_department_with_active_staff_is_refused(org):
    with pytest.raises(ValidationError, match="仍有在用员工"):
        services.department_set_active(department=org.repairs_team, active=False)
    with pytest.raises(ValidationError, match="在用的下级部门"):
        services.department_set_active(department=org.repairs, active=False)
    assert Department.objects.get(pk=org.repairs_team.pk).is_active


def test_deactivating_an_empty_department(org):
    empty = make_department("临时组", "tmp", DepartmentKind.TEAM, org.repairs)
    services.department_set_active(department=empty, active=False)
    assert not Department.objects.get(pk=empty.pk).is_active
    with pytest.raises(ValidationError):
        make_staff("late", Department.objects.get(pk=empty.pk), [RoleCode.HANDLER])


@pytest.mark.parametrize(
    ("field", "value"),
    [
        pytest.param("phone", "12345", id="bad-phone"),
        pytest.param("employee_no", "KF001", id="duplicate-employee-no"),
        pytest.param("employee_no", "工号一", id="employee-no-characters"),
        pytest.param("username", "agent", id="duplicate-username"),
    ],
)
def test_staff_bad_input_names_the_field_and_saves_nothing(org, field, value):
    before = User.objects.count()
    data = {"username": "newbie", "phone": "", "employee_no": "NB001", field: value}
    with pytest.raises(ValidationError) as excinfo:
        make_staff(data.pop("username"), org.hotline, [RoleCode.AGENT], **data)
    assert field in excinfo.value.message_dict
    assert User.objects.count() == before


def test_unknown_role_is_refused(org):
    with pytest.raises(ValidationError) as excinfo:
        services.roles_by_code(["agent", "janitor"])
    assert "janitor" in str(excinfo.value.message_dict["roles"])


def test_weak_password_is_refused(org):
    with pytest.raises(ValidationError) as excinfo:
        make_staff("weak", org.hotline, [RoleCode.AGENT], password="12345678")
    assert "password" in excinfo.value.message_dict
    assert not User.objects.filter(username="weak").exists()


def test_password_is_hashed_with_argon2(org):
    user = services.staff_set_password(user=org.agent, password="Rexi-2026-hotline")
    assert user.password.startswith("argon2")
    assert user.check_password("Rexi-2026-hotline")


def test_nobody_deactivates_themselves(org):
    with pytest.raises(ValidationError):
        services.staff_set_active(user=org.admin, active=False, actor=org.admin)
    assert User.objects.get(pk=org.admin.pk).is_active


def test_deactivation_revokes_the_api_token(org):
    services.token_regenerate(user=org.handler)
    services.staff_set_active(user=org.handler, active=False, actor=org.admin)
    from knox.models import AuthToken

    assert not AuthToken.objects.filter(user=org.handler).exists()


def test_history_records_old_and_new_values(org):
    from kefu.org.selectors import history_entries

    services.staff_update(user=org.agent, phone="13800138000", department=org.front_office)
    services.staff_update(user=org.agent, roles=services.roles_by_code([RoleCode.SHIFT_LEADER]))
    entries = history_entries(User.objects.get(pk=org.agent.pk))
    assert entries[0]["changes"] and entries[0]["changes"][0]["new"] == "值班长"
    changed = {str(c["field"]): (c["old"], c["new"]) for c in entries[1]["changes"]}
    assert changed["电话"] == ("—", "13800138000")
    assert changed["部门"] == ("热线班", "客户服务中心")
    assert entries[-1]["type_code"] == "+"


def test_department_history_is_kept(org):
    from kefu.org.selectors import history_entries

    services.department_update(department=org.quality, name="品质管理部")
    entries = history_entries(Department.objects.get(pk=org.quality.pk))
    assert entries[0]["changes"] == [{"field": "名称", "old": "品质部", "new": "品质管理部"}]
