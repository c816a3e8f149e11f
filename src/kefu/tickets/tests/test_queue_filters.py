"""The queue's filter form, used as rendered (TESTING.md: "submit forms as rendered", "export
equals page"): every filter, alone and combined, narrows the list; the Excel export holds
exactly the rows the filtered list shows, in the same order; a bad value is named beside its
field and the other filters still apply."""

import re
from datetime import datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook

from kefu.tickets import services
from kefu.tickets.models import TicketType
from kefu.tickets.states import Action
from kefu.tickets.tests.rendered import rendered_form

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
TODAY = datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI)


def at(day: int) -> datetime:
    return datetime(2026, 11, day, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def orders(org, catalog, new_ticket):
    """Six orders that differ in every filtered property; ``cancelled`` is finished."""
    with time_machine.travel(TODAY, tick=False):
        made = {
            "repair-a": new_ticket(customer_grade="A", now=at(2), dispatch=True),
            "leak-web": new_ticket(
                actor=None,
                channel="web",
                category=catalog.leak,
                extra={"floor": "3"},
                title="天花板渗水",
                contact_phone="13700001111",
                calling_number="",
                now=at(10),
            ),
            "consult-b": new_ticket(
                category=catalog.consult,
                channel="counter",
                customer_grade="B",
                title="物业费标准",
                contact_phone="13600002222",
                now=at(20),
            ),
            "complaint-c": new_ticket(
                actor=None,
                channel="email",
                category=catalog.complaint,
                customer_grade="C",
                title="维修师傅态度差",
                contact_phone="13500003333",
                calling_number="",
                now=at(25),
                dispatch=True,
            ),
            "repair-b": new_ticket(
                customer_grade="B",
                title="燃气表漏气",
                contact_phone="13900005555",
                calling_number="13900005555",
                now=at(26),
                dispatch=True,
            ),
            "cancelled": new_ticket(title="打错了", now=at(27)),
        }
        services.ticket_transition(
            ticket=made["repair-b"], action=Action.SIGN, actor=org.handler, now=at(26)
        )
        services.ticket_transition(
            ticket=made["cancelled"],
            action=Action.CANCEL,
            actor=org.agent,
            reason="客户打错",
            now=at(27),
        )
    return made


def shown(html: str) -> list[str]:
    """The order numbers in the queue table, top to bottom."""
    return re.findall(r'name="ids" value="\d+" aria-label="([^"]+)"', html)


def numbers(orders, *names) -> set[str]:
    return {orders[name].number for name in names}


def filter_as_rendered(client, url="/tickets/?queue=all", **changes) -> str:
    """Open the queue, change the filters a person changes and submit the form as rendered."""
    with time_machine.travel(TODAY, tick=False):
        form = rendered_form(client.get(url).content.decode(), "queue-filter")
        assert set(changes) <= set(form.fields), set(changes) - set(form.fields)
        response = client.get("/tickets/", {**form.fields, **changes})
    assert response.status_code == 200
    return response.content.decode()


def test_the_rendered_form_shows_every_active_order(client_as, org, orders):
    html = filter_as_rendered(client_as(org.gm))
    assert set(shown(html)) == numbers(
        orders, "repair-a", "leak-web", "consult-b", "complaint-c", "repair-b"
    )


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"text": "13900005555"}, {"repair-b"}),
        ({"text": "燃气"}, {"repair-b"}),
        ({"ticket_type": "repair"}, {"repair-a", "leak-web", "repair-b"}),
        ({"category": "repair"}, {"repair-a", "leak-web", "repair-b"}),
        ({"category": "leak"}, {"leak-web"}),
        ({"department": "repairs"}, {"repair-a", "repair-b"}),
        ({"department": "quality"}, {"complaint-c"}),
        ({"channel": "web"}, {"leak-web"}),
        ({"channel": "email"}, {"complaint-c"}),
        ({"grade": "B"}, {"consult-b", "repair-b"}),
        ({"received_from": "2026-11-20"}, {"consult-b", "complaint-c", "repair-b"}),
        ({"received_to": "2026-11-10"}, {"repair-a", "leak-web"}),
        ({"status": "signed"}, {"repair-b"}),
        ({"status": "cancelled"}, {"cancelled"}),
        # combined
        ({"category": "repair", "grade": "B"}, {"repair-b"}),
        ({"ticket_type": "repair", "received_to": "2026-11-10"}, {"repair-a", "leak-web"}),
        ({"received_from": "2026-11-10", "received_to": "2026-11-20"}, {"leak-web", "consult-b"}),
        ({"department": "repairs", "status": "dispatched"}, {"repair-a"}),
        ({"text": "13", "channel": "counter", "grade": "B"}, {"consult-b"}),
    ],
    ids=lambda value: "+".join(value) if isinstance(value, dict) else None,
)
def test_each_filter_alone_and_combined_narrows_the_list(
    client_as, org, catalog, orders, changes, expected
):
    ids = {
        "ticket_type": {"repair": TicketType.objects.get(code="repair").pk},
        "category": {"repair": catalog.repair.pk, "leak": catalog.leak.pk},
        "department": {"repairs": org.repairs.pk, "quality": org.quality.pk},
    }
    chosen = {
        name: str(ids[name][value]) if name in ids else value for name, value in changes.items()
    }
    html = filter_as_rendered(client_as(org.gm), **chosen)
    assert set(shown(html)) == numbers(orders, *expected)
    # the form shows what was chosen, so the next change keeps it
    form = rendered_form(html, "queue-filter")
    assert {name: form.fields[name] for name in chosen} == chosen


