"""A milestone reached after its due time is late, whether or not a sweep ran in between:
it is breached at its due time, with everything a breach brings. Arrival and first contact
are recorded when they happen, not inferred from the resolution."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from kefu.notify.models import Notification
from kefu.sla import engine
from kefu.sla.models import OverdueInvestigation
from kefu.sla.tests.test_engine import T0, property_preset, rows, signed, sweep  # noqa: F401
from kefu.tickets import services as tickets
from kefu.tickets.states import Action
from kefu.tickets.tests.conftest import catalog, new_ticket  # noqa: F401

ARRIVAL_DUE = T0 + timedelta(hours=2)  # the property preset: a repair arrival within 2 hours


def record(ticket, actor, *, now, **kwargs):
    with time_machine.travel(now, tick=False):
        return engine.deadline_record_reached(
            ticket=ticket, position=rows(ticket)["arrival"].position, actor=actor, **kwargs
        )


def test_an_arrival_recorded_after_its_due_time_is_breached_at_the_due_time(
    org,
    signed,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    # no sweep between 12:00 (due) and 15:00 (recorded)
    with django_capture_on_commit_callbacks(execute=True):
        row = record(signed, org.handler, now=T0 + timedelta(hours=5))
    assert row.met_at == T0 + timedelta(hours=5)
    assert row.breached_at == ARRIVAL_DUE
    signed.refresh_from_db()
    assert signed.events.filter(kind="sla_breach").count() == 1
    assert signed.urge_count == 1  # 催办单 at the breach
    assert row.department == org.repairs  # investigated when the order is closed
    assert not OverdueInvestigation.objects.filter(ticket=signed).exists()
    assert Notification.objects.filter(recipient=org.head).exists()
    # and the sweep that comes later fires nothing more for it
    assert sweep(T0 + timedelta(hours=6))["breaches"] == 0


def test_resolving_after_the_arrival_due_time_does_not_make_the_arrival_on_time(org, signed):  # noqa: F811
    with time_machine.travel(T0 + timedelta(hours=5), tick=False):
        tickets.ticket_transition(
            ticket=signed, action=Action.RESOLVE, actor=org.handler, resolution="已修复"
        )
    got = rows(signed)
    assert got["arrival"].breached_at == ARRIVAL_DUE
    assert got["resolution"].breached_at is None  # the resolution itself was in time
    assert signed.events.filter(kind="sla_breach").count() == 1
    assert [r.department for r in got.values() if r.breached_at] == [org.repairs]


def test_resolving_before_the_arrival_due_time_meets_it_in_time(org, signed):  # noqa: F811
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        tickets.ticket_transition(
            ticket=signed, action=Action.RESOLVE, actor=org.handler, resolution="已修复"
        )
    arrival = rows(signed)["arrival"]
    assert arrival.breached_at is None
    assert arrival.met_at == T0 + timedelta(hours=1)


def test_the_handler_records_the_real_arrival_time_and_a_back_dated_time_needs_a_reason(
    org,
    signed,  # noqa: F811
):
    with pytest.raises(ValidationError) as refused:
        record(signed, org.handler, now=T0 + timedelta(hours=3), at=T0 + timedelta(minutes=90))
    assert "reason" in refused.value.message_dict
    assert rows(signed)["arrival"].met_at is None  # nothing changed

    row = record(
        signed,
        org.handler,
        now=T0 + timedelta(hours=3),
        at=T0 + timedelta(minutes=90),
        reason="现场无信号，回到车上补录",
    )
    assert row.met_at == T0 + timedelta(minutes=90)
    assert row.breached_at is None  # it was reached in time
    assert row.met_recorded_at == T0 + timedelta(hours=3)
    assert row.met_backdate_reason == "现场无信号，回到车上补录"
    event = signed.events.get(kind="sla_met")
    assert event.data["backdated"] is True
    assert "现场无信号" in event.note


@pytest.mark.parametrize(
    ("at", "field"),
    [
        (T0 + timedelta(hours=4), "at"),  # in the future
        (T0 - timedelta(hours=1), "at"),  # before the clock started
    ],
)
def test_an_impossible_arrival_time_is_refused(org, signed, at, field):  # noqa: F811
    with pytest.raises(ValidationError) as refused:
        record(signed, org.handler, now=T0 + timedelta(hours=3), at=at, reason="补录")
    assert field in refused.value.message_dict
    assert rows(signed)["arrival"].met_at is None


def test_the_sweep_dates_a_breach_at_the_due_time_even_when_it_runs_late(org, signed):  # noqa: F811
    sweep(T0 + timedelta(hours=4))
    assert rows(signed)["arrival"].breached_at == ARRIVAL_DUE


def test_the_order_page_records_a_back_dated_arrival_with_its_reason(
    client_as,
    org,
    signed,  # noqa: F811
):
    client = client_as(org.handler)
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        page = client.get(f"/tickets/{signed.pk}/").content.decode()
        assert 'data-testid="milestone-reached-arrival"' in page
        position = rows(signed)["arrival"].position
        url = f"/sla/tickets/{signed.pk}/deadlines/{position}/reached/"
        refused = client.post(url, {"at": "2026-03-02T11:30", "reason": ""}, follow=True)
        assert "补录原因：补录10分钟以前的时间须填写补录原因。" in refused.content.decode()
        assert rows(signed)["arrival"].met_at is None
        client.post(url, {"at": "2026-03-02T11:30", "reason": "现场无信号"})
        page = client.get(f"/tickets/{signed.pk}/").content.decode()
    arrival = rows(signed)["arrival"]
    assert arrival.met_at == T0 + timedelta(minutes=90)
    assert arrival.met_backdate_reason == "现场无信号"
    assert 'data-testid="met-backdated"' in page


def test_the_api_records_a_late_arrival_as_a_breach(org, signed):  # noqa: F811
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(org.handler)
    position = rows(signed)["arrival"].position
    with time_machine.travel(T0 + timedelta(hours=5), tick=False):
        response = api.post(
            f"/api/v1/tickets/{signed.number}/deadlines/{position}/reached/", {}, format="json"
        )
    assert response.status_code == 200, response.content
    assert response.json()["breached_at"] is not None
    with time_machine.travel(T0 + timedelta(hours=5), tick=False):
        bad = api.post(
            f"/api/v1/tickets/{signed.number}/deadlines/{rows(signed)['resolution'].position}"
            "/reached/",
            {"at": "2026-03-02T09:00:00+08:00"},
            format="json",
        )
    assert bad.status_code == 400
