"""Customer services: creating files, bad input, duplicates, account-manager changes,
first-contact and data-entry deadlines (with frozen time), grading."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from kefu.customers import selectors, services
from kefu.customers.models import (
    ChangeStatus,
    Contact,
    Customer,
    CustomerKey,
    GradeRecord,
    InfoFile,
    ManagerChange,
    ServiceAccount,
)
from kefu.customers.tests.conftest import new_customer

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def snapshot():
    return (
        Customer.objects.count(),
        Contact.objects.count(),
        ServiceAccount.objects.count(),
        CustomerKey.objects.count(),
        ManagerChange.objects.count(),
    )


def test_a_new_customer_belongs_to_its_managers_department_and_can_be_found_by_every_key(
    org, customer
):
    assert customer.department == org.managers_team
    assert customer.code.startswith("KH") and len(customer.code) == 10
    keys = set(CustomerKey.objects.filter(customer=customer).values_list("kind", "value"))
    assert keys == {
        ("code", customer.code),
        ("name", "成都锦城物业有限公司"),
        ("id_number", "91350100M000100Y43"),
        ("contact", "王主任"),
        ("contact", "李会计"),
        ("phone", "13812345678"),
        ("phone", "02887654321"),
        ("account", "DL0012345678"),
    }
    first = customer.manager_changes.get()
    assert (first.kind, first.status, first.to_manager) == ("initial", "final", org.account_manager)


def test_customer_numbers_are_consecutive(org):
    first, second = new_customer(org.account_manager), new_customer(org.account_manager)
    assert int(second.code[2:]) == int(first.code[2:]) + 1


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        pytest.param(
            {"contacts": [services.ContactData(name="张三", mobile="1380013800")]},
            "contact_mobile",
            "手机",
            id="invalid-mobile",
        ),
        pytest.param(
            {"contacts": [services.ContactData(name="张三", phone="87654321")]},
            "contact_phone",
            "固定电话",
            id="landline-without-area-code",
        ),
        pytest.param(
            {"id_type": "resident_id", "id_number": "440304199003074511"},
            "id_number",
            "校验",
            id="id-number-checksum",
        ),
        pytest.param(
            {"id_type": "resident_id", "id_number": "4403041990030745"},
            "id_number",
            "18",
            id="id-number-length",
        ),
        pytest.param(
            {"id_type": "credit_code", "id_number": "91350100M000100Y44"},
            "id_number",
            "统一社会信用代码",
            id="credit-code",
        ),
        pytest.param({"grade": "D"}, "grade", "客户等级", id="grade-outside-the-list"),
        pytest.param(
            {"grade": "A", "service_tier": "platinum"}, "service_tier", "服务等级", id="bad-tier"
        ),
        pytest.param(
            {"accounts": [services.AccountData(number="DL0012345678")]},
            "account_number",
            "已属于客户",
            id="duplicate-account-number",
        ),
        pytest.param(
            {"accounts": [services.AccountData(number="X1"), services.AccountData(number="x1")]},
            "account1_number",
            "重复",
            id="account-number-twice-in-one-file",
        ),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(org, customer, fields, field, message):
    before = snapshot()
    with pytest.raises(ValidationError) as caught:
        new_customer(org.account_manager, **fields)
    assert field in caught.value.message_dict
    assert message in " ".join(caught.value.message_dict[field])
    assert snapshot() == before


def test_unknown_manager_is_refused(org):
    before = snapshot()
    with pytest.raises(ValidationError) as caught:
        new_customer(org.agent, actor=org.cm_supervisor)
    assert "客户经理" in caught.value.message_dict["account_manager"][0]
    assert snapshot() == before


def test_new_grade_is_temporary_and_evaluated_after_six_months(org):
    with time_machine.travel(datetime(2026, 5, 10, 10, 0, tzinfo=SH), tick=False):
        customer = new_customer(org.account_manager, grade="B", service_tier="standard")
    assert (customer.grade, customer.service_tier, customer.grade_is_temporary) == (
        "B",
        "standard",
        True,
    )
    assert customer.grade_due_on == date(2026, 11, 10)
    record = customer.grade_records.get()
    assert (record.kind, record.due_on) == ("temporary", date(2026, 11, 10))


# ---------------------------------------------------------------- duplicates (ARC-04)


def test_the_earlier_record_owns_a_customer_recorded_twice(org, second_manager):
    first = new_customer(
        org.account_manager, name="赵六", id_type="resident_id", id_number="440304199003074510"
    )
    later = new_customer(
        second_manager, name="赵六", id_type="resident_id", id_number="440304199003074510"
    )
    assert later.duplicate_of == first
    assert later.first_contact_due_at is None
    first.refresh_from_db()
    assert first.duplicate_of is None and first.account_manager == org.account_manager
    assert list(Customer.objects.active().filter(name="赵六")) == [first]


def test_same_name_and_phone_is_the_same_customer_but_same_name_alone_is_not(org, second_manager):
    phone = [services.ContactData(name="孙七", is_key=True, mobile="13700001234")]
    first = new_customer(org.account_manager, name="孙七", contacts=phone)
    same = new_customer(
        second_manager,
        name="孙七",
        contacts=[services.ContactData(name="孙七", mobile="137-0000-1234")],
    )
    namesake = new_customer(second_manager, name="孙七")
    assert same.duplicate_of == first
    assert namesake.duplicate_of is None


def test_supervisor_overrides_duplicate_ownership(org, second_manager):
    first = new_customer(
        org.account_manager, name="周八", id_type="resident_id", id_number="11010519491231002X"
    )
    later = new_customer(
        second_manager, name="周八", id_type="resident_id", id_number="11010519491231002X"
    )
    services.duplicate_override(duplicate=later, actor=org.cm_supervisor, reason="客户指定钱经理")
    first.refresh_from_db()
    later.refresh_from_db()
    assert later.duplicate_of is None and first.duplicate_of == later
    change = later.manager_changes.get(kind="duplicate")
    assert (change.from_manager, change.to_manager) == (org.account_manager, second_manager)

    services.duplicate_unlink(customer=first, actor=org.cm_supervisor, reason="同名不同人")
    first.refresh_from_db()
    assert first.duplicate_of is None


def test_override_needs_a_reason_and_a_duplicate(org, customer):
    with pytest.raises(ValidationError, match="不是重复"):
        services.duplicate_override(duplicate=customer, actor=org.cm_supervisor, reason="x")


# ---------------------------------------------------------------- manager changes (MGR-13)


def test_a_reassignment_is_final_only_after_the_key_contact_is_notified(
    org, customer, second_manager
):
    change = services.manager_change_request(
        customer=customer, to_manager=second_manager, actor=org.cm_supervisor, reason="调整分工"
    )
    customer.refresh_from_db()
    assert change.status == ChangeStatus.PENDING
    assert customer.account_manager == org.account_manager
    assert change.notice_contact.name == "王主任"
    assert "钱经理" in change.notice_text and "13900001111" in change.notice_text

    with pytest.raises(ValidationError):
        services.manager_change_request(
            customer=customer, to_manager=second_manager, actor=org.cm_supervisor, reason="再次"
        )

    services.manager_change_confirm_notice(
        change=change, actor=org.cm_supervisor, channel="sms", note="短信已发送"
    )
    customer.refresh_from_db()
    change.refresh_from_db()
    assert customer.account_manager == second_manager
    assert (change.status, change.notice_channel, change.notified_by) == (
        "final",
        "sms",
        org.cm_supervisor,
    )
    assert [c.kind for c in customer.manager_changes.order_by("id")] == [
        "initial",
        "reassignment",
    ]


def test_a_customer_without_key_contact_is_reassigned_at_once(org, second_manager):
    customer = new_customer(org.account_manager, contacts=[])
    change = services.manager_change_request(
        customer=customer, to_manager=second_manager, actor=org.cm_supervisor, reason="首次联系超期"
    )
    customer.refresh_from_db()
    assert (change.status, change.notice_channel) == ("final", "none")
    assert customer.account_manager == second_manager


def test_a_cancelled_change_leaves_the_manager(org, customer, second_manager):
    change = services.manager_change_request(
        customer=customer, to_manager=second_manager, actor=org.cm_supervisor, reason="调整"
    )
    services.manager_change_cancel(change=change, actor=org.cm_supervisor)
    customer.refresh_from_db()
    assert customer.account_manager == org.account_manager
    with pytest.raises(ValidationError):
        services.manager_change_confirm_notice(
            change=change, actor=org.cm_supervisor, channel="sms"
        )
    customer.refresh_from_db()
    assert customer.account_manager == org.account_manager


def test_suggestion_favours_the_manager_with_the_fewest_customers(org, second_manager):
    for _ in range(2):
        new_customer(org.account_manager)
    new_customer(second_manager)
    assert services.manager_suggest(department=org.managers_team) == second_manager
    new_customer(second_manager)
    new_customer(second_manager)
    assert services.manager_suggest(department=org.managers_team) == org.account_manager


# ---------------------------------------------------------------- first contact (ARC-06)


def test_a_lead_without_contact_for_seven_days_shows_on_the_supervisors_list(org):
    start = datetime(2026, 3, 2, 9, 0, tzinfo=SH)
    with time_machine.travel(start, tick=False):
        lead = new_customer(org.account_manager, name="新线索")
        contacted = new_customer(org.account_manager, name="已联系")
    with time_machine.travel(start + timedelta(days=3), tick=False):
        services.interaction_record(
            customer=contacted, staff=org.account_manager, channel="phone", summary="首次电话沟通"
        )
    with time_machine.travel(start + timedelta(days=7), tick=False):
        assert selectors.supervisor_board(org.cm_supervisor)["reassignable"] == []
    with time_machine.travel(start + timedelta(days=7, minutes=1), tick=False):
        board = selectors.supervisor_board(org.cm_supervisor)
        assert board["reassignable"] == [lead]
        assert lead.is_reassignable(timezone.now())
        # the account manager's own board (their scope) shows it too; the agent's does not
        assert selectors.supervisor_board(org.account_manager)["reassignable"] == [lead]
        assert selectors.supervisor_board(org.agent)["reassignable"] == []
        services.interaction_record(
            customer=lead, staff=org.account_manager, channel="visit", summary="上门拜访"
        )
        assert selectors.supervisor_board(org.cm_supervisor)["reassignable"] == []


def test_a_reassigned_lead_gets_a_new_week(org, second_manager):
    start = datetime(2026, 3, 2, 9, 0, tzinfo=SH)
    with time_machine.travel(start, tick=False):
        lead = new_customer(org.account_manager, contacts=[])
    with time_machine.travel(start + timedelta(days=8), tick=False):
        services.manager_change_request(
            customer=lead, to_manager=second_manager, actor=org.cm_supervisor, reason="一周未联系"
        )
        lead.refresh_from_db()
        assert lead.first_contact_due_at == timezone.now() + timedelta(days=7)
        assert selectors.supervisor_board(org.cm_supervisor)["reassignable"] == []


# ---------------------------------------------------------------- data entry (ARC-01)


def test_a_file_not_entered_within_two_working_days_is_overdue(org):
    thursday = datetime(2026, 3, 5, 16, 0, tzinfo=SH)
    with time_machine.travel(thursday, tick=False):
        info = services.info_file_register(
            actor=org.account_manager, customer_name="纸质登记客户", captured_at=thursday
        )
    # Friday and Monday are the two working days: due Monday 17:30
    assert info.entry_due_at == datetime(2026, 3, 9, 17, 30, tzinfo=SH)
    with time_machine.travel(datetime(2026, 3, 9, 17, 30, tzinfo=SH), tick=False):
        assert selectors.supervisor_board(org.cm_supervisor)["overdue_entries"] == []
    with time_machine.travel(datetime(2026, 3, 9, 17, 31, tzinfo=SH), tick=False):
        assert selectors.supervisor_board(org.cm_supervisor)["overdue_entries"] == [info]
        assert selectors.supervisor_board(org.agent)["overdue_entries"] == []
    with time_machine.travel(datetime(2026, 3, 10, 9, 0, tzinfo=SH), tick=False):
        customer = new_customer(org.account_manager, name="纸质登记客户", info_file=info)
        board = selectors.supervisor_board(org.cm_supervisor)
        assert board["overdue_entries"] == []
        assert board["late_entries"] == [InfoFile.objects.get(customer=customer)]


def test_entry_days_skip_statutory_holidays_and_count_make_up_days(org):
    # captured the day before the National Day week: 1–7 October are holidays
    captured = datetime(2026, 9, 30, 10, 0, tzinfo=SH)
    with time_machine.travel(captured, tick=False):
        info = services.info_file_register(
            actor=org.account_manager, customer_name="节前采集客户", captured_at=captured
        )
    assert info.entry_due_at == datetime(2026, 10, 9, 17, 30, tzinfo=SH)
    with time_machine.travel(datetime(2026, 10, 7, 23, 0, tzinfo=SH), tick=False):
        assert selectors.supervisor_board(org.cm_supervisor)["overdue_entries"] == []
    with time_machine.travel(datetime(2026, 10, 9, 17, 31, tzinfo=SH), tick=False):
        assert selectors.supervisor_board(org.cm_supervisor)["overdue_entries"] == [info]


def test_a_local_holiday_an_administrator_adds_to_the_calendar_extends_the_entry_time(org):
    from kefu.calendars import services as calendar_services
    from kefu.calendars.models import WorkCalendar

    calendar_services.calendar_day_add(
        calendar=WorkCalendar.objects.get(code="standard"),
        date=date(2026, 10, 9),
        kind="holiday",
        name="本地公休",
    )
    captured = datetime(2026, 9, 30, 10, 0, tzinfo=SH)
    with time_machine.travel(captured, tick=False):
        info = services.info_file_register(
            actor=org.account_manager, customer_name="节前采集客户", captured_at=captured
        )
    # 8 October, then Saturday 10 October, a 调休 make-up working day
    assert info.entry_due_at == datetime(2026, 10, 10, 17, 30, tzinfo=SH)


def test_a_file_entered_in_time_is_not_late(org):
    captured = datetime(2026, 3, 2, 10, 0, tzinfo=SH)
    with time_machine.travel(datetime(2026, 3, 3, 10, 0, tzinfo=SH), tick=False):
        customer = new_customer(org.account_manager, captured_at=captured)
        info = customer.info_file
        assert info.entry_due_at == datetime(2026, 3, 4, 17, 30, tzinfo=SH)
        assert not info.is_late(timezone.now())
        assert selectors.supervisor_board(org.cm_supervisor)["late_entries"] == []


# ---------------------------------------------------------------- grading (GRD-03/04)


def test_annual_grading_round(org, customer, second_manager):
    other = new_customer(second_manager)
    with time_machine.travel(datetime(2026, 3, 20, 10, 0, tzinfo=SH), tick=False):
        grading = services.grading_round_open(
            department=org.marketing, year=2026, actor=org.cm_supervisor
        )
        assert (grading.window_start, grading.window_end) == (date(2026, 3, 25), date(2026, 3, 30))
        with pytest.raises(ValidationError, match="2026-03-25"):
            services.grade_propose(
                grading_round=grading, customer=customer, grade="A", actor=org.account_manager
            )
    with time_machine.travel(datetime(2026, 3, 26, 10, 0, tzinfo=SH), tick=False):
        with pytest.raises(ValidationError) as caught:
            services.grade_propose(
                grading_round=grading, customer=other, grade="A", actor=org.account_manager
            )
        assert "customer" in caught.value.message_dict
        with pytest.raises(ValidationError) as caught:
            services.grade_propose(
                grading_round=grading, customer=customer, grade="S", actor=org.account_manager
            )
        assert "grade" in caught.value.message_dict
        services.grade_propose(
            grading_round=grading,
            customer=customer,
            grade="A",
            service_tier="key",
            credit_rating="AA",
            actor=org.account_manager,
        )
        services.grade_propose(
            grading_round=grading, customer=other, grade="C", actor=second_manager
        )
    with time_machine.travel(datetime(2026, 4, 1, 10, 0, tzinfo=SH), tick=False):
        graded = services.grading_round_close(
            grading_round=grading,
            actor=org.cm_supervisor,
            meeting_on=date(2026, 3, 31),
            notes="评审会议：A类客户名单确认",
            decisions={other.pk: services.Decision("B")},
        )
    assert graded == 2
    customer.refresh_from_db()
    other.refresh_from_db()
    assert (customer.grade, customer.service_tier, customer.credit_rating) == ("A", "key", "AA")
    assert (other.grade, other.grade_is_temporary) == ("B", False)
    assert customer.grade_due_on == date(2027, 3, 30)
    assert GradeRecord.objects.filter(round=grading).count() == 2
    with pytest.raises(ValidationError):
        services.grade_propose(
            grading_round=grading, customer=customer, grade="C", actor=org.account_manager
        )


def test_the_meetings_regrade_made_on_the_file_survives_the_close(org, customer):
    """The round page tells the supervisor to change a grade with "Decide grade" before
    closing when the meeting decided otherwise: closing must not undo it."""
    with time_machine.travel(datetime(2026, 3, 26, 10, 0, tzinfo=SH), tick=False):
        grading = services.grading_round_open(
            department=org.marketing, year=2026, actor=org.cm_supervisor
        )
        services.grade_propose(
            grading_round=grading, customer=customer, grade="B", actor=org.account_manager
        )
    with time_machine.travel(datetime(2026, 3, 30, 15, 0, tzinfo=SH), tick=False):
        services.grade_adjust(
            customer=customer, actor=org.cm_supervisor, grade="A", reason="评审会调为A类"
        )
        services.grading_round_close(
            grading_round=grading,
            actor=org.cm_supervisor,
            meeting_on=date(2026, 3, 30),
            notes="评审会",
        )
    customer.refresh_from_db()
    assert customer.grade == "A"
    assert GradeRecord.objects.get(round=grading).grade == "A"


def test_grade_adjustment_by_supervisor_only(org, customer):
    with pytest.raises(ValidationError):
        services.grade_adjust(
            customer=customer, actor=org.account_manager, grade="A", reason="满六个月评估"
        )
    customer.refresh_from_db()
    assert customer.grade == ""
    services.grade_adjust(customer=customer, actor=org.cm_supervisor, grade="A", reason="满六个月")
    customer.refresh_from_db()
    assert (customer.grade, customer.grade_is_temporary) == ("A", False)


def test_policy_preset_changes_the_grade_list(org, customer):
    services.policy_apply_preset(preset="telecom")
    assert services.current_policy().tier_codes == ("diamond", "gold", "silver", "basic")
    with pytest.raises(ValidationError):
        services.grade_adjust(
            customer=customer, actor=org.cm_supervisor, grade="A", service_tier="key", reason="x"
        )
    services.grade_adjust(
        customer=customer, actor=org.cm_supervisor, grade="A", service_tier="diamond", reason="x"
    )
    customer.refresh_from_db()
    assert customer.service_tier == "diamond"


# ---------------------------------------------------------------- lookup scope


def test_two_characters_inside_a_name_find_only_customers_in_the_managers_scope(org, customer):
    from conftest import make_staff

    outside = make_staff(
        "cm-rep", org.repairs_team, ["customer_manager"], employee_no="WX009", full_name="外部经理"
    )
    new_customer(outside, name="西城锦城商贸有限公司")
    mine = new_customer(org.account_manager, name="锦城花园业主委员会")

    found = {hit.customer.name for hit in selectors.customer_lookup(org.account_manager, "锦城")}
    assert found == {mine.name, customer.name}
    everyone = {hit.customer.name for hit in selectors.customer_lookup(org.agent, "锦城")}
    assert everyone == {mine.name, customer.name, "西城锦城商贸有限公司"}
    # the repairs team's handler sees their own department's customer only
    theirs = {hit.customer.name for hit in selectors.customer_lookup(org.handler, "锦城")}
    assert theirs == {"西城锦城商贸有限公司"}
