"""Every industry preset, end to end: a representative order of each industry is received,
dispatched, signed, handled, resolved and closed through the real ticket services under a
frozen clock, with the preset loaded the way an administrator loads it.

Each row of ``ROWS`` gives the order and the due instants of its milestones, worked out by
hand from the rule beside them (Asia/Shanghai wall time; 2026 holidays and 调休 make-up
days from the State Council's notice, which the test database's calendars hold):

* minutes / hours: elapsed time on the 24×7 calendar;
* working hours: the standard calendar's periods, Mon–Fri 08:30–12:00 and 13:30–17:30;
* working days: the day of receipt does not count, the limit ends at 17:30 of the n-th
  working day after it;
* calendar days: the n-th day after the start at 17:30, or the next working day's 17:30
  when that day is closed.

Then the story: milestones reached late with no sweep in between (at least one per
industry) are breached at their due instant, a sweep breaches what nobody met, every
breach urges the order (催办) while it is open, and the closure opens one investigation
notice (查办单) per department whose step was late (CMP-19)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from conftest import make_staff

from kefu.notify.models import Notification, NotificationKind
from kefu.sla import engine
from kefu.sla.models import OverdueInvestigation, TicketDeadline
from kefu.sla.services import clock_event_record, sla_preset_load
from kefu.tickets import services as tickets
from kefu.tickets.models import TicketType
from kefu.tickets.states import OPEN_STATUSES, Action, Status
from kefu.tickets.tests.conftest import catalog, new_ticket  # noqa: F401

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


@dataclass(frozen=True)
class Row:
    industry: str
    order: str  # which representative order (see ``_order``)
    policy: str  # the preset policy it must fall under
    received: datetime
    # kind → (due instant, rule): the milestones whose clock starts at acceptance
    due: dict[str, tuple[datetime | None, str]]
    # (instant, step, argument): sign, reach <kind>, event <name>, sweep, resolve, close;
    # urged: the order in progress was just urged (催办单); told: the order, resolved and
    # waiting for its return visit or reply, is no longer in progress, so its handler and
    # department head were told it is overdue instead
    story: tuple[tuple, ...]
    # kind → (due instant, rule) of the milestones whose clock starts later in the story
    due_later: dict[str, tuple[datetime, str]] = field(default_factory=dict)
    breached: dict[str, datetime] = field(default_factory=dict)  # kind → breached at
    investigated: tuple[str, ...] = ()  # departments (``org`` attributes) at the closure
    hard_due: datetime | None = None
    channel: str = "hotline"


ROWS = [
    Row(
        "heating",
        "repair",
        "heating-repair",
        at(2026, 3, 2, 10, 0),  # Monday
        due={
            "first_contact": (at(2026, 3, 2, 10, 30), "RPR-01: 30 分钟内联系用户"),
            "arrival": (at(2026, 3, 2, 12, 0), "RPR-01: 2 小时内到场"),
            "resolution": (at(2026, 3, 3, 10, 0), "RPR-01: 24 小时内处理完毕"),
            "return_visit": (None, "RPR-02: 自办结起"),
        },
        story=(
            (at(2026, 3, 2, 10, 5), "sign", None),
            (at(2026, 3, 2, 15, 0), "reach", "arrival"),  # late, no sweep since 12:00
            (None, "urged", None),
            (at(2026, 3, 2, 18, 0), "resolve", None),
            (at(2026, 3, 3, 9, 0), "close", None),
        ),
        due_later={"return_visit": (at(2026, 3, 4, 18, 0), "RPR-02: 修复后 48 小时回访")},
        breached={"arrival": at(2026, 3, 2, 12, 0)},
        investigated=("repairs",),
    ),
    Row(
        "heating",
        "repair",
        "heating-escalated",  # the channel decides before the repair policies
        at(2026, 3, 7, 21, 0),  # a Saturday evening: 24×7
        due={"reply": (at(2026, 3, 7, 22, 0), "WO-08: 上级转办事项 1 小时内回复结果")},
        story=(
            (at(2026, 3, 7, 21, 10), "sign", None),
            (at(2026, 3, 7, 22, 1), "sweep", None),
            (None, "urged", None),
            (at(2026, 3, 7, 22, 30), "reach", "reply"),
            (at(2026, 3, 7, 23, 0), "resolve", None),
            (at(2026, 3, 7, 23, 30), "close", None),
        ),
        breached={"reply": at(2026, 3, 7, 22, 0)},
        investigated=("repairs",),
        channel="superior_transfer",
    ),
    Row(
        "power",
        "emergency_repair",
        "power-emergency-repair",
        at(2026, 9, 30, 20, 0),  # the eve of the National Day holiday (1–7 October)
        due={
            "resolution": (at(2026, 10, 1, 20, 0), "anchors §4: 24 小时内恢复供电"),
            "reply": (None, "anchors §4: 自办结起"),
        },
        story=(
            (at(2026, 9, 30, 20, 10), "sign", None),
            (at(2026, 10, 2, 8, 0), "resolve", None),  # late, no sweep since 1 Oct 20:00
            (None, "told", None),
            (at(2026, 10, 8, 17, 31), "sweep", None),  # nobody replied on 8 October
            (None, "told", None),
            (at(2026, 10, 9, 9, 0), "reach", "reply"),
            (at(2026, 10, 9, 10, 0), "close", None),
        ),
        # resolved on 2 October (a holiday): 3–7 October are holidays too, so the one
        # working day after it is Thursday 8 October
        due_later={"reply": (at(2026, 10, 8, 17, 30), "anchors §4: 1 个工作日内回复工单")},
        breached={"resolution": at(2026, 10, 1, 20, 0), "reply": at(2026, 10, 8, 17, 30)},
        investigated=("repairs",),  # two late steps, one department, one notice
    ),
    Row(
        "property",
        "complaint",
        "property-complaint",
        at(2026, 2, 13, 10, 0),  # Friday before the Spring Festival (15–23 February)
        due={
            "handling_opinion": (at(2026, 2, 14, 10, 0), "CMP-33: 默认 24 小时"),
            # Saturday 14 February is a make-up working day, then 24, 25, 26, 27 February
            "resolution": (at(2026, 2, 27, 17, 30), "CMP-33: 默认 5 个工作日"),
            "return_visit": (None, "CMP-24/RV-02: 自办结起"),
        },
        story=(
            (at(2026, 2, 13, 10, 30), "sign", None),
            (at(2026, 2, 24, 9, 0), "reach", "handling_opinion"),  # late, no sweep
            (None, "urged", None),
            (at(2026, 2, 26, 15, 0), "resolve", None),
            (at(2026, 2, 26, 16, 0), "close", None),
        ),
        due_later={"return_visit": (at(2026, 2, 26, 17, 30), "CMP-24/RV-02: 办结当天回访")},
        breached={"handling_opinion": at(2026, 2, 14, 10, 0)},
        investigated=("quality",),
    ),
    Row(
        "manufacturing",
        "complaint",
        "manufacturing-complaint",
        at(2026, 4, 27, 10, 0),  # Monday before the Labour Day holiday (1–5 May)
        due={
            "report": (None, "CMP-08: 自调查结束起"),
            "handling_opinion": (None, "CMP-10: 自协商结果返回起"),
            "resolution": (at(2026, 5, 11, 17, 30), "CMP-18: 受理起 14 天"),
        },
        story=(
            (at(2026, 4, 27, 10, 30), "sign", None),
            (at(2026, 4, 28, 16, 0), "event", "investigation_finished"),
            (at(2026, 5, 7, 9, 0), "event", "result_returned"),
            (at(2026, 5, 7, 10, 0), "reach", "report"),  # late, no sweep since 6 May
            (None, "urged", None),
            (at(2026, 5, 8, 10, 0), "reach", "handling_opinion"),
            (at(2026, 5, 9, 10, 0), "resolve", None),  # Saturday 9 May, a make-up day
            (at(2026, 5, 9, 11, 0), "close", None),
        ),
        due_later={
            # 28 April + 3 days = 1 May, a holiday through 5 May: the next working day
            "report": (at(2026, 5, 6, 17, 30), "CMP-08: 调查结束后 3 天内"),
            "handling_opinion": (at(2026, 5, 8, 17, 30), "CMP-10: 1 日内综合意见"),
        },
        breached={"report": at(2026, 5, 6, 17, 30)},
        investigated=("quality",),
        hard_due=at(2026, 5, 18, 17, 30),  # CMP-18: 21 days at the most
    ),
    Row(
        "quality",
        "complaint",
        "quality-complaint",
        at(2026, 9, 24, 10, 0),  # Thursday before Mid-Autumn (25–27 September)
        due={
            # 25 September is a holiday: the next working day, Monday 28 September
            "handling_opinion": (at(2026, 9, 28, 17, 30), "CMP-24: 1 天内达成初步协议"),
            "report": (None, "CMP-24: 调查后 3 天内报告总经理"),
            # 1 October is a holiday through 7 October: Thursday 8 October
            "resolution": (at(2026, 10, 8, 17, 30), "CMP-24: 一周内处理完毕"),
            "return_visit": (None, "CMP-24: 自处理完起"),
        },
        story=(
            (at(2026, 9, 24, 10, 30), "sign", None),
            (at(2026, 9, 28, 11, 0), "event", "investigation_finished"),
            (at(2026, 9, 29, 9, 0), "reach", "handling_opinion"),  # late, no sweep
            (None, "urged", None),
            (at(2026, 9, 30, 10, 0), "reach", "report"),
            (at(2026, 9, 30, 15, 0), "resolve", None),
            (at(2026, 9, 30, 16, 0), "close", None),
        ),
        due_later={
            # 28 September + 3 days = 1 October, a holiday through 7 October
            "report": (at(2026, 10, 8, 17, 30), "CMP-24: 调查后 3 天内报告总经理"),
            "return_visit": (at(2026, 9, 30, 17, 30), "CMP-24: 处理完当天电话回访"),
        },
        breached={"handling_opinion": at(2026, 9, 28, 17, 30)},
        investigated=("quality",),
    ),
    Row(
        "telecom",
        "complaint",
        "telecom-complaint",
        at(2025, 12, 31, 16, 0),  # Wednesday before New Year (1–3 January 2026)
        due={
            # 16:00–17:30 on 31 December, then Sunday 4 January (a make-up working day)
            # 08:30–11:00: four working hours
            "first_contact": (at(2026, 1, 4, 11, 0), "§23 默认: 4 个工作小时"),
            # 4 (make-up Sunday), 5, 6, 7, 8 January
            "resolution": (at(2026, 1, 8, 17, 30), "§23 默认: 5 个工作日"),
            "return_visit": (None, "§23 默认: 自办结起"),
        },
        story=(
            (at(2026, 1, 4, 14, 0), "sign", None),  # the first contact, late, no sweep
            (None, "urged", None),
            (at(2026, 1, 8, 16, 0), "resolve", None),
            (at(2026, 1, 9, 17, 31), "sweep", None),  # nobody called back on Friday
            (None, "told", None),
            (at(2026, 1, 12, 9, 0), "close", None),
        ),
        due_later={"return_visit": (at(2026, 1, 9, 17, 30), "§23 默认: 1 个工作日回访")},
        breached={
            "first_contact": at(2026, 1, 4, 11, 0),
            "return_visit": at(2026, 1, 9, 17, 30),
        },
        investigated=("quality",),
    ),
    Row(
        "insurance",
        "claim",
        "insurance-claim",
        at(2026, 6, 18, 15, 0),  # Thursday before the Dragon Boat holiday (19–21 June)
        due={
            "arrival": (at(2026, 6, 19, 15, 0), "§23 第 11 条默认: 24 小时查勘定损"),
            # 22–26, 29, 30 June, 1, 2, 3 July
            "resolution": (at(2026, 7, 3, 17, 30), "§23 第 11 条默认: 10 个工作日"),
            "return_visit": (None, "RV-03: 自办结起"),
        },
        story=(
            (at(2026, 6, 18, 15, 30), "sign", None),
            (at(2026, 6, 20, 10, 0), "reach", "arrival"),  # late, no sweep
            (None, "urged", None),
            (at(2026, 7, 2, 10, 0), "resolve", None),
            (at(2026, 7, 6, 10, 0), "close", None),
        ),
        # 3, 6, 7 July
        due_later={"return_visit": (at(2026, 7, 7, 17, 30), "RV-03: 默认 3 个工作日回访")},
        breached={"arrival": at(2026, 6, 19, 15, 0)},
        investigated=("repairs",),
    ),
]


def _order(org, catalog, kind: str):  # noqa: F811
    """(category, handler who signs and works, head who signs for the department)."""
    types = {t.code: t for t in TicketType.objects.all()}
    if kind == "repair":
        return catalog.repair, org.handler, org.head
    if kind == "complaint":  # the complaint category's lead department is 品质部
        head = make_staff("qahead", org.quality, ["department_head"], employee_no="PZ002")
        handler = make_staff("qahandler", org.quality, ["handler"], employee_no="PZ003")
        return catalog.complaint, handler, head
    from kefu.tickets import services as catalog_services

    category = catalog_services.category_create(
        name={"emergency_repair": "故障抢修", "claim": "理赔案件"}[kind],
        code=kind,
        ticket_type=types["repair" if kind == "emergency_repair" else "service_request"],
        lead_department=org.repairs,
    )
    return category, org.handler, org.head


def deadlines(ticket) -> dict[str, TicketDeadline]:
    return {d.kind: d for d in TicketDeadline.objects.filter(ticket=ticket)}


@pytest.mark.parametrize("row", ROWS, ids=[f"{r.industry}-{r.order}-{r.channel}" for r in ROWS])
def test_industry_preset_order_end_to_end(
    row,
    org,
    catalog,  # noqa: F811
    new_ticket,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    sla_preset_load(industry=row.industry)
    category, handler, signer = _order(org, catalog, row.order)
    with time_machine.travel(row.received, tick=False):
        ticket = new_ticket(
            category=category, channel=row.channel, dispatch=True, title="预置时限核对"
        )
    ticket.refresh_from_db()
    assert ticket.sla_policy_code == row.policy

    got = deadlines(ticket)
    assert sorted(got) == sorted(row.due)
    for kind, (due, rule) in row.due.items():
        assert got[kind].due_at == due, f"{kind} ({rule})"
    if row.hard_due is not None:
        assert got["resolution"].hard_due_at == row.hard_due

    urged, last = 0, row.received
    for moment, step, arg in row.story:
        if step == "urged":
            ticket.refresh_from_db()
            assert ticket.urge_count > urged, "a breach urges the order in progress (催办)"
            assert ticket.status in OPEN_STATUSES
            urged = ticket.urge_count
            continue
        if step == "told":
            ticket.refresh_from_db()
            assert ticket.status == Status.RESOLVED and ticket.urge_count == urged
            told = Notification.objects.filter(
                kind=NotificationKind.SLA_OVERDUE, recipient=handler, created_at=last
            )
            assert any(ticket.number in n.text for n in told), "the handler is told"
            continue
        last = moment
        with (
            time_machine.travel(moment, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            if step == "sign":
                owner = {"owner": handler} if signer != handler else {}
                ticket = tickets.ticket_transition(
                    ticket=ticket, action=Action.SIGN, actor=signer, **owner
                )
            elif step == "reach":
                engine.deadline_record_reached(
                    ticket=ticket, position=deadlines(ticket)[arg].position, actor=handler
                )
            elif step == "event":
                clock_event_record(ticket=ticket, event=arg, actor=handler)
            elif step == "sweep":
                engine.sla_sweep()
            elif step == "resolve":
                ticket = tickets.ticket_transition(
                    ticket=ticket, action=Action.RESOLVE, actor=handler, resolution="已处理"
                )
            elif step == "close":
                ticket = tickets.ticket_transition(
                    ticket=ticket, action=Action.CLOSE, actor=org.agent
                )
            else:  # pragma: no cover
                raise AssertionError(step)
        ticket.refresh_from_db()

    assert ticket.status == Status.CLOSED
    got = deadlines(ticket)
    for kind, (due, rule) in row.due_later.items():
        assert got[kind].due_at == due, f"{kind} ({rule})"
    assert {k: d.breached_at for k, d in got.items() if d.breached_at} == row.breached
    # one timeline line per breach, whether a sweep or a late record found it
    assert ticket.events.filter(kind="sla_breach").count() == len(row.breached)
    assert all(d.met_at is not None for d in got.values()), "every milestone was reached"
    notices = OverdueInvestigation.objects.filter(ticket=ticket)
    assert sorted(n.department.name for n in notices) == sorted(
        getattr(org, name).name for name in row.investigated
    )
    assert all(n.opened_at == row.story[-1][0] for n in notices)
