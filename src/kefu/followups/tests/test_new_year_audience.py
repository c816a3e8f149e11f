"""RV-11 / NTF-05: every December customer service greets new and existing customers and asks
about their needs for the coming year. The New Year campaign reached A-grade customers
only; its audience is now configurable (grades, new/existing customers, tags) and defaults
to every new and existing customer."""

import re
from datetime import date

import pytest

from kefu.followups import rules, selectors, services
from kefu.followups.models import PlannedVisit, PlanRule
from kefu.followups.services.plans import new_year_audience_set
from kefu.tickets.tests.rendered import rendered_form

pytestmark = pytest.mark.django_db

EVERYONE = rules.NewYearAudience()


@pytest.mark.parametrize(
    ("audience", "grade", "started", "tags", "greeted"),
    [
        (EVERYONE, "C", date(2020, 5, 1), set(), True),
        (EVERYONE, "", date(2026, 3, 1), set(), True),
        (rules.NewYearAudience(grades=("A",)), "B", date(2020, 5, 1), set(), False),
        (rules.NewYearAudience(new_customers=False), "A", date(2026, 3, 1), set(), False),
        (rules.NewYearAudience(new_customers=False), "A", date(2025, 12, 31), set(), True),
        (rules.NewYearAudience(existing_customers=False), "A", date(2025, 12, 31), set(), False),
        (rules.NewYearAudience(tags=("重点",)), "A", date(2020, 1, 1), {"重点", "政府"}, True),
        (rules.NewYearAudience(tags=("重点",)), "A", date(2020, 1, 1), {"政府"}, False),
    ],
    ids=[
        "existing-any-grade",
        "new-ungraded",
        "grade-not-chosen",
        "new-left-out",
        "existing-kept",
        "existing-left-out",
        "tag-matches",
        "tag-missing",
    ],
)
def test_who_is_greeted_in_the_2026_campaign(audience, grade, started, tags, greeted):
    assert (
        rules.in_new_year_audience(audience, grade=grade, started_on=started, year=2026, tags=tags)
        is greeted
    )


def test_old_parameters_keep_their_meaning_and_missing_ones_default_to_rv_11():
    assert rules.new_year_audience({}) == EVERYONE
    assert rules.new_year_audience({"grades": ["A"]}) == rules.NewYearAudience(grades=("A",))


@pytest.fixture
def customers(org):
    from kefu.customers import services as customer_services

    def make(name, grade, started, tags=()):
        return customer_services.customer_create(
            actor=org.account_manager,
            account_manager=org.account_manager,
            name=name,
            kind="organisation",
            grade=grade,
            cooperation_started_on=started,
            tags=tags,
        )

    return {
        "old_a": make("老客户甲", "A", date(2019, 4, 1), ["重点"]),
        "old_c": make("老客户丙", "C", date(2021, 6, 1)),
        "new_b": make("新客户乙", "B", date(2026, 5, 1)),
    }


def _greeted() -> set[str]:
    visits = PlannedVisit.objects.filter(rule__code="new-year-a")
    return set(visits.values_list("customer__name", flat=True))


def test_the_december_campaign_reaches_new_and_existing_customers_of_every_grade(customers):
    services.plans_generate(today=date(2026, 11, 23), horizon_days=40)
    assert _greeted() == {"老客户甲", "老客户丙", "新客户乙"}
    visits = PlannedVisit.objects.filter(rule__code="new-year-a")
    assert set(visits.values_list("due_on", flat=True)) == {date(2026, 12, 1)}


