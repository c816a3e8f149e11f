from kefu.calendars.tests.conftest import standard  # noqa: F401
