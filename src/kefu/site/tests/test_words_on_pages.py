"""The words on the pages: every persona walks the top menu and the first detail page of
each list over the demo data, and the visible text shows labels, never raw codes.

(a) no choice code (a ``TextChoices`` value, a customer-policy option, a ticket type or
    category code, a code a time-limit condition names) appears as a whole word where its
    label exists;
(b) a page's <title> holds no script text;
(c) in English the menu and the order queue's tabs and badges hold no Chinese but the
    names of the data itself.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.db import models
from django.urls import reverse

from kefu.core.demodata import load_all
from kefu.org.demo import DEMO_LOGINS
from kefu.org.models import User
from kefu.site.navigation import navigation_for
from kefu.sla.presets import PRESETS as SLA_PRESETS
from kefu.sla.selectors import condition_names

pytestmark = pytest.mark.django_db

PERSONAS = [username for username, *_rest in DEMO_LOGINS]

# Lists one step below the menu (a menu page's own tabs) that show coded fields.
MORE_LISTS = ("customers:list", "customers:rounds", "sla:policy_list")

# Where codes are shown as codes on purpose, by page path: the code column (编码) of the
# role list, of the order settings (ticket types, categories, channels) and of the working
# calendars; the login names of the staff pages (a login name may equal a role code).
CODE_COLUMNS = {
    r"^/org/roles/$": "roles",
    r"^/tickets/config/$": "ticket types, categories and channels",
    r"^/sla/calendars/$": "calendars",
    r"^/org/staff/": "login names",
}
# Text that names a code in a command or a header to type, by design.
TYPED_CODES = re.compile(r"--calendar [\w-]+|Token <key>")

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
SCRIPT_IN_TITLE = ("<", ">", "{", "}", "(", "=>", "function", "var ", "return ", ";")


class Page(HTMLParser):
    """The visible text of a page (no tags, scripts or styles), its <title>, its links,
    and the text of the elements marked with the given test ids."""

    SKIP = {"script", "style", "template"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta"}
    VOID |= {"source", "track", "wbr"}

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        # as a browser reads it: everything up to </title> is its text, tags included
        title = re.search(r"<title>(.*?)</title>", html, re.DOTALL)
        self.title = unescape(title.group(1)) if title else ""
        self.links: list[str] = []
        self.main_links: list[str] = []
        self.marked: dict[str, list[str]] = {}
        self._stack: list[tuple[str, str]] = []  # (tag, data-testid or class)
        self._skip = 0
        self._in_title = False
        self._in_main = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.SKIP:
            self._skip += 1
        if tag == "title":
            self._in_title = True  # its text is read from the source above
        if tag == "main":
            self._in_main += 1
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
            if self._in_main:
                self.main_links.append(attrs["href"])
        if tag not in self.VOID:
            marks = (tag, attrs.get("data-testid"), attrs.get("class"))
            self._stack.append((tag, " ".join(filter(None, marks))))

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self._skip = max(0, self._skip - 1)
        if tag == "title":
            self._in_title = False
        if tag == "main":
            self._in_main = max(0, self._in_main - 1)
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                del self._stack[index:]
                break

    def handle_data(self, data):
        if self._in_title:
            return
        if self._skip:
            return
        self.text.append(data)
        for _tag, marks in self._stack:
            for mark in marks.split():
                self.marked.setdefault(mark, []).append(data)

    def visible(self) -> str:
        return " ".join(" ".join(self.text).split())

    def marked_text(self, *marks: str) -> str:
        return " ".join(" ".join(" ".join(self.marked.get(mark, [])) for mark in marks).split())


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def choice_codes() -> dict[str, str]:
    """Every code of kefu whose label differs from it and which reads like a code
    (``tip_off``, ``standard``, ``key``), with one of its labels."""
    from kefu.customers import policy
    from kefu.tickets.models import Category, TicketType

    codes: dict[str, str] = {}
    for choices in _subclasses(models.TextChoices):
        if not choices.__module__.startswith("kefu."):
            continue
        for value, label in choices.choices:
            codes.setdefault(value, str(label))
    for preset in policy.PRESETS.values():
        for option in (*preset.grades, *preset.service_tiers):
            codes.setdefault(option.code, str(option.label))
    for code, name in (*TicketType.objects.values_list("code", "name"),):
        codes.setdefault(code, name)
    for code, name in Category.objects.values_list("code", "name"):
        codes.setdefault(code, name)
    for names in condition_names().values():  # what time-limit conditions name
        for code, label in names.items():
            codes.setdefault(code, label)
    return {
        code: label
        for code, label in codes.items()
        if isinstance(code, str)
        and code != label
        and re.fullmatch(r"[a-z][a-z0-9]*(?:[_-][a-z0-9]+)*", code)
        and len(code) >= 3
    }


def code_columns() -> dict[str, set[str]]:
    from kefu.calendars.models import WorkCalendar
    from kefu.org.roles import RoleCode
    from kefu.tickets.models import Category, IntakeChannel, TicketType

    return {
        "roles": set(RoleCode.values),
        "ticket types, categories and channels": {
            *TicketType.objects.values_list("code", flat=True),
            *Category.objects.values_list("code", flat=True),
            *IntakeChannel.objects.values_list("code", flat=True),
        },
        "login names": set(User.objects.values_list("username", flat=True)),
        "calendars": set(WorkCalendar.objects.values_list("code", flat=True)),
    }


def detail_link(page: Page, list_url: str) -> str | None:
    """The first link of the list's main content to a page below the list's own path
    naming one record (a path segment with a digit)."""
    base = urlsplit(list_url).path.rstrip("/").rsplit("/", 1)[0] + "/"
    for href in page.main_links:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path.startswith(base):
            continue
        if parts.path == urlsplit(list_url).path or "export" in parts.path:
            continue
        if any(re.search(r"\d", segment) for segment in parts.path.split("/")):
            return parts.path
    return None


def walk(client, user) -> dict[str, Page]:
    """The persona's menu pages and the first detail page linked from each."""
    client.force_login(user)
    pages: dict[str, Page] = {}
    menu = [item.url for item in navigation_for(user, "/")]
    for url in [*menu, *(reverse(name) for name in MORE_LISTS)]:
        if url.startswith(("/admin/", "/api/")):
            continue
        response = client.get(url, follow=True)
        if url not in menu and response.status_code == 403:
            continue
        assert response.status_code == 200, (user.username, url)
        page = Page(response.content.decode())
        pages[url] = page
        link = detail_link(page, url)
        if link and link not in pages:
            detail = client.get(link, follow=True)
            if detail.status_code == 200 and "html" in detail.get("Content-Type", ""):
                pages[link] = Page(detail.content.decode())
    return pages


