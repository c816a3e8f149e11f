"""Lists people sort and count: the queue sorts by a clicked column header (again: reversed),
keeps the sort through the filters, the pages and the Excel export; every queue tab shows
its count; a person saves the filters and sort as a named view of their own."""

import re
from html import unescape

import pytest
import time_machine
from rest_framework.test import APIClient

from kefu.tickets import selectors
from kefu.tickets.models import SavedQueueView
from kefu.tickets.tests.rendered import rendered_form
from kefu.tickets.tests.test_queue_filters import (  # noqa: F401 (orders is a fixture)
    TODAY,
    export_link,
    orders,
    shown,
    workbook_numbers,
)

pytestmark = pytest.mark.django_db

ACTIVE = ("repair-a", "leak-web", "consult-b", "complaint-c", "repair-b")  # received in order


def get(client, url, **params):
    with time_machine.travel(TODAY, tick=False):
        response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def header_link(html: str, column: str) -> str:
    found = re.findall(rf'<a href="([^"]*)" data-testid="sort-{column}"', html)
    assert len(found) == 1, found
    return "/tickets/" + unescape(found[0])


def numbers(orders, names) -> list[str]:  # noqa: F811
    return [orders[name].number for name in names]


def test_clicking_a_header_sorts_and_clicking_again_reverses(client_as, org, orders):  # noqa: F811
    client = client_as(org.gm)
    html = get(client, "/tickets/?queue=all")
    html = get(client, header_link(html, "created_at"))
    assert shown(html) == numbers(orders, ACTIVE)
    assert 'aria-sort="ascending"><a href="?queue=all&amp;sort=-created_at"' in html
    html = get(client, header_link(html, "created_at"))
    assert shown(html) == numbers(orders, reversed(ACTIVE))
    assert 'aria-sort="descending"' in html
    html = get(client, header_link(html, "number"))
    assert shown(html) == sorted(numbers(orders, ACTIVE))


def test_an_unknown_sort_is_the_queue_order(client_as, org, orders):  # noqa: F811
    client = client_as(org.gm)
    plain = get(client, "/tickets/?queue=all")
    assert shown(get(client, "/tickets/?queue=all&sort=title")) == shown(plain)
    assert shown(get(client, "/tickets/?queue=all&sort=-id;drop")) == shown(plain)


def test_the_filter_form_and_the_export_keep_the_sort(client_as, org, orders):  # noqa: F811
    client = client_as(org.gm)
    html = get(client, "/tickets/?queue=all")
    html = get(client, header_link(header_link_page := html, "created_at"))
    html = get(client, header_link(html, "created_at"))  # newest first
    assert header_link_page
    form = rendered_form(html, "queue-filter")
    assert form.fields["sort"] == "-created_at"
    html = get(client, "/tickets/", **{**form.fields, "grade": "B"})
    assert shown(html) == numbers(orders, ["repair-b", "consult-b"])
    with time_machine.travel(TODAY, tick=False):
        response = client.get("/tickets/" + export_link(html))
    assert workbook_numbers(response) == shown(html)


@pytest.mark.parametrize("sort", ["created_at", "-created_at", "-priority", "category", "status"])
def test_the_export_holds_the_sorted_rows_in_order(client_as, org, orders, sort):  # noqa: F811
    client = client_as(org.gm)
    html = get(client, "/tickets/", queue="all", sort=sort)
    with time_machine.travel(TODAY, tick=False):
        response = client.get("/tickets/" + export_link(html))
    assert workbook_numbers(response) == shown(html)
    assert len(shown(html)) == len(ACTIVE)


def test_sorted_pages_follow_on_without_repeating_or_skipping(
    client_as,
    org,
    orders,  # noqa: F811
    monkeypatch,
):
    monkeypatch.setattr("kefu.tickets.views.QUEUE_PAGE_SIZE", 2)
    client = client_as(org.gm)
    html = get(client, "/tickets/", queue="all", sort="-created_at")
    seen = shown(html)
    while match := re.search(r'<a href="([^"]*)" data-testid="next-page"', html):
        html = get(client, "/tickets/" + unescape(match.group(1)))
        assert 'data-testid="sort-created_at"' in html
        seen += shown(html)
    assert seen == numbers(orders, reversed(ACTIVE))


def test_every_queue_tab_shows_its_count(client_as, org, orders, django_assert_max_num_queries):  # noqa: F811
    client = client_as(org.gm)
    html = get(client, "/tickets/?queue=all")
    counts = {
        key: int(count)
        for key, count in re.findall(
            r'data-testid="queue-tab-(\w+)">[^<]*<span class="badge[^"]*" '
            r'data-testid="[\w-]+">(\d+)</span>',
            html,
        )
    }
    assert set(counts) == set(selectors.QUEUES)
    for key, count in counts.items():
        with time_machine.travel(TODAY, tick=False):
            assert count == selectors.queue(org.gm, key).count(), key
    assert counts["all"] == len(ACTIVE)
    with time_machine.travel(TODAY, tick=False), django_assert_max_num_queries(3):
        assert selectors.tab_counts(org.gm) == counts


def save_as_rendered(client, html: str, name: str):
    form = rendered_form(html, "save-view")
    with time_machine.travel(TODAY, tick=False):
        return client.post("/tickets/views/", {**form.fields, "name": name})


