"""Excel import and export: the template, all-or-nothing, good rows only with an error
file, errors by row and column in Chinese, the background job and the command."""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from kefu.customers import importing, services
from kefu.customers.models import (
    Contact,
    Customer,
    CustomerKey,
    GradeRecord,
    ImportJob,
    ManagerChange,
    Sequence,
    ServiceAccount,
    Tag,
)
from kefu.customers.tests.conftest import new_customer

pytestmark = pytest.mark.django_db

HEADERS = [c.header for c in importing.CUSTOMER_COLUMNS]
CONTACT_HEADERS = [c.header for c in importing.CONTACT_COLUMNS]


def row(**values) -> list:
    keys = [c.key for c in importing.CUSTOMER_COLUMNS]
    return [values.get(k, "") for k in keys]


def workbook(customers, contacts=()) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "客户"
    sheet.append(HEADERS)
    for values in customers:
        sheet.append(values)
    contact_sheet = book.create_sheet("联系人")
    contact_sheet.append(CONTACT_HEADERS)
    for values in contacts:
        contact_sheet.append(values)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


GOOD = [
    row(
        ref="1",
        kind="个人",
        name="张小明",
        id_type="居民身份证",
        id_number="440304199003074510",
        manager="SC001",
        grade="B",
        contact_name="张小明",
        contact_mobile="13700001111",
        account_kind="用电户号",
        account_number="DL1001",
        premises_address="春熙路1号",
        tags="新开户、重点",
    ),
    row(
        ref="2",
        kind="集团/政企",
        name="成都蓉欣商贸有限公司",
        id_number="91350100M000100Y43",
        manager="cm",
        contact_name="周经理",
        contact_phone="028-88887777",
        account_kind="房号",
        account_number="FH-2-301",
    ),
]
GOOD_CONTACTS = [["2", "吴会计", "会计", "13900002222", "", "wu@example.cn", "1985-03-02", "否"]]


def snapshot():
    """Everything an import writes, and the next customer number it would take."""
    return (
        Customer.objects.count(),
        Contact.objects.count(),
        ServiceAccount.objects.count(),
        CustomerKey.objects.count(),
        ManagerChange.objects.count(),
        GradeRecord.objects.count(),
        Tag.objects.count(),
        Customer.tags.through.objects.count(),
        Customer.history.count(),
        Contact.history.count(),
        ServiceAccount.history.count(),
        Sequence.objects.filter(key="customer").values_list("value", flat=True).first(),
    )


def test_a_good_file_imports_customers_contacts_and_accounts(org):
    result = importing.import_customers(
        BytesIO(workbook(GOOD, GOOD_CONTACTS)), actor=org.cm_supervisor
    )
    assert (result.created, result.errors) == (2, [])
    person = Customer.objects.get(name="张小明")
    assert (person.kind, person.account_manager, person.grade, person.grade_is_temporary) == (
        "individual",
        org.account_manager,
        "B",
        True,
    )
    assert sorted(t.name for t in person.tags.all()) == ["新开户", "重点"]
    assert person.contacts.get().is_key
    company = Customer.objects.get(name="成都蓉欣商贸有限公司")
    assert company.id_type == "credit_code"
    assert {c.name for c in company.contacts.all()} == {"周经理", "吴会计"}
    assert company.accounts.get().number == "FH-2-301"
    # found by the lookup keys like any other customer
    assert CustomerKey.objects.filter(customer=company, kind="phone", value="02888887777").exists()
    assert CustomerKey.objects.filter(customer=company, kind="account", value="FH-2-301").exists()
    assert company.manager_changes.get().kind == "initial"
    assert person.history.count() == 1


def test_a_bad_file_reports_every_error_by_row_and_column_and_imports_nothing(org, customer):
    bad = [
        GOOD[0],
        row(
            ref="2", name="坏电话", manager="SC001", contact_name="甲", contact_mobile="1380013800"
        ),
        row(
            ref="3",
            name="坏证件",
            id_type="居民身份证",
            id_number="440304199003074511",
            manager="SC001",
        ),
        row(ref="4", name="重复户号", manager="SC001", account_number="DL0012345678"),
        row(ref="5", name="未知经理", manager="NOBODY"),
        row(ref="6", name="等级不对", manager="SC001", grade="S"),
        row(ref="6", name="", manager="SC001"),
    ]
    contacts = [["9", "孤儿联系人", "", "", "", "", "", "否"]]
    before = snapshot()
    result = importing.import_customers(BytesIO(workbook(bad, contacts)), actor=org.cm_supervisor)
    assert not result.imported and result.created == 0
    assert snapshot() == before
    found = {(e.sheet, e.row, e.column) for e in result.errors}
    assert found >= {
        ("客户", 3, "联系人手机"),
        ("客户", 4, "证件号码"),
        ("客户", 5, "户号"),
        ("客户", 6, "客户经理工号"),
        ("客户", 7, "客户等级"),
        ("客户", 8, "客户名称"),
        ("客户", 8, "导入编号"),
        ("联系人", 2, "导入编号"),
    }
    messages = " ".join(str(e) for e in result.errors)
    assert "工作表 客户 第 3 行 “联系人手机”列" in messages
    assert "不是有效的电话号码" in messages
    assert "末位校验码不符" in messages
    assert "户号 DL0012345678 已存在" in messages
    assert "NOBODY" in messages