def test_every_code_a_time_limit_preset_names_has_a_label(db):
    names = condition_names()
    unlabelled = {
        (condition, code)
        for preset in SLA_PRESETS.values()
        for policy in preset.policies
        for condition in names
        for code in getattr(policy, condition, ())
        if code not in names[condition]
    }
    assert not unlabelled


@pytest.fixture
def demo(db):
    load_all()


def test_pages_show_labels_not_codes_and_titles_hold_no_script(demo, client):
    codes = choice_codes()
    assert {"tip_off", "leak", "superior_transfer", "standard", "key"} <= set(codes)
    patterns = {
        code: re.compile(rf"(?<![\w/.=#{{\"-]){re.escape(code)}(?![\w/=}}\"-])") for code in codes
    }
    shown_as_code = code_columns()
    found = set()
    for username in PERSONAS:
        user = User.objects.get(username=username)
        for url, page in walk(client, user).items():
            text = TYPED_CODES.sub(" ", page.visible())
            for code, pattern in patterns.items():
                if any(
                    re.search(path, url) and code in shown_as_code[what]
                    for path, what in CODE_COLUMNS.items()
                ):
                    continue
                if pattern.search(text):
                    at = pattern.search(text).start()
                    found.add(f"{url}: {code} … {text[max(0, at - 40) : at + 40]}")
            for bad in SCRIPT_IN_TITLE:
                if bad in page.title:
                    found.add(f"{url}: title {page.title!r}")
    assert not found, "\n".join(sorted(found))


def test_english_menu_queue_tabs_and_badges_hold_no_chinese(demo, client):
    from kefu.org.models import Department
    from kefu.tickets.models import Category, TicketType

    names = set(Department.objects.values_list("name", flat=True))
    names |= set(User.objects.values_list("full_name", flat=True))
    names |= set(Category.objects.values_list("name", flat=True))
    names |= set(TicketType.objects.values_list("name", flat=True))
    found = set()
    for username in PERSONAS:
        user = User.objects.get(username=username)
        user.language = "en"
        user.save(update_fields=["language"])
        client.force_login(user)
        response = client.get("/tickets/")
        assert response.status_code == 200
        page = Page(response.content.decode())
        text = page.marked_text("nav", "badge")
        for name in sorted(names, key=len, reverse=True):
            text = text.replace(name, " ")
        for word in text.split():
            if CJK.search(word):
                found.add(f"{username}: {word}")
    assert not found, "\n".join(sorted(found))
