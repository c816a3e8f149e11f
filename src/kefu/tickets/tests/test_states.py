"""The transition table, checked against the lifecycle written out by hand."""

import pytest

from kefu.tickets.states import (
    MOVES,
    Action,
    Need,
    Status,
    allowed_actions,
    can_transition,
    missing,
    target_of,
)

S, A = Status, Action
OPEN = [
    S.RECEIVED,
    S.DISPATCHED,
    S.SIGNED,
    S.IN_PROGRESS,
    S.RETURNED,
    S.SUSPENDED,
    S.REOPENED,
    S.ARBITRATION,
]
EXPECTED = {
    A.SETTLE: ({S.RECEIVED}, S.RESOLVED),
    A.DISPATCH: ({S.RECEIVED, S.RETURNED, S.REOPENED}, S.DISPATCHED),
    A.SIGN: ({S.DISPATCHED}, S.SIGNED),
    A.RETURN: ({S.DISPATCHED, S.SIGNED}, S.RETURNED),
    A.RULE: ({S.ARBITRATION}, S.DISPATCHED),
    A.TRANSFER: ({S.SIGNED, S.IN_PROGRESS}, S.DISPATCHED),
    A.START: ({S.SIGNED, S.REOPENED}, S.IN_PROGRESS),
    A.RESOLVE: ({S.SIGNED, S.IN_PROGRESS}, S.RESOLVED),
    A.SUSPEND: ({S.SIGNED, S.IN_PROGRESS}, S.SUSPENDED),
    A.RESUME: ({S.SUSPENDED}, S.IN_PROGRESS),
    A.REQUEST_VISIT: ({S.RESOLVED}, S.AWAITING_VISIT),
    A.CLOSE: ({S.RESOLVED, S.AWAITING_VISIT}, S.CLOSED),
    A.REOPEN: ({S.RESOLVED, S.AWAITING_VISIT, S.CLOSED}, S.REOPENED),
    A.CANCEL: (set(OPEN), S.CANCELLED),
}


@pytest.mark.parametrize("status", list(S), ids=lambda s: s.value)
@pytest.mark.parametrize("action", list(A), ids=lambda a: a.value)
def test_every_pair_of_status_and_action(status, action):
    sources, target = EXPECTED[action]
    assert can_transition(status, action) is (status in sources)
    if status in sources:
        assert target_of(status, action) == target
    else:
        with pytest.raises(ValueError, match="not allowed"):
            target_of(status, action)


def test_second_return_goes_to_arbitration():
    assert target_of(S.DISPATCHED, A.RETURN, return_count=0) == S.RETURNED
    assert target_of(S.DISPATCHED, A.RETURN, return_count=1) == S.ARBITRATION


def test_final_statuses_allow_nothing_but_reopening_a_closed_order():
    assert allowed_actions(S.CANCELLED) == []
    assert allowed_actions(S.CLOSED) == [A.REOPEN]


def test_chinese_labels():
    assert S.RECEIVED.label == "已受理"
    assert S.ARBITRATION.label == "待裁决"
    assert A.SIGN.label == "签收"


# What each move is refused without, and what else it takes, written out by hand.
NEEDS = {
    A.SETTLE: ({"resolution"}, set()),
    A.DISPATCH: (set(), {"department", "owner"}),
    A.SIGN: (set(), {"owner"}),
    A.RETURN: ({"reason"}, set()),
    A.RULE: ({"reason"}, {"department", "owner"}),
    A.TRANSFER: ({"reason", "department"}, {"owner"}),
    A.START: (set(), {"owner"}),
    A.RESOLVE: ({"resolution"}, set()),
    A.SUSPEND: ({"reason"}, set()),
    A.RESUME: (set(), set()),
    A.REQUEST_VISIT: (set(), set()),
    A.CLOSE: (set(), set()),
    A.REOPEN: ({"reason"}, set()),
    A.CANCEL: ({"reason"}, set()),
}


@pytest.mark.parametrize("action", list(A), ids=lambda a: a.value)
def test_what_each_move_needs(action):
    required, optional = NEEDS[action]
    move = MOVES[action]
    assert move.required == required
    assert set(move.needs) - move.required == optional


@pytest.mark.parametrize(
    ("action", "given", "expected"),
    [
        pytest.param(
            A.TRANSFER,
            {},
            {"reason": "请填写原因。", "department": "请选择要转派到的部门。"},
            id="transfer-nothing",
        ),
        pytest.param(
            A.TRANSFER,
            {Need.REASON: " ", Need.DEPARTMENT: object()},
            {"reason": "请填写原因。"},
            id="transfer-blank-reason",
        ),
        pytest.param(
            A.SETTLE, {Need.RESOLUTION: ""}, {"resolution": "请填写办理结果。"}, id="settle"
        ),
        pytest.param(
            A.RESOLVE, {Need.RESOLUTION: None}, {"resolution": "请填写处理结果。"}, id="resolve"
        ),
        pytest.param(A.CLOSE, {}, {}, id="close-needs-nothing"),
        pytest.param(A.CANCEL, {Need.REASON: "重复"}, {}, id="cancel-with-reason"),
    ],
)
def test_missing_names_each_field_left_out(action, given, expected):
    assert {field: str(message) for field, message in missing(action, given).items()} == expected
