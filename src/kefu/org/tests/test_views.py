"""The organisation pages, per persona: what each sees, may change, and may not."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from kefu.org.models import Department, User

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese_by_default_even_for_english_browsers(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    page = response.content.decode()
    assert response.status_code == 200
    assert "登录" in page and "密码" in page
    assert response["Content-Language"] == "zh-hans"


def test_pages_require_login(client, org):
    for url in ["/", "/org/staff/", "/org/departments/", f"/org/staff/{org.agent.pk}/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_agent_workspace_shows_name_role_and_department(client_as, org):
    page = client_as(org.agent).get("/").content.decode()
    assert "我的工作台" in page
    assert "李坐席" in page and "KF001" in page
    assert "坐席" in page and "热线班" in page


@pytest.mark.parametrize(
    ("persona", "sees", "hidden"),
    [
        pytest.param("agent", {"agent"}, {"handler", "head", "gm"}, id="agent"),
        pytest.param("shift_leader", {"agent", "shiftlead"}, {"handler"}, id="shift-leader"),
        pytest.param("handler", {"handler"}, {"head", "agent"}, id="handler"),
        pytest.param("head", {"head", "handler"}, {"agent", "inspector"}, id="head"),
        pytest.param("inspector", {"inspector"}, {"agent", "handler"}, id="inspector"),
        pytest.param("cm_supervisor", {"cmsup", "cm"}, {"agent"}, id="cm-supervisor"),
        pytest.param("account_manager", {"cm"}, {"cmsup"}, id="account-manager"),
        pytest.param("gm", {"agent", "handler", "head", "gm", "admin"}, set(), id="gm"),
        pytest.param("admin", {"agent", "handler", "head", "gm", "admin"}, set(), id="admin"),
    ],
)
def test_staff_list_is_scoped(client_as, org, persona, sees, hidden):
    response = client_as(getattr(org, persona)).get("/org/staff/")
    listed = {u.username for u in response.context["page"].object_list}
    assert sees <= listed
    assert not (hidden & listed)


@pytest.mark.parametrize(
    ("persona", "target", "status"),
    [
        pytest.param("agent", "handler", 404, id="agent-cannot-open-handler"),
        pytest.param("handler", "agent", 404, id="handler-cannot-open-agent"),
        pytest.param("head", "handler", 200, id="head-opens-own-handler"),
        pytest.param("head", "agent", 404, id="head-cannot-open-other-department"),
        pytest.param("gm", "handler", 200, id="gm-opens-anyone"),
        pytest.param("agent", "agent", 200, id="agent-opens-self"),
    ],
)
def test_staff_detail_outside_scope_is_404(client_as, org, persona, target, status):
    response = client_as(getattr(org, persona)).get(f"/org/staff/{getattr(org, target).pk}/")
    assert response.status_code == status
    if status == 404:
        assert getattr(org, target).full_name not in response.content.decode()


def test_department_detail_outside_scope_is_404(client_as, org):
    assert client_as(org.agent).get(f"/org/departments/{org.repairs.pk}/").status_code == 404
    assert client_as(org.head).get(f"/org/departments/{org.repairs_team.pk}/").status_code == 200


def test_staff_export_contains_only_the_scope(client_as, org):
    response = client_as(org.head).get("/org/staff/?export=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("工号", "姓名", "登录名")
    assert {row[2] for row in rows[1:]} == {"head", "handler"}


def test_department_export(client_as, org):
    response = client_as(org.gm).get("/org/departments/?export=xlsx")
    sheet = load_workbook(BytesIO(response.content)).active
    codes = {row[0] for row in list(sheet.iter_rows(values_only=True))[1:]}
    assert codes == set(Department.objects.values_list("code", flat=True))


def test_staff_search_as_you_type_returns_the_fragment(client_as, org):
    response = client_as(org.admin).get("/org/staff/?q=WX00", HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert "<html" not in page
    assert 'data-testid="staff-table"' in page
    assert "WX001" in page and "WX002" in page
    assert "KF001" not in page and "HQ001" not in page


def test_admin_creates_a_department(client_as, org):
    response = client_as(org.admin).post(
        "/org/departments/new/",
        {
            "name": "热力维修班",
            "code": "rep-heat",
            "kind": "team",
            "parent": org.repairs.pk,
            "sort_order": 3,
        },
    )
    created = Department.objects.get(code="rep-heat")
    assert response.status_code == 302
    assert created.parent == org.repairs
    assert created.path.startswith(org.repairs.path)


def test_department_bad_input_names_the_field_in_chinese(client_as, org):
    before = Department.objects.count()
    response = client_as(org.admin).post(
        "/org/departments/new/", {"name": "", "code": "rep", "kind": "team", "sort_order": 0}
    )
    form = response.context["form"]
    assert response.status_code == 200
    assert "该字段是必填项。" in form.errors["name"]
    assert "code" in form.errors
    assert Department.objects.count() == before


@pytest.mark.parametrize("persona", ["agent", "handler", "head", "gm", "inspector"])
def test_non_admins_cannot_change_the_organisation(client_as, org, persona):
    client = client_as(getattr(org, persona))
    before = (Department.objects.count(), User.objects.count())
    responses = [
        client.post(
            "/org/departments/new/", {"name": "X", "code": "x", "kind": "team", "sort_order": 0}
        ),
        client.post(
            f"/org/departments/{org.company.pk}/edit/",
            {"name": "X", "code": "co", "kind": "company", "sort_order": 0},
        ),
        client.post(
            "/org/staff/new/",
            {
                "username": "x",
                "full_name": "X",
                "language": "zh-hans",
                "password1": "Abcdef-2026x",
                "password2": "Abcdef-2026x",
            },
        ),
        client.post(f"/org/staff/{getattr(org, persona).pk}/active/", {"active": "0"}),
    ]
    assert [r.status_code for r in responses] == [403, 403, 403, 403]
    assert (Department.objects.count(), User.objects.count()) == before
    assert Department.objects.get(pk=org.company.pk).name == "示范公司"
    assert User.objects.get(pk=getattr(org, persona).pk).is_active


def test_admin_creates_edits_and_deactivates_staff(client_as, org):
    client = client_as(org.admin)
    agent_role = org.agent.roles.get()
    response = client.post(
        "/org/staff/new/",
        {
            "username": "newagent",
            "full_name": "王新",
            "employee_no": "KF009",
            "department": org.hotline.pk,
            "phone": "13912345678",
            "email": "",
            "language": "zh-hans",
            "roles": [agent_role.pk],
            "password1": "Hotline-2026-new",
            "password2": "Hotline-2026-new",
        },
    )
    person = User.objects.get(username="newagent")
    assert response.status_code == 302
    assert person.check_password("Hotline-2026-new")
    assert list(person.roles.values_list("code", flat=True)) == ["agent"]

    response = client.post(
        f"/org/staff/{person.pk}/edit/",
        {
            "username": "newagent",
            "full_name": "王新",
            "employee_no": "KF009",
            "department": org.front_office.pk,
            "phone": "13912345678",
            "email": "",
            "language": "zh-hans",
            "roles": [agent_role.pk],
        },
    )
    assert response.status_code == 302
    assert User.objects.get(pk=person.pk).department == org.front_office

    client.post(f"/org/staff/{person.pk}/active/", {"active": "0"})
    assert not User.objects.get(pk=person.pk).is_active
    page = client.get(f"/org/staff/{person.pk}/").content.decode()
    assert "已停用" in page
    assert "客户服务中心" in page and "热线班" in page  # the history shows old → new department


def test_staff_bad_phone_is_refused_in_chinese(client_as, org):
    response = client_as(org.admin).post(
        "/org/staff/new/",
        {
            "username": "bad",
            "full_name": "坏号码",
            "phone": "123",
            "language": "zh-hans",
            "password1": "Hotline-2026-new",
            "password2": "Hotline-2026-new",
        },
    )
    assert "请输入大陆手机号" in response.context["form"].errors["phone"][0]
    assert not User.objects.filter(username="bad").exists()


def test_staff_password_mismatch_and_weak_password(client_as, org):
    client = client_as(org.admin)
    base = {"username": "weak", "full_name": "弱密码", "language": "zh-hans"}
    response = client.post(
        "/org/staff/new/", {**base, "password1": "Hotline-2026-a", "password2": "Hotline-2026-b"}
    )
    assert response.context["form"].errors["password2"] == ["两次输入的密码不一致。"]
    response = client.post(
        "/org/staff/new/", {**base, "password1": "12345678", "password2": "12345678"}
    )
    assert response.context["form"].errors["password1"]
    assert not User.objects.filter(username="weak").exists()


def test_admin_cannot_deactivate_themselves(client_as, org):
    client = client_as(org.admin)
    client.post(f"/org/staff/{org.admin.pk}/active/", {"active": "0"})
    assert User.objects.get(pk=org.admin.pk).is_active


def test_language_switch_is_remembered_per_user(client_as, org):
    client = client_as(org.agent)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert User.objects.get(pk=org.agent.pk).language == "en"
    assert "My workspace" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "我的工作台" in client.get("/").content.decode()


def test_language_switch_refuses_unknown_language_and_foreign_redirect(client_as, org):
    client = client_as(org.agent)
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert User.objects.get(pk=org.agent.pk).language == "zh-hans"


def test_role_scope_is_edited_by_admins_only(client_as, org):
    from kefu.org.models import Role

    role = Role.objects.get(code="quality_inspector")
    assert (
        client_as(org.gm).post(f"/org/roles/{role.pk}/", {"data_scope": "all"}).status_code == 403
    )
    assert Role.objects.get(pk=role.pk).data_scope == "subtree"
    client_as(org.admin).post(f"/org/roles/{role.pk}/", {"data_scope": "all"})
    assert Role.objects.get(pk=role.pk).data_scope == "all"


def test_own_token_is_managed_on_own_page_only(client_as, org):
    from knox.models import AuthToken

    client = client_as(org.agent)
    client.post(f"/org/staff/{org.agent.pk}/tokens/new/")
    token_key = AuthToken.objects.get(user=org.agent).token_key
    # another user (even one who can see the agent) cannot create or revoke it
    shift_leader = client_as(org.shift_leader)
    revoke = f"/org/staff/{org.agent.pk}/tokens/{token_key}/revoke/"
    assert shift_leader.post(revoke).status_code == 403
    assert AuthToken.objects.filter(user=org.agent).count() == 1
    client_as(org.agent).post(revoke)
    assert not AuthToken.objects.filter(user=org.agent).exists()


def test_staff_list_query_count_does_not_grow_with_rows(
    client_as, org, django_assert_max_num_queries
):
    from conftest import make_staff

    client = client_as(org.admin)
    client.get("/org/staff/")  # warm the session
    with django_assert_max_num_queries(15) as few:
        client.get("/org/staff/")
    for n in range(30):
        make_staff(f"extra{n}", org.hotline, ["agent"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/org/staff/")
