import pytest


@pytest.fixture
def standard(db):
    """The built-in standard calendar (seeded by migration; re-ensured after a flush)."""
    from kefu.calendars import services
    from kefu.calendars.models import WorkCalendar

    services.calendars_ensure()
    return WorkCalendar.objects.get(code="standard")


@pytest.fixture
def recorded_hooks(settings):
    """A calendar change listener, listed after the others, that records its calls."""
    from kefu.calendars.tests import listeners

    listeners.calls.clear()
    settings.KEFU_CALENDAR_CHANGE_LISTENERS = [
        *settings.KEFU_CALENDAR_CHANGE_LISTENERS,
        "kefu.calendars.tests.listeners.record",
    ]
    yield listeners.calls
    listeners.calls.clear()
