"""The data-scope rule, pure: one test per persona, no database."""

import pytest

from kefu.org.roles import DataScope
from kefu.org.scopes import NOBODY, Viewer, can_see, widest_scope

HOTLINE = "/1/2/3/"  # company 1 → front office 2 → hotline team 3
FRONT_OFFICE = "/1/2/"
REPAIRS = "/1/4/"
REPAIRS_TEAM = "/1/4/5/"
REPAIRS_TEAM_LOOKALIKE = "/1/44/"  # a prefix of digits must not leak: /1/4/ ≠ /1/44/

agent = Viewer(user_id=10, department_path=HOTLINE, scope=DataScope.SUBTREE)
shift_leader = Viewer(user_id=11, department_path=FRONT_OFFICE, scope=DataScope.SUBTREE)
handler = Viewer(user_id=12, department_path=REPAIRS_TEAM, scope=DataScope.SUBTREE)
head = Viewer(user_id=13, department_path=REPAIRS, scope=DataScope.SUBTREE)
gm = Viewer(user_id=14, department_path="/1/", scope=DataScope.ALL)
admin = Viewer(user_id=15, department_path=None, scope=DataScope.ALL)
own_only = Viewer(user_id=16, department_path=REPAIRS, scope=DataScope.OWN)
homeless = Viewer(user_id=17, department_path=None, scope=DataScope.SUBTREE)


@pytest.mark.parametrize(
    ("viewer", "department_path", "participants", "expected"),
    [
        pytest.param(agent, HOTLINE, [], True, id="agent-own-team"),
        pytest.param(agent, FRONT_OFFICE, [], False, id="agent-not-parent-department"),
        pytest.param(agent, REPAIRS_TEAM, [], False, id="agent-not-other-department"),
        pytest.param(agent, REPAIRS_TEAM, [10], True, id="agent-first-responder-elsewhere"),
        pytest.param(shift_leader, HOTLINE, [], True, id="shift-leader-team-below"),
        pytest.param(shift_leader, REPAIRS, [], False, id="shift-leader-not-repairs"),
        pytest.param(handler, REPAIRS_TEAM, [], True, id="handler-own-team"),
        pytest.param(handler, REPAIRS, [], False, id="handler-not-parent"),
        pytest.param(handler, HOTLINE, [12, 99], True, id="handler-participant"),
        pytest.param(head, REPAIRS_TEAM, [], True, id="head-subtree"),
        pytest.param(head, REPAIRS, [], True, id="head-own-department"),
        pytest.param(head, REPAIRS_TEAM_LOOKALIKE, [], False, id="head-not-prefix-lookalike"),
        pytest.param(head, HOTLINE, [], False, id="head-not-other-subtree"),
        pytest.param(gm, HOTLINE, [], True, id="gm-everything"),
        pytest.param(gm, None, [], True, id="gm-unowned-record"),
        pytest.param(admin, REPAIRS_TEAM, [], True, id="admin-everything"),
        pytest.param(own_only, REPAIRS, [], False, id="own-scope-not-department"),
        pytest.param(own_only, REPAIRS, [16], True, id="own-scope-participant"),
        pytest.param(homeless, REPAIRS, [], False, id="no-department-sees-no-department-records"),
        pytest.param(homeless, None, [17], True, id="no-department-sees-own-records"),
        pytest.param(agent, None, [], False, id="unowned-record-hidden-from-subtree"),
        pytest.param(NOBODY, HOTLINE, [], False, id="anonymous-sees-nothing"),
    ],
)
def test_can_see(viewer, department_path, participants, expected):
    assert (
        can_see(viewer, department_path=department_path, participant_ids=participants) is expected
    )


@pytest.mark.parametrize(
    ("scopes", "expected"),
    [
        pytest.param([], DataScope.OWN, id="no-roles"),
        pytest.param(["own"], DataScope.OWN, id="own"),
        pytest.param(["own", "subtree"], DataScope.SUBTREE, id="subtree-beats-own"),
        pytest.param(["subtree", "all", "own"], DataScope.ALL, id="all-beats-everything"),
    ],
)
def test_widest_scope(scopes, expected):
    assert widest_scope(scopes) == expected
