"""Fixtures shared by every test: the persona organisation.

示范公司 (company)                      gm, admin
├── 客户服务中心 (front office)           shift_leader
│   └── 热线班 (team)                     agent
├── 维修部 (handling)                     head
│   └── 水电班 (team)                     handler
├── 品质部 (quality)                      inspector
└── 市场部 (marketing)                    cm_supervisor
    └── 客户经理组 (team)                 account_manager
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from kefu.org.models import Department, User


@dataclass
class Org:
    company: Department
    front_office: Department
    hotline: Department
    repairs: Department
    repairs_team: Department
    quality: Department
    marketing: Department
    managers_team: Department
    agent: User
    shift_leader: User
    handler: User
    head: User
    inspector: User
    account_manager: User
    cm_supervisor: User
    gm: User
    admin: User

    def personas(self) -> dict[str, User]:
        return {
            name: getattr(self, name)
            for name in (
                "agent",
                "shift_leader",
                "handler",
                "head",
                "inspector",
                "account_manager",
                "cm_supervisor",
                "gm",
                "admin",
            )
        }


def make_department(name, code, kind, parent=None) -> Department:
    from kefu.org import services

    return services.department_create(name=name, code=code, kind=kind, parent=parent)


def make_staff(username, department, roles=(), *, password=None, **extra) -> User:
    from kefu.org import services

    return services.staff_create(
        username=username,
        full_name=extra.pop("full_name", username),
        password=password,
        department=department,
        roles=services.roles_by_code(roles),
        **extra,
    )


@pytest.fixture
def org(db) -> Org:
    from kefu.org.models import DepartmentKind as K
    from kefu.org.roles import RoleCode as R

    company = make_department("示范公司", "co", K.COMPANY)
    front_office = make_department("客户服务中心", "fo", K.FRONT_OFFICE, company)
    hotline = make_department("热线班", "fo-hot", K.TEAM, front_office)
    repairs = make_department("维修部", "rep", K.HANDLING, company)
    repairs_team = make_department("水电班", "rep-sd", K.TEAM, repairs)
    quality = make_department("品质部", "qa", K.QUALITY, company)
    marketing = make_department("市场部", "mkt", K.MARKETING, company)
    managers_team = make_department("客户经理组", "mkt-cm", K.TEAM, marketing)
    return Org(
        company=company,
        front_office=front_office,
        hotline=hotline,
        repairs=repairs,
        repairs_team=repairs_team,
        quality=quality,
        marketing=marketing,
        managers_team=managers_team,
        agent=make_staff("agent", hotline, [R.AGENT], employee_no="KF001", full_name="李坐席"),
        shift_leader=make_staff("shiftlead", front_office, [R.SHIFT_LEADER], employee_no="KF002"),
        handler=make_staff("handler", repairs_team, [R.HANDLER], employee_no="WX001"),
        head=make_staff("head", repairs, [R.DEPARTMENT_HEAD], employee_no="WX002"),
        inspector=make_staff("inspector", quality, [R.QUALITY_INSPECTOR], employee_no="PZ001"),
        account_manager=make_staff("cm", managers_team, [R.CUSTOMER_MANAGER], employee_no="SC001"),
        cm_supervisor=make_staff("cmsup", marketing, [R.CM_SUPERVISOR], employee_no="SC002"),
        gm=make_staff("gm", company, [R.GENERAL_MANAGER], employee_no="HQ001"),
        admin=make_staff("admin", company, [R.ADMINISTRATOR], employee_no="HQ002"),
    )


@pytest.fixture
def client_as(client):
    """Log the test client in as a given user: ``client_as(org.agent)``."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate limits, other cached counters and the configuration copies start empty in
    every test."""
    from django.core.cache import cache

    from kefu.core.configcache import ConfigCache

    cache.clear()
    # a copy kept by an earlier transactional test describes rows since flushed
    ConfigCache.clear_all()


@pytest.fixture(autouse=True)
def _reseed_after_flush(request):
    """Transactional tests start from a flushed database: put the seeded rows back."""
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        request.getfixturevalue("transactional_db")
        from django.utils import timezone

        from kefu.site.seeds import seeds_ensure

        year = timezone.localdate().year
        seeds_ensure(calendar_years=range(year - 1, year + 1))


class SmtpSink:
    """A real SMTP server on a free local port that keeps what it receives
    (``messages``: parsed ``email.message.EmailMessage``); ``stop()`` makes the port refuse
    connections, ``start()`` serves it again."""

    def __init__(self):
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.host = "127.0.0.1"
        self.messages: list = []
        self._controller = None

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        import email
        import email.policy

        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 Message accepted for delivery"

    def start(self):
        import logging

        from aiosmtpd.controller import Controller

        logging.getLogger("mail.log").setLevel(logging.WARNING)  # one line per SMTP command

        if self._controller is None:
            self._controller = Controller(self, hostname=self.host, port=self.port)
            self._controller.start()

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp_sink(settings):
    """Django's email goes through real SMTP to a local sink for the test."""
    sink = SmtpSink()
    sink.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = sink.host
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield sink
    sink.stop()
