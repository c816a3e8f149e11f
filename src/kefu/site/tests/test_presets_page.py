"""行业预置 page: an administrator picks an industry and a company, previews what changes,
applies it and sees the change list; nobody else may open it."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from kefu.complaints.services import settings_get as complaint_settings
from kefu.customers.services import current_policy
from kefu.site.models import PresetApplication
from kefu.site.presets import settings_snapshot
from kefu.tickets.tests.rendered import rendered_form

pytestmark = pytest.mark.django_db
URL = "/settings/industry/"


def rows(html: str) -> list[list[str]]:
    return [
        re.sub(r"<[^>]+>", " ", row).split()[0:2]
        for row in re.findall(r'<tr data-testid="preset-change">(.*?)</tr>', html, re.S)
    ]


def test_preview_then_apply_as_rendered_shows_what_changed(client_as, org):
    client = client_as(org.admin)
    page = client.get(URL)
    assert page.status_code == 200
    form = rendered_form(page.content.decode(), "preset-form")
    form.fields.update(industry="heating", company=str(org.company.pk), action="preview")
    before = settings_snapshot()

    preview = client.post(URL, form.fields)

    html = preview.content.decode()
    assert preview.status_code == 200
    assert settings_snapshot() == before
    assert ["客户档案规则", "预置"] in rows(html)
    assert ["时限策略", "heating-complaint"] in rows(html)
    assert "为“示范公司”应用将改变所有单位的这些设置" in html
    confirm = rendered_form(html, "preset-apply")
    confirm.fields["action"] = "apply"

    applied = client.post(URL, confirm.fields, follow=True)

    html = applied.content.decode()
    assert applied.status_code == 200
    assert "已应用行业预置" in html
    assert ["时限策略", "heating-complaint"] in rows(html)
    assert current_policy().preset == "heating"
    assert complaint_settings().industry == "heating"
    application = PresetApplication.objects.get()
    assert (application.company, application.applied_by) == (org.company, org.admin)
    assert "示范公司：供热" in html

    again = client.post(URL, {**confirm.fields, "action": "preview"})
    assert 'data-testid="preset-nothing"' in again.content.decode()


def test_a_company_that_is_not_one_is_refused_in_chinese_and_nothing_changes(client_as, org):
    client = client_as(org.admin)
    before = settings_snapshot()
    response = client.post(
        URL, {"industry": "power", "company": str(org.repairs.pk), "action": "apply"}
    )
    assert response.status_code == 400
    assert "选择一个有效的选项" in response.content.decode()
    assert settings_snapshot() == before
    assert PresetApplication.objects.count() == 0


@pytest.mark.parametrize("persona", ["agent", "head", "gm", "cm_supervisor"])
def test_only_administrators_open_or_post_it(client_as, org, persona):
    user = getattr(org, persona)
    client = client_as(user)
    before = settings_snapshot()
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"industry": "power", "action": "apply"}).status_code == 403
    assert settings_snapshot() == before
    assert f'href="{URL}"' not in client.get("/").content.decode()


def test_the_administrators_workspace_shows_the_industry_and_leads_to_it(client_as, org):
    assert reverse("site:presets") == URL
    client = client_as(org.admin)
    home = client.get("/").content.decode()
    assert f'href="{URL}"' in home
    assert "尚未应用" in home
    client.post(URL, {"industry": "power", "action": "apply"})
    home = client.get("/").content.decode()
    industry = re.search(r'data-testid="workspace-industry">(.*?)</dd>', home)
    assert industry is not None and industry.group(1).startswith("供电 · ")


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "login" in response["Location"]