def test_good_rows_only_imports_them_and_returns_the_bad_rows_to_fix(org):
    rows = [
        *GOOD,
        row(ref="3", name="坏电话", manager="SC001", contact_name="乙", contact_mobile="12345"),
    ]
    result = importing.import_customers(
        BytesIO(workbook(rows, GOOD_CONTACTS)), actor=org.cm_supervisor, mode="good"
    )
    assert result.created == 2
    assert not Customer.objects.filter(name="坏电话").exists()
    errors = load_workbook(BytesIO(importing.error_workbook(result)))["客户"]
    values = list(errors.iter_rows(values_only=True))
    assert values[0][-1] == "错误说明"
    assert values[1][2] == "坏电话"
    assert "联系人手机" in values[1][-1]


def test_blank_manager_is_shared_among_the_importers_team_fewest_first(org, second_manager):
    new_customer(org.account_manager)
    rows = [row(ref=str(i), name=f"客户{i}") for i in range(1, 4)]
    importing.import_customers(BytesIO(workbook(rows)), actor=org.account_manager)
    loads = {
        m.username: Customer.objects.filter(account_manager=m).count()
        for m in (org.account_manager, second_manager)
    }
    assert loads == {"cm": 2, "cm2": 2}


def test_an_imported_customer_recorded_before_is_linked_as_a_duplicate(org, second_manager):
    earlier = new_customer(
        second_manager, name="张小明", id_type="resident_id", id_number="440304199003074510"
    )
    importing.import_customers(BytesIO(workbook(GOOD[:1])), actor=org.cm_supervisor)
    imported = Customer.objects.exclude(pk=earlier.pk).get(name="张小明")
    assert imported.duplicate_of == earlier


def test_a_file_that_is_not_excel_is_refused(org):
    result = importing.import_customers(BytesIO(b"name,phone\n"), actor=org.cm_supervisor)
    assert not result.imported
    assert "不是 Excel" in str(result.errors[0])


def test_missing_columns_are_reported(org):
    book = Workbook()
    book.active.title = "客户"
    book.active.append(["客户名称"])
    buffer = BytesIO()
    book.save(buffer)
    result = importing.import_customers(BytesIO(buffer.getvalue()), actor=org.cm_supervisor)
    assert [(e.column, e.message) for e in result.errors] == [("导入编号", "缺少该列。")]


def test_the_template_is_in_chinese_and_imports_as_is(client_as, org):
    response = client_as(org.cm_supervisor).get("/customers/import/template/")
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["客户", "联系人", "填写说明"]
    assert [c.value for c in book["客户"][1]] == HEADERS
    # the example row uses the demo manager number: point it at this organisation's
    book["客户"]["L2"] = "SC001"
    buffer = BytesIO()
    book.save(buffer)
    result = importing.import_customers(BytesIO(buffer.getvalue()), actor=org.cm_supervisor)
    assert (result.created, result.errors) == (1, [])


def test_upload_runs_the_job_and_the_page_shows_progress_and_errors(
    client_as, org, django_capture_on_commit_callbacks
):
    client = client_as(org.cm_supervisor)
    bad = [
        GOOD[0],
        row(
            ref="2", name="坏电话", manager="SC001", contact_name="丙", contact_mobile="1380013800"
        ),
    ]
    before = snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/customers/import/",
            {"file": SimpleUploadedFile("客户.xlsx", workbook(bad)), "mode": "all"},
        )
    job = ImportJob.objects.get()
    assert response["Location"] == f"/customers/import/{job.pk}/"
    assert (job.status, job.created_count, job.error_count) == ("rejected", 0, 1)
    assert snapshot() == before
    page = client.get(f"/customers/import/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in page
    assert "有错误，未导入任何数据" in page and "联系人手机" in page
    assert 'hx-trigger="every 1s"' not in page  # finished: polling stops
    errors = client.get(f"/customers/import/{job.pk}/errors/")
    assert load_workbook(BytesIO(errors.content))["客户"]["C2"].value == "坏电话"

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/customers/import/",
            {"file": SimpleUploadedFile("good.xlsx", workbook(GOOD)), "mode": "all"},
        )
    job = ImportJob.objects.latest("id")
    assert (job.status, job.created_count) == ("done", 2)


