"""Policy conditions that match what orders really carry: the customer's service tier, the
configured grades and channels (上级转办), the categories the presets name; conditions
chosen from what exists; and the explainer of which policy applies and why."""

from __future__ import annotations

from datetime import datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from kefu.customers.services import policy_apply_preset
from kefu.customers.tests.conftest import new_customer
from kefu.org import services as org_services
from kefu.sla import services
from kefu.sla.models import SlaPolicy, TicketDeadline
from kefu.tickets import services as tickets
from kefu.tickets.demo import CATEGORIES
from kefu.tickets.models import Category, Ticket, TicketType
from kefu.tickets.tests.conftest import catalog, new_ticket  # noqa: F401
from kefu.tickets.tests.rendered import rendered_form

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=SH)  # a Monday, in working hours


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {org_services.token_regenerate(user=user).key}")
    return client


def deadlines(ticket) -> dict[str, datetime | None]:
    return {d.kind: d.due_at for d in TicketDeadline.objects.filter(ticket=ticket)}


@pytest.fixture
def property_preset(db):
    services.sla_preset_load(industry="property")


@pytest.fixture
def demo_categories(org):
    """The demo's category tree (kefu.tickets.demo), all led by the repairs department."""
    types = {t.code: t for t in TicketType.objects.all()}
    made: dict[str, Category] = {}
    for code, name, type_code, parent, _lead, priority, settle, extra in CATEGORIES:
        made[code] = tickets.category_create(
            name=name,
            code=code,
            ticket_type=types[type_code],
            parent=made[parent] if parent else None,
            lead_department=org.repairs,
            default_priority=priority,
            settle_at_first_contact=settle,
            extra_fields=extra,
        )
    return made


def _minutes(due, start=T0) -> float:
    return (due - start).total_seconds() / 60


# ---------------------------------------------------------------- the facts orders carry


def test_a_tier_specific_policy_applies_to_an_order_of_a_customer_with_that_tier(
    org,
    new_ticket,  # noqa: F811
    standard,
):
    policy_apply_preset(preset="telecom")  # 钻/金/银/基础 (GRD-06)
    diamond = services.sla_policy_create(
        code="diamond", name="钻石客户", order=1, is_active=True, service_tiers=["diamond"]
    )
    services.sla_milestone_create(
        policy=diamond, kind="reply", amount=2, unit="hours", calendar=standard
    )
    general = services.sla_policy_create(code="general", name="其他", order=50, is_active=True)
    services.sla_milestone_create(
        policy=general, kind="reply", amount=5, unit="working_days", calendar=standard
    )
    customer = new_customer(
        org.account_manager, name="钻石客户甲", grade="A", service_tier="diamond"
    )
    ordinary = new_customer(org.account_manager, name="普通客户乙", grade="A", service_tier="basic")

    with time_machine.travel(T0, tick=False):
        vip = new_ticket(customer=customer)
        plain = new_ticket(customer=ordinary)

    assert vip.sla_policy_code == "diamond"
    assert deadlines(vip)["reply"] == T0 + timedelta(hours=2)
    assert plain.sla_policy_code == "general"


def test_a_configured_grade_beyond_a_b_c_survives_on_the_order_taken_on_the_page(
    client_as,
    org,
    catalog,  # noqa: F811
):
    config = policy_apply_preset(preset="general")
    config.grades = [["AA", "AA"], ["A", "A"], ["B", "B"], ["C", "C"], ["D", "D"]]
    config.save()
    client = client_as(org.agent)
    page = client.get("/tickets/new/").content.decode()
    assert 'value="D"' in page and 'value="AA"' in page
    form = rendered_form(page, "intake-form")
    for grade, title in (("D", "D级客户报修"), ("AA", "AA级客户报修")):
        data = dict(form.fields)
        data.update(
            category=catalog.repair.pk,
            customer_grade=grade,
            title=title,
            contact_name="王女士",
            contact_phone="13800001111",
        )
        response = client.post("/tickets/new/", data)
        assert response.status_code == 302, response.content.decode()[:2000]
    d, aa = Ticket.objects.get(title="D级客户报修"), Ticket.objects.get(title="AA级客户报修")
    assert (d.customer_grade, aa.customer_grade) == ("D", "AA")
    assert aa.grade_rank < d.grade_rank  # the list's order is the queue's order


def test_an_unconfigured_grade_is_refused_naming_the_field(org, catalog, new_ticket):  # noqa: F811
    with pytest.raises(ValidationError) as caught:
        new_ticket(customer_grade="Z")
    assert "customer_grade" in caught.value.message_dict
    assert not Ticket.objects.exists()


