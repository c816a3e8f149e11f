"""Small things a person meets on every page: the icon the browser asks for, the error
pages (in Chinese, with a way back), and date pickers that show the date they are given."""

import importlib
import pkgutil
import re
from datetime import date

import pytest
from django import forms
from django.test import RequestFactory
from django.urls import get_resolver
from django.utils import translation

import kefu

pytestmark = pytest.mark.django_db


def test_the_browser_gets_an_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO file


def menu_links(html: str) -> list[str]:
    nav = re.search(r'<nav aria-label="功能模块">(.*?)</nav>', html, re.S)
    assert nav, "no menu on the page"
    return re.findall(r'href="([^"]+)"', nav.group(1))


def test_page_not_found_is_chinese_with_the_menu_and_a_way_home(client_as, org):
    response = client_as(org.agent).get("/tickets/999999/")
    html = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in html
    assert "/" in menu_links(html)
    assert re.search(r'<a[^>]*href="/"[^>]*data-testid="error-home"', html)


def test_page_not_found_for_a_visitor_not_logged_in(client):
    response = client.get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert '<html lang="zh-CN">' in html
    assert "页面不存在" in html
    assert 'data-testid="error-home"' in html


def test_forbidden_says_why_in_chinese_with_the_menu(client_as, org):
    response = client_as(org.agent).get("/tickets/config/")
    html = response.content.decode()
    assert response.status_code == 403
    assert "没有权限" in html or "无权" in html
    assert "只有系统管理员可以修改配置。" in html  # the reason the view gave
    assert "/" in menu_links(html)
    assert 'data-testid="error-home"' in html


@pytest.mark.parametrize(("status", "heading"), [(400, "请求无法识别"), (500, "服务器出错")])
def test_bad_request_and_server_error_pages(status, heading):
    """Django renders these without the request (no menu, no database): they still speak
    Chinese and lead home."""
    handler = get_resolver().resolve_error_handler(status)
    request = RequestFactory().get("/tickets/")
    with translation.override("zh-hans"):
        response = handler(request) if status == 500 else handler(request, Exception("x"))
    html = response.content.decode()
    assert response.status_code == status
    assert heading in html
    assert re.search(r'<a[^>]*href="/"[^>]*data-testid="error-home"', html)


def _form_classes():
    for module_info in pkgutil.iter_modules(kefu.__path__):
        try:
            module = importlib.import_module(f"kefu.{module_info.name}.forms")
        except ModuleNotFoundError:
            continue
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, forms.BaseForm)
                and value.__module__ == module.__name__
            ):
                yield value


def _date_pickers():
    found = []
    for form_class in _form_classes():
        for name, field in getattr(form_class, "base_fields", {}).items():
            widget = field.widget
            if getattr(widget, "input_type", "") == "date":
                found.append(pytest.param(widget, id=f"{form_class.__name__}.{name}"))
    return found


@pytest.mark.parametrize("widget", _date_pickers())
def test_every_date_picker_shows_the_date_it_is_given(widget):
    """A browser's date input shows only an ISO date (2026-12-03); any other format is shown
    empty, and a required field is then refused though it looked prefilled."""
    with translation.override("zh-hans"):
        assert widget.format_value(date(2026, 12, 3)) == "2026-12-03"
