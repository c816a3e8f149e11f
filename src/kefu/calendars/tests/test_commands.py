"""The `kefu calendar` command."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kefu.calendars.models import CalendarYear

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_load_year_known_and_unknown(standard):
    CalendarYear.objects.filter(calendar=standard, year=2025).delete()
    assert "2025 年已载入" in run("calendar", "load-year", "2025")
    assert CalendarYear.objects.filter(calendar=standard, year=2025).exists()
    with pytest.raises(CommandError, match=r"2099.*工作日历"):
        run("calendar", "load-year", "2099")
    with pytest.raises(CommandError, match="nope"):
        run("calendar", "load-year", "2025", "--calendar", "nope")


def test_show_year(standard):
    output = run("calendar", "show", "2026")
    assert "已载入" in output
    assert "2026-10-01  节假日" in output and "国庆节" in output
    assert "2026-10-10  调休上班日" in output
    assert len(run("calendar", "show", "2026", "--all-days").splitlines()) == 366