def export_link(html: str) -> str:
    found = re.findall(r'href="([^"]*export=xlsx[^"]*)"', html)
    assert len(found) == 1, found
    return found[0].replace("&amp;", "&")


def workbook_numbers(response) -> list[str]:
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "工单号"
    return [row[0] for row in rows[1:]]


@pytest.mark.parametrize(
    "changes",
    [{}, {"grade": "B"}, {"channel": "email"}, {"status": "cancelled"}, {"text": "燃气"}],
    ids=lambda value: "+".join(value) or "none",
)
def test_the_export_holds_exactly_the_rows_shown(client_as, org, orders, changes):
    client = client_as(org.gm)
    html = filter_as_rendered(client, **changes)
    with time_machine.travel(TODAY, tick=False):
        response = client.get("/tickets/" + export_link(html))
    assert response.status_code == 200
    assert workbook_numbers(response) == shown(html)


def test_the_export_link_follows_the_filters_chosen_without_reloading(client_as, org, orders):
    """The page refreshes only its results when a filter changes (htmx): the export link
    must be among what is refreshed."""
    client = client_as(org.gm)
    with time_machine.travel(TODAY, tick=False):
        fragment = client.get(
            "/tickets/",
            {"queue": "all", "status": "", "channel": "web"},
            headers={"HX-Request": "true", "HX-Target": "results"},
        ).content.decode()
        response = client.get("/tickets/" + export_link(fragment))
    assert shown(fragment) == [orders["leak-web"].number]
    assert workbook_numbers(response) == shown(fragment)


def field_block(html: str, name: str) -> str:
    match = re.search(rf'<div[^>]*data-field="{name}"[^>]*>(.*?)</div>', html, re.S)
    assert match, f"no field {name} in the filter form"
    return match.group(1)


@pytest.mark.parametrize(
    ("bad", "kept", "expected"),
    [
        ({"received_from": "2026-02-30"}, {"channel": "web"}, {"leak-web"}),
        ({"received_to": "yesterday"}, {"grade": "B"}, {"consult-b", "repair-b"}),
        ({"category": "999999"}, {"grade": "B"}, {"consult-b", "repair-b"}),
        ({"status": "lost"}, {"channel": "email"}, {"complaint-c"}),
    ],
    ids=lambda value: "+".join(value) if isinstance(value, dict) else None,
)
def test_a_bad_value_is_named_beside_its_field_and_the_others_still_apply(
    client_as, org, orders, bad, kept, expected
):
    html = filter_as_rendered(client_as(org.gm), **bad, **kept)
    (name,) = bad
    assert 'class="errorlist' in field_block(html, name)
    for other in kept:
        assert "errorlist" not in field_block(html, other)
    assert set(shown(html)) == numbers(orders, *expected)
    with time_machine.travel(TODAY, tick=False):
        response = client_as(org.gm).get("/tickets/" + export_link(html))
    assert workbook_numbers(response) == shown(html)