def test_a_pending_job_page_polls(client_as, org):
    job = ImportJob.objects.create(
        created_by=org.cm_supervisor,
        created_at="2026-03-02T10:00:00+08:00",
        original_name="x.xlsx",
        mode="all",
        total_rows=200,
        processed_rows=50,
        status="validating",
    )
    page = client_as(org.cm_supervisor).get(f"/customers/import/{job.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in page and "25%" in page


def test_agent_cannot_import(client_as, org):
    response = client_as(org.agent).post(
        "/customers/import/", {"file": SimpleUploadedFile("a.xlsx", workbook(GOOD)), "mode": "all"}
    )
    assert response.status_code == 403
    assert ImportJob.objects.count() == 0 and Customer.objects.count() == 0


def test_import_command(org, tmp_path, capsys):
    good = tmp_path / "good.xlsx"
    good.write_bytes(workbook(GOOD, GOOD_CONTACTS))
    call_command("import_customers", str(good), user="cmsup")
    assert "2" in capsys.readouterr().out
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook([row(ref="1", name="x", manager="NOBODY")]))
    errors = tmp_path / "errors.xlsx"
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("import_customers", str(bad), user="cmsup", errors_to=str(errors))
    assert errors.exists()
    assert Customer.objects.count() == 2


def test_export_round_trips_through_import(client_as, org, customer):
    exported = client_as(org.cm_supervisor).get("/customers/list/?export=xlsx").content
    book = load_workbook(BytesIO(exported))
    # a new organisation takes the file over: other account numbers, same data otherwise
    for sheet_row in book["客户"].iter_rows(min_row=2):
        sheet_row[20].value = "NEW-" + sheet_row[20].value
    buffer = BytesIO()
    book.save(buffer)
    result = importing.import_customers(BytesIO(buffer.getvalue()), actor=org.cm_supervisor)
    assert result.errors == []
    copy = Customer.objects.get(accounts__number="NEW-DL0012345678")
    assert copy.duplicate_of == customer  # same credit code: the earlier record owns it
    assert {c.name for c in copy.contacts.all()} == {"王主任", "李会计"}


def test_a_row_taken_by_someone_else_during_the_check_imports_nothing(org, monkeypatch):
    """Validation passed, then another user saved the same account number before the
    write: the database refuses it, the whole file is rolled back, the error is Chinese."""
    checked = importing.validate_workbook
    states = {}

    def check_then_someone_saves(*args, **kwargs):
        plan = checked(*args, **kwargs)
        new_customer(
            org.account_manager,
            name="抢先录入",
            accounts=[services.AccountData(number="FH-2-301", kind="room")],
        )
        states["after_rival"] = snapshot()
        return plan

    monkeypatch.setattr(importing, "validate_workbook", check_then_someone_saves)
    result = importing.import_customers(
        BytesIO(workbook(GOOD, GOOD_CONTACTS)), actor=org.cm_supervisor
    )
    assert (result.imported, result.created) == (False, 0)
    assert "未导入任何数据" in str(result.errors[0])
    assert snapshot() == states["after_rival"]
    assert not Customer.objects.filter(name__in=["张小明", "成都蓉欣商贸有限公司"]).exists()


def test_export_command_applies_scope_masking_and_the_access_log(org, customer, tmp_path):
    from kefu.customers.models import PiiAccess

    masked = tmp_path / "masked.xlsx"
    call_command("export_customers", str(masked), user="agent")
    assert list(load_workbook(masked)["客户"].iter_rows(min_row=2, values_only=True)) == []

    call_command("export_customers", str(masked), user="cm")
    rows = list(load_workbook(masked)["客户"].iter_rows(min_row=2, values_only=True))
    assert [(r[2], r[16]) for r in rows] == [("成都锦城物业有限公司", "138****5678")]
    assert PiiAccess.objects.count() == 0

    whole = tmp_path / "whole.xlsx"
    call_command("export_customers", str(whole), user="cmsup")
    rows = list(load_workbook(whole)["客户"].iter_rows(min_row=2, values_only=True))
    assert rows[0][16] == "13812345678"
    access = PiiAccess.objects.get()
    assert (access.user, access.is_export, access.record_count) == (org.cm_supervisor, True, 1)

    with pytest.raises(CommandError, match="nobody"):
        call_command("export_customers", str(whole), user="nobody")
