"""Return visits after work orders: due times, the reopen-until-satisfied loop, retries,
the head's justified close, spot checks, survey links and visit plans."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from conftest import make_department, make_staff
from django.core.exceptions import PermissionDenied, ValidationError

from kefu.followups import selectors, services
from kefu.followups.models import (
    DissatisfactionReason,
    FollowupSettings,
    PlannedVisit,
    ReturnVisit,
    ReturnVisitPolicy,
    SurveyLink,
    SurveyResponse,
    VisitAttempt,
    VisitStatus,
)
from kefu.followups.rules import Verdict
from kefu.notify.models import Notification, OutboundMessage
from kefu.org.models import DepartmentKind
from kefu.tickets import services as ticket_services
from kefu.tickets.states import Action, Status

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


@pytest.fixture
def team(org):
    """A return-visit team in the customer-service centre, set in the settings."""
    team = make_department("回访组", "fo-rv", DepartmentKind.TEAM, org.front_office)
    visitor = make_staff("visitor", team, ["agent"], employee_no="HF001", full_name="王回访")
    FollowupSettings.objects.update_or_create(pk=1, defaults={"team": team})
    return visitor


def resolve(ticket, org, *, now, result="已更换水管"):
    """Dispatch, sign, start and resolve as the repairs department would."""
    ticket = ticket_services.ticket_transition(
        ticket=ticket, action=Action.DISPATCH, actor=org.agent, department=org.repairs, now=now
    )
    ticket = ticket_services.ticket_transition(
        ticket=ticket, action=Action.SIGN, actor=org.handler, now=now
    )
    return ticket_services.ticket_transition(
        ticket=ticket, action=Action.RESOLVE, actor=org.handler, resolution=result, now=now
    )


def resolve_again(ticket, org, *, now):
    ticket = ticket_services.ticket_transition(
        ticket=ticket, action=Action.START, actor=org.handler, now=now
    )
    return ticket_services.ticket_transition(
        ticket=ticket, action=Action.RESOLVE, actor=org.handler, resolution="返工完成", now=now
    )


# ---------------------------------------------------------------- due times


@time_machine.travel(at(2026, 9, 30, 10, 0), tick=False)
def test_repair_is_visited_48_hours_after_resolution_by_the_team_not_the_handler(
    org, new_ticket, team
):
    ticket = resolve(new_ticket(), org, now=at(2026, 9, 30, 10, 0))
    visit = ReturnVisit.objects.get(ticket=ticket)
    assert visit.due_at == at(2026, 10, 2, 10, 0)  # elapsed hours run through the holiday
    assert visit.assignee == team
    assert visit.handler == org.handler
    assert visit.round == 1 and visit.status == VisitStatus.PENDING


@time_machine.travel(at(2026, 9, 30, 16, 0), tick=False)
def test_complaint_is_visited_the_same_working_day(org, new_ticket, catalog, team):
    ticket = new_ticket(category=catalog.complaint, title="维修人员态度差")
    ticket = resolve(ticket, org, now=at(2026, 9, 30, 16, 0))
    visit = ReturnVisit.objects.get(ticket=ticket)
    assert visit.due_at == at(2026, 9, 30, 17, 30)  # close of business the same day


@time_machine.travel(at(2026, 9, 30, 16, 0), tick=False)
def test_a_tip_off_gets_no_return_visit_its_reporter_is_sealed(org, new_ticket, team):
    from kefu.tickets.models import TicketType

    category = ticket_services.category_create(
        name="违规收费举报",
        code="tipoff-fees",
        ticket_type=TicketType.objects.get(code="tip_off"),
        lead_department=org.repairs,
    )
    ticket = resolve(new_ticket(category=category, title="乱收费"), org, now=at(2026, 9, 30, 16, 0))
    assert ticket.status == Status.RESOLVED
    assert not ReturnVisit.objects.filter(ticket=ticket).exists()


@time_machine.travel(at(2026, 9, 30, 18, 0), tick=False)
def test_a_complaint_resolved_after_hours_before_the_holiday_is_due_after_the_holiday(
    org, new_ticket, catalog, team
):
    ticket = resolve(new_ticket(category=catalog.complaint), org, now=at(2026, 9, 30, 18, 0))
    visit = ReturnVisit.objects.get(ticket=ticket)
    # National Day 1–7 October 2026 (Saturday 10 October is a make-up working day)
    assert visit.due_at.date() == date(2026, 10, 8)


@time_machine.travel(at(2026, 11, 23, 9, 0), tick=False)
def test_category_policy_sets_working_days_and_the_first_responder(org, new_ticket, catalog, team):
    ReturnVisitPolicy.objects.create(
        category=catalog.repair,
        due_amount=2,
        due_unit="working_days",
        calendar_code="standard",
        assign_to="first_responder",
    )
    ticket = resolve(new_ticket(), org, now=at(2026, 11, 27, 15, 0))  # a Friday
    visit = ReturnVisit.objects.get(ticket=ticket)
    assert visit.due_at == at(2026, 12, 1, 17, 30)  # Monday and Tuesday count
    assert visit.assignee == org.agent


@time_machine.travel(at(2026, 11, 23, 9, 0), tick=False)
def test_without_team_the_first_responder_visits_but_never_the_handler(org, new_ticket, catalog):
    ticket = resolve(new_ticket(), org, now=at(2026, 11, 23, 9, 0))
    assert ReturnVisit.objects.get(ticket=ticket).assignee == org.agent
    own = new_ticket(actor=org.handler, title="自报自修")
    own = resolve(own, org, now=at(2026, 11, 23, 9, 0))
    assert own.owner == org.handler
    assert ReturnVisit.objects.get(ticket=own).assignee is None


# ---------------------------------------------------------------- the loop


@time_machine.travel(at(2026, 11, 23, 9, 0), tick=False)
def test_reopen_until_satisfied_two_rounds_then_satisfied(
    org, new_ticket, team, django_capture_on_commit_callbacks
):
    reason = DissatisfactionReason.objects.get(code="not_fixed")
    ticket = resolve(new_ticket(), org, now=at(2026, 11, 23, 9, 0))
    first = ReturnVisit.objects.get(ticket=ticket)

    with django_capture_on_commit_callbacks(execute=True):
        services.return_visit_record(
            visit=first,
            actor=team,
            reached=True,
            resolved=False,
            satisfaction=2,
            customer_words="水管还在漏",
            reasons=[reason],
            now=at(2026, 11, 23, 10, 0),
        )
    ticket.refresh_from_db()
    first.refresh_from_db()
    assert ticket.status == Status.REOPENED
    assert ticket.owner == org.handler and ticket.department == org.repairs
    assert ticket.reopen_count == 1
    assert first.verdict == Verdict.DISSATISFIED and list(first.reasons.all()) == [reason]
    assert "水管还在漏" in ticket.events.get(action=Action.REOPEN).note
    assert first.escalated_to.startswith("维修部")
    assert Notification.objects.filter(recipient=org.head, text__contains="水管还在漏").exists()

    ticket = resolve_again(ticket, org, now=at(2026, 11, 23, 15, 0))
    second = ReturnVisit.objects.get(ticket=ticket, status=VisitStatus.PENDING)
    assert second.round == 2
    with django_capture_on_commit_callbacks(execute=True):
        services.return_visit_record(
            visit=second,
            actor=team,
            reached=True,
            resolved=True,
            satisfaction=1,
            customer_words="墙面被弄脏了",
            now=at(2026, 11, 24, 10, 0),
        )
    second.refresh_from_db()
    ticket.refresh_from_db()
    assert ticket.status == Status.REOPENED and ticket.reopen_count == 2
    # the second round goes one level up: past the company (no head there) to the GM
    assert second.escalated_to == "总经理：gm（HQ001）"
    assert Notification.objects.filter(recipient=org.gm, text__contains="墙面").exists()

    ticket = resolve_again(ticket, org, now=at(2026, 11, 24, 16, 0))
    third = ReturnVisit.objects.get(ticket=ticket, status=VisitStatus.PENDING)
    services.return_visit_record(
        visit=third,
        actor=team,
        reached=True,
        resolved=True,
        satisfaction=5,
        now=at(2026, 11, 25, 9, 0),
    )
    ticket.refresh_from_db()
    assert third.round == 3 and ticket.status == Status.CLOSED
    rows = selectors.satisfaction_figures(org.gm, group="department")
    assert [(r.key, r.reached, r.satisfied, r.dissatisfied) for r in rows] == [("维修部", 3, 1, 2)]
    assert rows[0].satisfaction_rate == 33.3 and rows[0].rehandle_rate == 66.7


@time_machine.travel(at(2026, 11, 23, 9, 0), tick=False)
def test_neutral_answer_closes_but_does_not_count_as_satisfied(org, new_ticket, team):
    ticket = resolve(new_ticket(), org, now=at(2026, 11, 23, 9, 0))
    visit = ReturnVisit.objects.get(ticket=ticket)
    services.return_visit_record(
        visit=visit, actor=team, reached=True, resolved=True, satisfaction=3
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    [row] = selectors.satisfaction_figures(org.gm)
    assert (row.reached, row.satisfied, row.satisfaction_rate) == (1, 0, 0.0)


# ---------------------------------------------------------------- retries


@time_machine.travel(at(2026, 11, 23, 9, 0), tick=False)
def test_unreachable_after_three_attempts_over_two_working_days(org, new_ticket, team):
    ticket = resolve(new_ticket(), org, now=at(2026, 11, 20, 16, 0))  # Friday
    visit = ReturnVisit.objects.get(ticket=ticket)
    visit = services.return_visit_attempt(
        visit=visit, actor=team, outcome="no_answer", now=at(2026, 11, 23, 9, 0)
    )
    assert visit.status == VisitStatus.PENDING
    # two working days from Monday: the window closes Wednesday 17:30
    assert at(2026, 11, 23, 9, 0) < visit.next_attempt_at <= at(2026, 11, 25, 17, 30)
    visit = services.return_visit_attempt(
        visit=visit, actor=team, outcome="wrong_number", now=visit.next_attempt_at
    )
    assert visit.status == VisitStatus.PENDING
    visit = services.return_visit_attempt(
        visit=visit, actor=team, outcome="refused", note="挂断", now=visit.next_attempt_at
    )
    ticket.refresh_from_db()
    assert visit.status == VisitStatus.UNREACHABLE and visit.reached is False
    assert visit.attempts.count() == 3
    assert ticket.status == Status.CLOSED
    assert "3" in ticket.events.get(action=Action.CLOSE).note
    [row] = selectors.satisfaction_figures(org.gm)
    assert (row.visits, row.unreachable, row.unreachable_rate, row.satisfaction_rate) == (
        1,
        1,
        100.0,
        None,
    )


# ---------------------------------------------------------------- the head's close


@time_machine.travel(at(2026, 11, 23, 9, 0), tick=False)
def test_head_closes_with_justification_and_it_shows_in_the_report(org, new_ticket, team):
    ticket = resolve(new_ticket(), org, now=at(2026, 11, 23, 9, 0))
    first = ReturnVisit.objects.get(ticket=ticket)
    services.return_visit_record(
        visit=first,
        actor=team,
        reached=True,
        resolved=False,
        satisfaction=1,
        customer_words="要求赔偿全部损失",
    )
    ticket = resolve_again(ticket, org, now=at(2026, 11, 23, 15, 0))
    second = ReturnVisit.objects.get(ticket=ticket, status=VisitStatus.PENDING)

    with pytest.raises(PermissionDenied):
        services.return_visit_close_dissatisfied(
            visit=second, actor=team, justification="客户诉求超出合同范围，已书面答复"
        )
    with pytest.raises(ValidationError) as refused:
        services.return_visit_close_dissatisfied(visit=second, actor=org.head, justification="不行")
    assert "10" in refused.value.message_dict["justification"][0]
    second.refresh_from_db()
    assert second.status == VisitStatus.PENDING

    services.return_visit_close_dissatisfied(
        visit=second, actor=org.head, justification="客户诉求超出合同范围，已书面答复并报备"
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert "客户诉求超出合同范围" in ticket.events.get(action=Action.CLOSE).note
    [row] = selectors.satisfaction_figures(org.gm)
    assert row.closed_dissatisfied == 1
    [closed] = selectors.closed_dissatisfied(org.gm)
    assert closed.completed_by == org.head


@time_machine.travel(at(2026, 11, 23, 9, 0), tick=False)
def test_head_cannot_close_before_the_customer_said_anything(org, new_ticket, team):
    ticket = resolve(new_ticket(), org, now=at(2026, 11, 23, 9, 0))
    visit = ReturnVisit.objects.get(ticket=ticket)
    with pytest.raises(ValidationError):
        services.return_visit_close_dissatisfied(
            visit=visit, actor=org.head, justification="客户诉求超出合同范围，已书面答复并报备"
        )


# ---------------------------------------------------------------- bad input


@time_machine.travel(at(2026, 11, 23, 9, 0), tick=False)
@pytest.mark.parametrize(
    ("fields", "field"),
    [
        pytest.param(
            {"reached": None, "resolved": True, "satisfaction": 4}, "reached", id="no-outcome"
        ),
        pytest.param(
            {"reached": False, "resolved": True, "satisfaction": 4}, "reached", id="unreached"
        ),
        pytest.param(
            {"reached": True, "resolved": True, "satisfaction": 6}, "satisfaction", id="6"
        ),
        pytest.param(
            {"reached": True, "resolved": True, "satisfaction": 0}, "satisfaction", id="0"
        ),
        pytest.param(
            {"reached": True, "resolved": None, "satisfaction": 4}, "resolved", id="resolved"
        ),
        pytest.param(
            {"reached": True, "resolved": False, "satisfaction": 2}, "customer_words", id="words"
        ),
    ],
)
def test_bad_results_are_refused_and_nothing_is_stored(
    org, new_ticket, team, fields, field, caplog
):
    ticket = resolve(new_ticket(), org, now=at(2026, 11, 23, 9, 0))
    visit = ReturnVisit.objects.get(ticket=ticket)
    with pytest.raises(ValidationError) as refused:
        services.return_visit_record(visit=visit, actor=team, **fields)
    assert field in refused.value.message_dict
    visit.refresh_from_db()
    ticket.refresh_from_db()
    assert visit.status == VisitStatus.PENDING and visit.satisfaction is None
    assert VisitAttempt.objects.count() == 0
    assert ticket.status == Status.RESOLVED
    assert "refused" in caplog.text


@time_machine.travel(at(2026, 11, 23, 9, 0), tick=False)
def test_the_handler_may_not_visit_their_own_work(org, new_ticket, team):
    ticket = resolve(new_ticket(), org, now=at(2026, 11, 23, 9, 0))
    visit = ReturnVisit.objects.get(ticket=ticket)
    with pytest.raises(PermissionDenied):
        services.return_visit_record(
            visit=visit, actor=org.handler, reached=True, resolved=True, satisfaction=5
        )
    with pytest.raises(PermissionDenied):
        services.return_visit_attempt(visit=visit, actor=org.handler, outcome="no_answer")


@time_machine.travel(at(2026, 11, 23, 9, 0), tick=False)
def test_closing_by_hand_ends_the_pending_visit_visibly(org, new_ticket, team):
    ticket = resolve(new_ticket(), org, now=at(2026, 11, 23, 9, 0))
    ticket_services.ticket_transition(ticket=ticket, action=Action.CLOSE, actor=org.agent)
    visit = ReturnVisit.objects.get(ticket=ticket)
    assert visit.status == VisitStatus.CANCELLED
    assert "李坐席" in visit.note


# ---------------------------------------------------------------- survey links


@pytest.fixture
def linked(org, new_ticket, team):
    with time_machine.travel(at(2026, 11, 23, 9, 0), tick=False):
        ticket = resolve(new_ticket(), org, now=at(2026, 11, 23, 9, 0))
        visit = ReturnVisit.objects.get(ticket=ticket)
        return services.survey_link_send(visit=visit, actor=team, base_url="https://kefu.test/")


def answers_for(link, *, score="5", solved="已解决", nps="9", words=""):
    questions = {q.feeds or q.kind: q.pk for q in link.questionnaire.questions.all()}
    return {
        f"q{questions['satisfaction']}": score,
        f"q{questions['resolved']}": solved,
        f"q{questions['nps']}": nps,
        f"q{questions['words']}": words,
    }


def test_survey_link_is_sent_by_sms_and_answering_closes_the_order(linked):
    token = services.link_token(linked)
    message = OutboundMessage.objects.get(template_code="return_visit_survey")
    assert f"https://kefu.test/followups/s/{token}/" in message.text
    assert message.to == "13812345678"
    with time_machine.travel(at(2026, 11, 24, 20, 0), tick=False):
        services.survey_answer(token=token, answers=answers_for(linked))
    visit = linked.visit
    visit.refresh_from_db()
    assert visit.status == VisitStatus.DONE and visit.channel == "sms_link"
    assert visit.satisfaction == 5 and visit.verdict == Verdict.SATISFIED
    assert visit.ticket.status == Status.CLOSED
    assert SurveyResponse.objects.get().nps == 9


def test_survey_link_single_use(linked):
    token = services.link_token(linked)
    with time_machine.travel(at(2026, 11, 24, 20, 0), tick=False):
        services.survey_answer(token=token, answers=answers_for(linked))
        with pytest.raises(ValidationError) as refused:
            services.survey_answer(token=token, answers=answers_for(linked, score="1"))
    assert refused.value.message_dict == {"token": ["该调查已提交过，感谢您的参与！"]}
    assert SurveyResponse.objects.count() == 1


def test_survey_link_expires_after_seven_days(linked):
    token = services.link_token(linked)
    with time_machine.travel(at(2026, 11, 30, 9, 1), tick=False), pytest.raises(ValidationError):
        services.survey_answer(token=token, answers=answers_for(linked))
    assert SurveyResponse.objects.count() == 0
    linked.refresh_from_db()
    assert linked.used_at is None


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), id="signature"),
        pytest.param(lambda t: "x" + t, id="key"),
        pytest.param(lambda t: t.split(":")[0], id="unsigned"),
    ],
)
def test_tampered_survey_link_is_refused(linked, mangle):
    token = mangle(services.link_token(linked))
    with time_machine.travel(at(2026, 11, 24, 9, 0), tick=False), pytest.raises(ValidationError):
        services.survey_answer(token=token, answers=answers_for(linked))
    assert SurveyResponse.objects.count() == 0


def test_survey_answer_outside_the_scale_is_refused(linked):
    token = services.link_token(linked)
    with (
        time_machine.travel(at(2026, 11, 24, 9, 0), tick=False),
        pytest.raises(ValidationError) as refused,
    ):
        services.survey_answer(token=token, answers=answers_for(linked, score="7", nps="11"))
    assert len(refused.value.message_dict) == 2
    linked.refresh_from_db()
    assert linked.used_at is None and SurveyResponse.objects.count() == 0


def test_unsatisfied_answer_by_link_reopens_with_the_customer_words(linked):
    token = services.link_token(linked)
    with time_machine.travel(at(2026, 11, 24, 9, 0), tick=False):
        services.survey_answer(
            token=token, answers=answers_for(linked, score="2", solved="未解决", words="还在滴水")
        )
    ticket = linked.visit.ticket
    ticket.refresh_from_db()
    assert ticket.status == Status.REOPENED
    assert "还在滴水" in ticket.events.get(action=Action.REOPEN).note


# ---------------------------------------------------------------- spot checks


def test_spot_check_samples_ten_percent_of_the_week_and_records_the_seed(org, new_ticket, team):
    closed = []
    with time_machine.travel(at(2026, 11, 23, 9, 0), tick=False):
        for index in range(12):
            ticket = resolve(new_ticket(title=f"报修{index}"), org, now=at(2026, 11, 23, 9, 0))
            visit = ReturnVisit.objects.get(ticket=ticket)
            services.return_visit_record(
                visit=visit, actor=team, reached=True, resolved=True, satisfaction=5
            )
            closed.append(ticket.pk)
    with time_machine.travel(at(2026, 11, 30, 9, 0), tick=False):
        with pytest.raises(PermissionDenied):
            services.spot_check_draw(actor=org.handler, week_of=date(2026, 11, 23))
        check = services.spot_check_draw(actor=org.head, week_of=date(2026, 11, 25), seed=7)
    assert (check.week_start, check.population, check.sampled, check.seed) == (
        date(2026, 11, 23),
        12,
        2,
        7,
    )
    from kefu.followups.rules import sample

    assert check.ticket_ids == sample(closed, percent=10, seed=7)
    assert set(check.visits.values_list("ticket_id", flat=True)) == set(check.ticket_ids)
    assert all(v.kind == "spot_check" for v in check.visits.all())


# ---------------------------------------------------------------- visit plans


def test_plan_generator_monthly_in_the_first_year_then_quarterly(org, customer_a):
    with time_machine.travel(at(2026, 5, 1, 9, 0), tick=False):
        plan = services.plan_create(
            customer=customer_a,
            name="锦城花园二期",
            delivered_on=date(2025, 1, 15),
            actor=org.account_manager,
        )
    dates = list(
        PlannedVisit.objects.filter(plan=plan).order_by("due_on").values_list("due_on", flat=True)
    )
    monthly = [date(2025, m, 15) for m in range(2, 13)] + [date(2026, 1, 15)]
    assert dates == [*monthly, date(2026, 4, 15)]  # the horizon (60 days) ends at 30 June
    with time_machine.travel(at(2026, 6, 20, 9, 0), tick=False):
        counts = services.plans_generate(today=date(2026, 6, 20))
    assert PlannedVisit.objects.filter(plan=plan, due_on=date(2026, 7, 15)).exists()
    again = services.plans_generate(today=date(2026, 6, 20))
    assert again["planned"] == 0 and counts["planned"] == 1  # the visit of 15 July
    # missed visits are gaps on the customer's file
    file = selectors.customer_file(org.gm, customer_a, today=date(2026, 6, 20))
    assert file["gaps"] == 13


def test_birthday_and_new_year_visits(org, customer_a):
    services.plans_generate(today=date(2026, 11, 23), horizon_days=40)
    titles = set(PlannedVisit.objects.values_list("title", "due_on"))
    assert ("新年问候及来年需求调查", date(2026, 12, 1)) in titles
    assert ("生日问候：赵总", date(2026, 12, 12)) in titles


def test_planned_visit_done_needs_the_customer_words(org, customer_a):
    services.plans_generate(today=date(2026, 11, 23), horizon_days=40)
    visit = PlannedVisit.objects.get(rule__code="new-year-a")
    with pytest.raises(ValidationError):
        services.planned_visit_done(visit=visit, actor=org.account_manager, note=" ")
    services.planned_visit_done(
        visit=visit, actor=org.account_manager, note="明年计划扩建厂房", satisfaction=5
    )
    visit.refresh_from_db()
    assert visit.status == "done" and not visit.is_overdue(date(2027, 1, 1))


def test_survey_link_needs_a_mobile_number(org, new_ticket, team):
    with time_machine.travel(at(2026, 11, 23, 9, 0), tick=False):
        ticket = resolve(new_ticket(contact_phone="028-12345678"), org, now=at(2026, 11, 23, 9, 0))
        visit = ReturnVisit.objects.get(ticket=ticket)
        with pytest.raises(ValidationError) as refused:
            services.survey_link_send(visit=visit, actor=team, base_url="https://kefu.test/")
    assert "phone" in refused.value.message_dict
    assert SurveyLink.objects.count() == 0


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [
        pytest.param(
            "/followups/planned/?list=overdue", "/followups/planned/?list=overdue", id="own-page"
        ),
        pytest.param("https://evil.example/", "/followups/planned/", id="other-site"),
        pytest.param("//evil.example/", "/followups/planned/", id="scheme-relative"),
    ],
)
def test_planned_visit_done_on_the_page_returns_only_to_our_own_pages(
    org, customer_a, client_as, next_url, lands_on
):
    services.plans_generate(today=date(2026, 11, 23), horizon_days=40)
    visit = PlannedVisit.objects.get(rule__code="new-year-a")
    response = client_as(org.account_manager).post(
        f"/followups/planned/{visit.pk}/done/", {"note": "明年计划扩建厂房", "next": next_url}
    )
    assert (response.status_code, response["Location"]) == (302, lands_on)
    visit.refresh_from_db()
    assert visit.status == "done"