def test_a_saved_view_keeps_the_filters_and_sort_as_a_tab_of_its_own(client_as, org, orders):  # noqa: F811
    client = client_as(org.gm)
    html = get(client, "/tickets/?queue=all")
    html = get(client, header_link(html, "created_at"))
    html = get(client, header_link(html, "created_at"))
    form = rendered_form(html, "queue-filter")
    html = get(client, "/tickets/", **{**form.fields, "grade": "B"})
    expected = shown(html)

    response = save_as_rendered(client, html, "B级客户")
    assert response.status_code == 302
    view = SavedQueueView.objects.get(owner=org.gm)
    assert view.name == "B级客户"

    page = get(client, "/tickets/?queue=mine")
    tab = re.search(
        r'<a class="btn secondary" href="([^"]*)" data-testid="saved-view-tab">B级客户<', page
    )
    assert tab
    reopened = get(client, unescape(tab.group(1)))
    assert shown(reopened) == expected
    assert 'aria-current="page" data-testid="saved-view-tab">B级客户<' in reopened

    # nobody else sees it
    other = get(client_as(org.head), "/tickets/?queue=all")
    assert "B级客户" not in other


def test_a_saved_view_is_renamed_and_deleted_from_its_tab(client_as, org, orders):  # noqa: F811
    client = client_as(org.gm)
    html = get(client, "/tickets/?queue=all&grade=B")
    save_as_rendered(client, html, "旧名")
    view = SavedQueueView.objects.get(owner=org.gm)
    html = get(client, f"/tickets/?queue=all&grade=B&view={view.pk}")
    form = rendered_form(html, "edit-view")
    with time_machine.travel(TODAY, tick=False):
        client.post(form.action, {**form.fields, "name": "新名"})
    view.refresh_from_db()
    assert view.name == "新名"
    with time_machine.travel(TODAY, tick=False):
        client.post(form.action, {**form.fields, "delete": "1"})
    assert not SavedQueueView.objects.filter(owner=org.gm).exists()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "视图名称：请填写视图名称。"),
        ("长" * 31, "视图名称：视图名称最多 30 个字。"),
        ("已有", "视图名称：已有同名的保存视图。"),
    ],
)
def test_a_bad_name_is_refused_in_chinese_and_nothing_is_saved(
    client_as,
    org,
    orders,  # noqa: F811
    name,
    message,
):
    SavedQueueView.objects.create(owner=org.gm, name="已有", query="queue=all")
    client = client_as(org.gm)
    html = get(client, "/tickets/?queue=all&grade=B")
    response = save_as_rendered(client, html, name)
    with time_machine.travel(TODAY, tick=False):
        page = client.get(response["Location"]).content.decode()
    assert message in page
    assert SavedQueueView.objects.filter(owner=org.gm).count() == 1
    # the person is back on the list they were saving
    assert "grade=B" in response["Location"]


def test_a_person_keeps_at_most_twenty_views(client_as, org, orders):  # noqa: F811
    for i in range(SavedQueueView.MAX_PER_PERSON):
        SavedQueueView.objects.create(owner=org.gm, name=f"视图{i}", query="queue=all")
    client = client_as(org.gm)
    response = save_as_rendered(client, get(client, "/tickets/?queue=all"), "第二十一个")
    with time_machine.travel(TODAY, tick=False):
        page = client.get(response["Location"]).content.decode()
    assert "每人最多保存 20 个视图" in page
    assert SavedQueueView.objects.filter(owner=org.gm).count() == SavedQueueView.MAX_PER_PERSON


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_api_lists_creates_renames_and_deletes_own_views_only(org):
    created = api(org.head).post(
        "/api/v1/saved-views/",
        {"name": "本部门", "query": "queue=all&sort=-created_at&page=3&bogus=1"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["query"] == "queue=all&sort=-created_at"
    assert body["url"] == f"/tickets/?queue=all&sort=-created_at&view={body['id']}"

    assert [v["name"] for v in api(org.head).get("/api/v1/saved-views/").json()] == ["本部门"]
    assert api(org.gm).get("/api/v1/saved-views/").json() == []
    assert api(org.gm).delete(f"/api/v1/saved-views/{body['id']}/").status_code == 404

    duplicate = api(org.head).post("/api/v1/saved-views/", {"name": "本部门"}, format="json")
    assert duplicate.status_code == 400
    error = duplicate.json()["errors"][0]
    assert (error["field"], error["code"]) == ("name", "saved_view_name_taken")

    renamed = api(org.head).patch(
        f"/api/v1/saved-views/{body['id']}/", {"name": "维修部"}, format="json"
    )
    assert renamed.json()["name"] == "维修部"
    assert api(org.head).delete(f"/api/v1/saved-views/{body['id']}/").status_code == 204
    assert not SavedQueueView.objects.exists()


def test_the_save_form_follows_filters_chosen_without_reloading(client_as, org, orders):  # noqa: F811
    """Filters refresh only the results (htmx): the save-view form is among what is
    refreshed, so it saves what is on screen."""
    client = client_as(org.gm)
    with time_machine.travel(TODAY, tick=False):
        fragment = client.get(
            "/tickets/",
            {"queue": "all", "sort": "-created_at", "channel": "web", "text": ""},
            headers={"HX-Request": "true", "HX-Target": "results"},
        ).content.decode()
    form = rendered_form(fragment, "save-view")
    assert form.fields["query"] == "queue=all&sort=-created_at&channel=web"


@pytest.mark.parametrize("page", ["x", "-3", "99999999999999999999999"])
def test_a_bad_page_number_is_no_error_page(client_as, org, orders, page):  # noqa: F811
    client = client_as(org.gm)
    html = get(client, "/tickets/", queue="all", sort="created_at", page=page)
    assert shown(html) in ([], numbers(orders, ACTIVE))
