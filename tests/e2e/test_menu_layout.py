"""The menu fits on one row at 1366×768, the common office screen, for every persona: the
entries, the bell and the person's name side by side, nothing wrapped onto a second row."""

import pytest
from playwright.sync_api import expect

from kefu.org import services
from tests.e2e.conftest import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "Hotline-2026-pass"


def test_the_menu_is_one_row_at_1366_for_every_persona(page, org):
    personas = org.personas()
    # the longest menu: an administrator who may also open Django's admin site
    personas["superuser"] = org.admin
    for name, user in personas.items():
        if name == "superuser":
            user.is_superuser = True
            user.save(update_fields=["is_superuser"])
        services.staff_set_password(user=user, password=PASSWORD)
        page.context.clear_cookies()
        log_in(page, user.username, PASSWORD)
        expect(page.get_by_test_id("current-user")).to_be_visible()
        layout = page.evaluate(
            """() => {
                const bar = document.querySelector('header.topbar');
                const links = [...bar.querySelectorAll('nav a')];
                const box = bar.querySelector('.userbox').getBoundingClientRect();
                const first = links[0].getBoundingClientRect();
                // the entries and the person's box each on the bar's one row
                const tops = links.map(e => Math.round(e.getBoundingClientRect().top));
                if (box.top >= first.bottom) tops.push(Math.round(box.top));
                return {
                    height: bar.getBoundingClientRect().height,
                    rows: new Set(tops).size,
                    width: document.documentElement.scrollWidth,
                    links: links.length,
                    clipped: links.filter(a => a.scrollWidth > a.clientWidth + 1).length,
                };
            }"""
        )
        assert layout["links"] >= 8, name
        assert layout["rows"] == 1, f"{name}: the menu wraps: {layout}"
        assert layout["height"] <= 56, f"{name}: the top bar is {layout['height']}px high"
        assert layout["width"] <= 1366, f"{name}: the page scrolls sideways: {layout}"
        assert layout["clipped"] == 0, f"{name}: menu entries are cut: {layout}"
