"""The checks every module's permissions build on: administrator, works in, answers for
(pure: stand-in users)."""

from types import SimpleNamespace

import pytest

from kefu.org.permissions import in_department, is_admin, over_department
from kefu.org.roles import RoleCode


def person(*roles, superuser=False, path=None):
    return SimpleNamespace(
        is_superuser=superuser,
        has_role=lambda *codes: bool(set(roles) & set(codes)),
        department_id=1 if path else None,
        department=SimpleNamespace(path=path) if path else None,
    )


@pytest.mark.parametrize(
    ("user", "admin"),
    [
        pytest.param(person(superuser=True), True, id="superuser"),
        pytest.param(person(RoleCode.ADMINISTRATOR), True, id="administrator role"),
        pytest.param(person(RoleCode.GENERAL_MANAGER), False, id="general manager"),
        pytest.param(person(RoleCode.CONFIDENTIAL_HANDLER), False, id="confidential handler"),
        pytest.param(person(), False, id="no role"),
    ],
)
def test_is_admin(user, admin):
    assert is_admin(user) is admin


CENTRE = SimpleNamespace(path="/1/")
TEAM = SimpleNamespace(path="/1/4/")
OTHER = SimpleNamespace(path="/2/")


@pytest.mark.parametrize(
    ("user_path", "department", "works_in", "answers_for"),
    [
        pytest.param("/1/", CENTRE, True, True, id="own department"),
        pytest.param("/1/4/", CENTRE, True, False, id="team member, the centre above"),
        pytest.param("/1/", TEAM, False, True, id="centre member, a team below"),
        pytest.param("/1/", OTHER, False, False, id="another branch"),
        pytest.param(None, CENTRE, False, False, id="no department"),
        pytest.param("/1/", None, False, False, id="no department on the record"),
    ],
)
def test_in_and_over_department(user_path, department, works_in, answers_for):
    user = person(path=user_path)
    assert in_department(user, department) is works_in
    assert over_department(user, department) is answers_for