def test_the_audience_narrows_by_grade_kind_and_tag(org, customers):
    rule = PlanRule.objects.get(code="new-year-a")
    new_year_audience_set(
        rule=rule,
        actor=org.admin,
        grades=["A", "B"],
        new_customers=False,
        existing_customers=True,
        tags=[],
    )
    services.plans_generate(today=date(2026, 11, 23), horizon_days=40)
    assert _greeted() == {"老客户甲"}
    rule.refresh_from_db()
    assert rules.new_year_audience(rule.params).grades == ("A", "B")
    audience = rules.new_year_audience(rule.params)
    assert selectors.new_year_audience_count(rule, audience, year=2026) == 1


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"new_customers": False, "existing_customers": False}, "new_customers", "audience_empty"),
        ({"grades": ["Z"]}, "grades", "unknown_grade"),
        ({"tags": ["不存在"]}, "tags", "unknown_tag"),
    ],
    ids=["nobody", "unknown-grade", "unknown-tag"],
)
def test_a_bad_audience_is_refused_and_nothing_changes(org, customers, fields, field, code):
    from django.core.exceptions import ValidationError

    rule = PlanRule.objects.get(code="new-year-a")
    before = rule.params
    body = {"grades": [], "new_customers": True, "existing_customers": True, "tags": []}
    with pytest.raises(ValidationError) as caught:
        new_year_audience_set(rule=rule, actor=org.admin, **{**body, **fields})
    assert caught.value.error_dict[field][0].code == code
    rule.refresh_from_db()
    assert rule.params == before


def test_only_an_administrator_sets_the_audience(org):
    from django.core.exceptions import PermissionDenied

    rule = PlanRule.objects.get(code="new-year-a")
    with pytest.raises(PermissionDenied):
        new_year_audience_set(
            rule=rule,
            actor=org.gm,
            grades=["A"],
            new_customers=True,
            existing_customers=True,
            tags=[],
        )


def test_the_administrator_sets_the_audience_on_the_settings_page(org, customers, client_as):
    admin = client_as(org.admin)
    page = admin.get("/followups/settings/").content.decode()
    form = rendered_form(page, "new-year-audience-form")
    rule = PlanRule.objects.get(code="new-year-a")
    prefix = f"rule{rule.pk}-"
    # as rendered: no grade ticked (every grade), new and existing customers ticked
    for name in ("new_customers", "existing_customers"):
        assert re.search(rf'<input type="checkbox" name="{prefix}{name}"[^>]*checked', page)
    assert not re.search(rf'name="{prefix}grades"[^>]*checked', page)
    assert "今年可覆盖 3 位客户" in page

    # what a browser sends: ticked boxes only (none of the grades is ticked)
    fields = {k: v for k, v in form.fields.items() if not k.startswith(f"{prefix}grades")}
    fields[f"{prefix}existing_customers"] = "on"
    fields.pop(f"{prefix}new_customers")  # untick new customers
    fields[f"{prefix}tags"] = "重点"
    response = admin.post(form.action, fields)
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rules.new_year_audience(rule.params) == rules.NewYearAudience(
        new_customers=False, tags=("重点",)
    )

    # nobody chosen: refused in Chinese, naming the rule, and nothing changes
    bad = {k: v for k, v in fields.items() if not k.endswith("_customers")}
    page = admin.post(form.action, bad).content.decode()
    assert "新客户和老客户至少选一项" in page
    rule.refresh_from_db()
    assert rules.new_year_audience(rule.params).existing_customers


def test_api_reads_and_sets_the_audience(org, customers, client_as):
    listed = client_as(org.gm).get("/api/v1/new-year-campaigns/").json()
    rows = [(r["code"], r["grades"], r["new_customers"], r["existing_customers"]) for r in listed]
    assert rows == [("new-year-a", [], True, True)]
    assert listed[0]["reach"] == 3
    url = "/api/v1/new-year-campaigns/new-year-a/"
    body = {"grades": ["A"], "new_customers": True, "existing_customers": True, "tags": []}
    assert client_as(org.gm).put(url, body, content_type="application/json").status_code == 403
    refused = client_as(org.admin).put(
        url,
        {**body, "new_customers": False, "existing_customers": False},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "audience_empty"
    ok = client_as(org.admin).put(url, body, content_type="application/json")
    assert ok.status_code == 200
    assert (ok.json()["grades"], ok.json()["reach"]) == (["A"], 1)
