"""Calendar change listeners for tests, named by dotted path in
``KEFU_CALENDAR_CHANGE_LISTENERS``."""

calls: list[dict] = []


def record(**kwargs) -> None:
    calls.append(kwargs)


def broken(**kwargs) -> None:
    raise RuntimeError("boom")
