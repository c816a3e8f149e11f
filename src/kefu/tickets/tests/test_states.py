"""The transition table, checked against the lifecycle written out by hand."""

import pytest

from kefu.tickets.states import (
    Action,
    Status,
    allowed_actions,
    can_transition,
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
