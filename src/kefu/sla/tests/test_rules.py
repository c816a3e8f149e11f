"""Pure SLA rules: warning thresholds, lists of codes."""

import pytest

from kefu.sla import rules


@pytest.mark.parametrize(
    ("values", "expected"),
    [([50, 80], (50, 80)), (["30%", " 60 ", "90"], (30, 60, 90)), ([], ())],
)
def test_thresholds(values, expected):
    assert rules.parse_thresholds(values) == expected


@pytest.mark.parametrize("values", [[80, 50], [0], [100], ["x"], [50, 50]])
def test_bad_thresholds(values):
    with pytest.raises(ValueError, match=r"百分比|阈值"):
        rules.parse_thresholds(values)


def test_split_codes():
    assert rules.split_codes("complaint, repair，complaint  tip_off") == [
        "complaint",
        "repair",
        "tip_off",
    ]
    assert rules.split_codes(["a", " ", "b"]) == ["a", "b"]