def test_an_order_from_above_taken_on_the_intake_page_gets_the_one_hour_reply(
    client_as,
    org,
    catalog,  # noqa: F811
    property_preset,
):
    client = client_as(org.agent)
    page = client.get("/tickets/new/").content.decode()
    assert 'value="superior_transfer"' in page and "上级转办" in page
    data = dict(rendered_form(page, "intake-form").fields)
    data.update(
        channel="superior_transfer",
        category=catalog.complaint.pk,
        title="集团转来：小区停水未通知",
        contact_name="集团调度室",
        contact_phone="13800002222",
    )
    with time_machine.travel(T0, tick=False):
        response = client.post("/tickets/new/", data)
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.channel == "superior_transfer"
    assert ticket.sla_policy_code == "property-escalated"
    assert deadlines(ticket) == {"reply": T0 + timedelta(hours=1)}
    detail = client_as(org.gm).get(f"/tickets/{ticket.pk}/").content.decode()
    assert "上级转办" in detail


def test_the_demo_leak_gets_thirty_minutes_and_a_suggestion_its_limit_under_the_property_preset(
    org, demo_categories, property_preset
):
    with time_machine.travel(T0, tick=False):
        leak = tickets.ticket_create(
            actor=org.agent,
            category=demo_categories["leak"],
            channel="hotline",
            title="楼上渗水到天花板",
            contact_name="李先生",
            contact_phone="13800003333",
            extra={"floor": "5"},
        )
        suggestion = tickets.ticket_create(
            actor=org.agent,
            category=demo_categories["jy"],
            channel="hotline",
            title="建议增加夜间值班",
            contact_name="赵女士",
            contact_phone="13800004444",
        )
    assert leak.sla_policy_code == "property-repair-leak"
    assert _minutes(deadlines(leak)["arrival"]) == 30
    assert suggestion.sla_policy_code == "property-suggestion"
    assert deadlines(suggestion)["reply"] is not None


# ---------------------------------------------------------------- conditions chosen on the form


class _Checkboxes(HTMLParser):
    """The options of each multiple choice (checkbox) of a form, and which are checked."""

    def __init__(self) -> None:
        super().__init__()
        self.options: dict[str, list[str]] = {}
        self.checked: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("type") == "checkbox" and a.get("name"):
            self.options.setdefault(a["name"], []).append(a.get("value", ""))
            if "checked" in a:
                self.checked.setdefault(a["name"], []).append(a.get("value", ""))


def _policy_form(client, url):
    page = client.get(url).content.decode()
    boxes = _Checkboxes()
    boxes.feed(page)
    form = rendered_form(page, "policy-form")
    data: dict[str, object] = {
        k: v for k, v in form.fields.items() if k not in boxes.options and k != "is_active"
    }
    data.update(boxes.checked)
    return page, boxes, data


def test_the_policy_form_offers_what_exists_and_saves_the_chosen_conditions(
    client_as,
    org,
    catalog,  # noqa: F811
    standard,
):
    client = client_as(org.admin)
    _page, boxes, data = _policy_form(client, "/sla/policies/new/")
    assert "superior_transfer" in boxes.options["channels"]
    assert catalog.leak.code in boxes.options["categories"]
    assert "complaint" in boxes.options["ticket_types"]
    assert {"A", "B", "C"} <= set(boxes.options["customer_grades"])
    assert boxes.options["service_tiers"]
    assert "urgent" in boxes.options["priorities"]
    data.update(
        code="leak-from-above",
        name="上级转办的漏水",
        order="3",
        is_active="on",
        categories=[catalog.leak.code],
        channels=["superior_transfer", "hotline"],
        priorities=["urgent"],
    )
    response = client.post("/sla/policies/new/", data)
    assert response.status_code == 302
    policy = SlaPolicy.objects.get(code="leak-from-above")
    assert policy.categories == [catalog.leak.code]
    assert policy.channels == ["superior_transfer", "hotline"]
    assert policy.priorities == ["urgent"]

    # the edit page shows them chosen, and saving it as rendered keeps them
    _page, boxes, data = _policy_form(client, f"/sla/policies/{policy.pk}/edit/")
    assert boxes.checked["channels"] == ["hotline", "superior_transfer"]
    data["is_active"] = "on"
    assert client.post(f"/sla/policies/{policy.pk}/edit/", data).status_code == 302
    policy.refresh_from_db()
    assert sorted(policy.channels) == ["hotline", "superior_transfer"]


def test_the_policy_form_refuses_an_unknown_code_naming_the_condition_in_chinese(
    client_as,
    org,
    catalog,  # noqa: F811
    standard,
):
    client = client_as(org.admin)
    _page, _boxes, data = _policy_form(client, "/sla/policies/new/")
    data.update(code="fax", name="传真", order="3", is_active="on", channels=["fax"])
    response = client.post("/sla/policies/new/", data)
    assert response.status_code == 200
    assert "渠道：没有代码为 fax 的选项" in response.content.decode()
    assert not SlaPolicy.objects.filter(code="fax").exists()

    answer = api(org.admin).post(
        "/api/v1/sla-policies/",
        {"code": "fax", "name": "传真", "channels": ["fax"], "categories": ["nope"]},
        format="json",
    )
    assert answer.status_code == 400
    fields = {e.get("field") for e in answer.json()["errors"]}
    assert {"channels", "categories"} <= fields
    assert not SlaPolicy.objects.filter(code="fax").exists()


