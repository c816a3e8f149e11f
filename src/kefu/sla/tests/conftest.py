import pytest


@pytest.fixture
def standard(db):
    """The built-in standard calendar (seeded by migration; re-ensured after a flush)."""
    from kefu.sla import services
    from kefu.sla.models import WorkCalendar

    services.calendars_ensure()
    return WorkCalendar.objects.get(code="standard")


@pytest.fixture
def recorded_hooks():
    """A registered recompute hook that records its calls."""
    from kefu.sla.hooks import register_recompute_hook, unregister_recompute_hook

    calls = []

    def hook(**kwargs):
        calls.append(kwargs)

    register_recompute_hook(hook)
    yield calls
    unregister_recompute_hook(hook)
