"""Calendar and policy pages together per persona (everyone reads, administrators change)
and the policy pages; the calendar pages alone are tested in kefu.calendars."""

from datetime import date

import pytest

from kefu.calendars.models import CalendarDay, CalendarYear, WorkCalendar
from kefu.sla import services
from kefu.sla.models import SlaMilestone, SlaPolicy

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        list(WorkCalendar.objects.order_by("id").values()),
        list(CalendarDay.objects.order_by("id").values()),
        list(CalendarYear.objects.order_by("id").values()),
        list(SlaPolicy.objects.order_by("id").values()),
        list(SlaMilestone.objects.order_by("id").values()),
    )


@pytest.mark.parametrize("persona", ["agent", "head", "gm", "admin"])
def test_everyone_reads_calendars_and_policies(client_as, org, standard, persona):
    services.sla_preset_load(industry="property")
    client = client_as(getattr(org, persona))
    page = client.get("/sla/calendars/").content.decode()
    assert "标准工作日历" in page and "全天候" in page
    year = client.get("/sla/calendars/standard/2026/")
    assert year.status_code == 200
    body = year.content.decode()
    assert 'data-date="2026-10-01" data-kind="holiday"' in body
    assert 'data-date="2026-10-10" data-kind="makeup_workday"' in body
    assert 'data-date="2026-10-03" data-kind="holiday"' in body  # Saturday of 国庆节
    assert 'data-date="2026-05-06" data-kind="workday"' in body
    assert 'data-date="2026-05-09" data-kind="makeup_workday"' in body
    policies = client.get("/sla/policies/").content.decode()
    assert "报修·跑冒滴漏" in policies
    policy = SlaPolicy.objects.get(code="property-repair")
    assert client.get(f"/sla/policies/{policy.pk}/").status_code == 200
    can_manage = persona == "admin"
    assert ("add-day-form" in body) is can_manage
    assert ("preset-form" in policies) is can_manage


def test_nav_entry_for_administrators_only(client_as, org, standard):
    assert "工作日历/时限策略" in client_as(org.admin).get("/sla/calendars/").content.decode()
    assert "工作日历/时限策略" not in client_as(org.agent).get("/sla/calendars/").content.decode()


@pytest.mark.parametrize("persona", ["agent", "head", "gm", "inspector"])
def test_non_administrators_cannot_change_anything(client_as, org, standard, persona):
    services.sla_preset_load(industry="property")
    policy = SlaPolicy.objects.get(code="property-repair")
    milestone = policy.milestones.first()
    day = CalendarDay.objects.get(calendar=standard, date=date(2026, 10, 1))
    client = client_as(getattr(org, persona))
    before = snapshot()
    attempts = [
        (
            "post",
            "/sla/calendars/standard/2026/days/",
            {"date": "2026-05-07", "kind": "holiday", "name": "x"},
        ),
        ("post", f"/sla/calendars/standard/days/{day.pk}/remove/", {}),
        ("post", "/sla/calendars/standard/2027/load/", {"source": "manual"}),
        ("get", "/sla/calendars/standard/edit/", {}),
        ("post", "/sla/calendars/standard/edit/", {"name": "x", "monday": "09:00-10:00"}),
        ("get", "/sla/calendars/new/", {}),
        ("post", "/sla/policies/presets/", {"industry": "heating"}),
        ("get", "/sla/policies/new/", {}),
        ("post", f"/sla/policies/{policy.pk}/edit/", {"name": "x", "order": 1}),
        ("post", f"/sla/policies/{policy.pk}/milestones/new/", {"kind": "reply"}),
        ("post", f"/sla/milestones/{milestone.pk}/edit/", {"amount": 1}),
        ("post", f"/sla/milestones/{milestone.pk}/delete/", {}),
    ]
    for method, url, data in attempts:
        assert getattr(client, method)(url, data).status_code == 403, url
    assert snapshot() == before


def test_admin_creates_a_calendar_and_policy_through_pages(client_as, org, standard):
    client = client_as(org.admin)
    response = client.post(
        "/sla/calendars/new/",
        {
            "code": "north",
            "name": "北区",
            "timezone": "Asia/Shanghai",
            "monday": "09:00-17:00",
            "makeup_weekday": "0",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert WorkCalendar.objects.get(code="north").loaded_years.count() > 20
    response = client.post(
        "/sla/policies/new/",
        {
            "code": "vip",
            "name": "VIP",
            "order": "5",
            "is_active": "on",
            "ticket_types": ["complaint", "tip_off"],
        },
    )
    policy = SlaPolicy.objects.get(code="vip")
    assert response["Location"] == f"/sla/policies/{policy.pk}/"
    assert policy.ticket_types == ["complaint", "tip_off"]
    response = client.post(
        f"/sla/policies/{policy.pk}/milestones/new/",
        {
            "kind": "reply",
            "amount": "2",
            "unit": "working_hours",
            "calendar": standard.pk,
            "starts_at": "acceptance",
            "warning_thresholds": "60, 90",
        },
    )
    assert response.status_code == 302
    milestone = policy.milestones.get()
    assert (milestone.position, milestone.warning_thresholds) == (1, [60, 90])
    bad = client.post(
        f"/sla/policies/{policy.pk}/milestones/new/",
        {
            "kind": "reply",
            "amount": "2",
            "unit": "working_hours",
            "calendar": standard.pk,
            "starts_at": "acceptance",
            "warning_thresholds": "90, 60",
        },
    )
    assert bad.status_code == 200 and policy.milestones.count() == 1
    page = client.get(f"/sla/policies/{policy.pk}/").content.decode()
    assert "工作小时" in page and "60%" in page


def test_preset_button(client_as, org, standard):
    response = client_as(org.admin).post(
        "/sla/policies/presets/", {"industry": "heating"}, follow=True
    )
    assert "供热投诉" in response.content.decode()
    assert SlaPolicy.objects.filter(industry="heating").count() == 7