def test_a_preset_code_the_organisation_does_not_use_stays_on_the_policy_when_saved(
    client_as,
    org,
    catalog,  # noqa: F811
    property_preset,
):
    policy = SlaPolicy.objects.get(code="property-repair-leak")
    client = client_as(org.admin)
    _page, boxes, data = _policy_form(client, f"/sla/policies/{policy.pk}/edit/")
    assert boxes.checked["categories"] == ["leak"]
    data["is_active"] = "on"
    data["name"] = "报修·跑冒滴漏（改）"
    assert client.post(f"/sla/policies/{policy.pk}/edit/", data).status_code == 302
    policy.refresh_from_db()
    assert (policy.name, policy.categories) == ("报修·跑冒滴漏（改）", ["leak"])


# ---------------------------------------------------------------- the explainer


def test_the_explainer_says_which_policy_applies_and_why_the_ones_before_did_not(
    client_as, org, demo_categories, property_preset
):
    client = client_as(org.admin)
    assert 'data-testid="explain-link"' in client.get("/sla/policies/").content.decode()
    with time_machine.travel(T0, tick=False):
        page = client.get(
            "/sla/policies/explain/", {"category": "leak", "channel": "hotline"}
        ).content.decode()
    assert 'data-testid="explain-result"' in page
    chosen = page.split('data-testid="explain-policy"')[1].split("</p>")[0]
    assert "报修·跑冒滴漏" in chosen
    checked = page.split('data-testid="explain-checked"')[1].split("</table>")[0]
    # 上级转办事项 wants the channel 上级转办; 举报 wants the ticket type 举报
    assert "上级转办事项" in checked and "渠道：本单为 服务热线；策略要求 上级转办" in checked
    assert "举报" in checked and "工单类型：本单为 报修；策略要求 举报" in checked
    milestones = page.split('data-testid="explain-milestones"')[1].split("</table>")[0]
    assert "30 分钟" in milestones
    assert "2026-03-02 10:30" in milestones

    answer = api(org.agent).post(
        "/api/v1/sla/explain/", {"category": "jy", "channel": "superior_transfer"}, format="json"
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["policy"]["code"] == "property-escalated"
    assert body["checked"] == []
    bad = api(org.agent).post("/api/v1/sla/explain/", {"channel": "fax"}, format="json")
    assert bad.status_code == 400
    assert {e.get("field") for e in bad.json()["errors"]} == {"channel"}


def test_trying_a_policy_from_its_edit_page_before_saving(
    client_as, org, demo_categories, property_preset
):
    policy = SlaPolicy.objects.get(code="property-repair-leak")
    before = list(SlaPolicy.objects.order_by("id").values())
    client = client_as(org.admin)
    page, _boxes, data = _policy_form(client, f"/sla/policies/{policy.pk}/edit/")
    assert 'data-testid="explain-draft"' in page
    data["is_active"] = "on"
    data["ticket_types"] = ["complaint"]  # as entered, not saved: leaks no longer match
    data.update(category="leak", channel="hotline")
    answer = client.post("/sla/policies/explain/", data).content.decode()
    chosen = answer.split('data-testid="explain-policy"')[1].split("</p>")[0]
    assert "报修·其他" in chosen
    checked = answer.split('data-testid="explain-checked"')[1].split("</table>")[0]
    assert "报修·跑冒滴漏" in checked and "工单类型：本单为 报修；策略要求 投诉" in checked
    # the explainer's own form carries the draft along
    again = rendered_form(answer, "explain-form")
    assert again.fields.get("draft_of") == str(policy.pk)
    assert list(SlaPolicy.objects.order_by("id").values()) == before


def test_the_explain_command_answers_for_operators(org, demo_categories, property_preset):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    with time_machine.travel(T0, tick=False):
        call_command("sla", "explain", "--category", "leak", "--channel", "hotline", stdout=out)
    text = out.getvalue()
    assert (
        "property-escalated 上级转办事项：不适用（受理渠道：本单为 服务热线，策略要求 上级转办）"
        in text
    )
    assert "property-repair-leak 报修·跑冒滴漏：适用（条件全部满足）" in text
    assert "30 分钟，现在受理的到期时间 2026-03-02 10:30" in text
    with pytest.raises(CommandError, match="渠道：没有代码为 fax 的选项"):
        call_command("sla", "explain", "--channel", "fax", stdout=StringIO())
