"""Customers and contacts to and from Excel (.xlsx).

One workbook, two sheets: 客户 (one row per customer, with its key contact and one service
account) and 联系人 (further contacts, linked by 导入编号). An import checks every row first
and reports every error by sheet, row and column; then either nothing is imported (the
default) or only the good rows, with the bad ones in a downloadable error file.

Rows are written with bulk inserts in one transaction, so a 100,000-row file takes
seconds, not hours, and a failure leaves the database as it was.
"""

from __future__ import annotations

import operator
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from io import BytesIO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models.base import ModelState
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from python_calamine import CalamineWorkbook

from kefu.core.excel import append_row
from kefu.core.phones import mask_phone
from kefu.customers import rules
from kefu.customers.models import (
    AccountKind,
    ChangeKind,
    ChangeStatus,
    Contact,
    CreditRating,
    Customer,
    CustomerKey,
    CustomerKind,
    GradeKind,
    GradeRecord,
    IdType,
    ImportJob,
    ImportMode,
    ImportStatus,
    ManagerChange,
    ServiceAccount,
    SourceChannel,
    Tag,
)
from kefu.customers.policy import CustomerPolicy
from kefu.customers.services.checks import id_number_error, phone_error
from kefu.customers.services.keys import key_values
from kefu.customers.services.managers import manager_loads
from kefu.customers.services.numbering import customer_code, next_numbers
from kefu.customers.services.policy import current_policy
from kefu.org.models import User
from kefu.org.roles import RoleCode

CUSTOMER_SHEET = "客户"
CONTACT_SHEET = "联系人"
HELP_SHEET = "填写说明"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    width: int = 14


CUSTOMER_COLUMNS = (
    Column("ref", "导入编号", True, 12),
    Column("kind", "客户类型", False, 10),
    Column("name", "客户名称", True, 28),
    Column("id_type", "证件类型", False, 14),
    Column("id_number", "证件号码", False, 22),
    Column("industry", "行业"),
    Column("address", "地址", False, 30),
    Column("source_channel", "来源渠道"),
    Column("credit_rating", "资信等级", False, 10),
    Column("grade", "客户等级", False, 10),
    Column("service_tier", "服务等级", False, 10),
    Column("manager", "客户经理工号", False, 14),
    Column("tags", "标签"),
    Column("notes", "备注", False, 20),
    Column("contact_name", "关键联系人"),
    Column("contact_title", "联系人职务"),
    Column("contact_mobile", "联系人手机", False, 16),
    Column("contact_phone", "联系人固定电话", False, 16),
    Column("contact_birthday", "联系人生日", False, 12),
    Column("account_kind", "户号类型", False, 12),
    Column("account_number", "户号", False, 18),
    Column("premises_address", "户址", False, 30),
)
CONTACT_COLUMNS = (
    Column("ref", "导入编号", True, 12),
    Column("name", "姓名", True),
    Column("title", "职务"),
    Column("mobile", "手机", False, 16),
    Column("phone", "固定电话", False, 16),
    Column("email", "邮箱", False, 22),
    Column("birthday", "生日", False, 12),
    Column("is_key", "关键联系人", False, 10),
)

KIND_ALIASES = {
    "个人": "individual",
    "集团": "organisation",
    "政企": "organisation",
    "单位": "organisation",
    "集团/政企": "organisation",
    "企业": "organisation",
}
ID_TYPE_ALIASES = {
    "身份证": "resident_id",
    "居民身份证": "resident_id",
    "信用代码": "credit_code",
    "统一社会信用代码": "credit_code",
}
YES = {"是", "yes", "y", "true", "1", "√", "关键"}
NO = {"否", "no", "n", "false", "0", ""}


def _choices(choices, aliases: dict[str, str] | None = None) -> dict[str, str]:
    """Accepted spellings → code: the code, the Chinese label, and the aliases."""
    with translation.override("zh-hans"):
        found = {str(label).strip().lower(): code for code, label in choices}
    found.update({code.lower(): code for code, _label in choices})
    for alias, code in (aliases or {}).items():
        found[alias.lower()] = code
    return found


def _label(choices, code: str) -> str:
    return str(dict(choices).get(code, code)) if code else ""


# ---------------------------------------------------------------------------- reading


@dataclass
class RowError:
    sheet: str
    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }

    def __str__(self) -> str:
        return _("Sheet %(sheet)s, row %(row)d, column %(column)s: %(message)s") % self.as_dict()


@dataclass
class ParsedRow:
    sheet: str
    number: int
    values: dict
    raw: tuple


@dataclass
class Plan:
    """Validated rows ready to write, and the errors found."""

    customers: list[dict] = field(default_factory=list)
    contacts: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    errors: list[RowError] = field(default_factory=list)
    bad_rows: dict[str, list[ParsedRow]] = field(default_factory=lambda: defaultdict(list))
    total: int = 0


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _read_sheet(
    workbook, name: str, columns: tuple[Column, ...]
) -> tuple[list[ParsedRow], list[RowError]]:
    if name not in workbook.sheet_names:
        if name == CONTACT_SHEET:
            return [], []
        return [], [
            RowError(name, 1, "", _("The workbook has no sheet named %(sheet)s.") % {"sheet": name})
        ]
    rows = iter(workbook.get_sheet_by_name(name).to_python(skip_empty_area=False))
    header = [_cell(h) for h in next(rows, ())]
    positions = {}
    errors = []
    for column in columns:
        if column.header in header:
            positions[column.key] = header.index(column.header)
        elif column.required:
            errors.append(RowError(name, 1, column.header, _("The column is missing.")))
    if errors:
        return [], errors
    dates = {"contact_birthday", "birthday"} & set(positions)
    parsed = []
    for number, raw in enumerate(rows, start=2):
        values = {
            key: (_cell(raw[index]) if index < len(raw) else "") for key, index in positions.items()
        }
        if not any(values.values()):
            continue
        for key in dates:
            original = raw[positions[key]] if positions[key] < len(raw) else ""
            if isinstance(original, datetime | date):
                values[key] = original
        parsed.append(ParsedRow(name, number, values, ()))
    return parsed, errors


def _parse_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text)
    if not match:
        raise ValueError(text)
    return date(*(int(g) for g in match.groups()))


# ---------------------------------------------------------------------------- validation


class _Checker:
    """Validates rows one by one against the policy and what the database holds."""

    def __init__(self, *, policy: CustomerPolicy, actor: User | None, today: date):
        self.policy = policy
        self.actor = actor
        self.today = today
        self.kinds = _choices(CustomerKind.choices, KIND_ALIASES)
        self.id_types = _choices(IdType.choices, ID_TYPE_ALIASES)
        self.channels = _choices(SourceChannel.choices)
        self.credit = _choices(CreditRating.choices)
        self.account_kinds = _choices(
            AccountKind.choices,
            {"户号": "household", "房号": "room", "用电户号": "power", "保单号": "policy"},
        )
        self.grades = {g.lower(): g for g in policy.grade_codes}
        self.tiers = {t.code.lower(): t.code for t in policy.service_tiers}
        self.tiers.update({str(t.label).lower(): t.code for t in policy.service_tiers})
        self.can_autoassign = bool(
            actor is not None and actor.department_id and manager_loads(actor.department)
        )
        self.managers = {}
        for user in User.objects.filter(
            is_active=True, roles__code=RoleCode.CUSTOMER_MANAGER
        ).select_related("department"):
            for handle in (user.employee_no, user.username):
                if handle:
                    self.managers[handle.upper()] = user

    def choice(self, errors, row, column, mapping, value, what) -> str:
        if not value:
            return ""
        code = mapping.get(value.strip().lower())
        if code is None:
            allowed = "、".join(sorted({k for k in mapping if not k.isascii()}) or sorted(mapping))
            errors.append(
                RowError(
                    row.sheet,
                    row.number,
                    column.header,
                    _("“%(value)s” is not a valid %(what)s; use one of: %(allowed)s.")
                    % {"value": value, "what": what, "allowed": allowed},
                )
            )
            return ""
        return code

    def phone(self, errors, row, column, value) -> str:
        if not value:
            return ""
        error = phone_error(column.header, value)
        if error:
            errors.append(RowError(row.sheet, row.number, column.header, error.message))
            return ""
        return rules.normalise_phone(value)

    def customer_row(self, row: ParsedRow) -> tuple[dict, list[RowError]]:
        v = row.values
        errors: list[RowError] = []
        col = {c.key: c for c in CUSTOMER_COLUMNS}

        def require(key):
            if not v.get(key):
                errors.append(RowError(row.sheet, row.number, col[key].header, _("Required.")))

        require("ref")
        require("name")
        data = {"ref": v.get("ref", ""), "row": row, "name": v.get("name", "")[:200]}
        data["kind"] = (
            self.choice(errors, row, col["kind"], self.kinds, v.get("kind", ""), col["kind"].header)
            or CustomerKind.INDIVIDUAL
        )
        data["id_type"] = self.choice(
            errors, row, col["id_type"], self.id_types, v.get("id_type", ""), col["id_type"].header
        )
        data["id_number"] = rules.normalise_id_number(v.get("id_number", ""))
        if data["id_number"] and not data["id_type"]:
            data["id_type"] = (
                IdType.CREDIT_CODE
                if data["kind"] == CustomerKind.ORGANISATION
                else IdType.RESIDENT_ID
            )
        error = id_number_error(data["id_type"], data["id_number"], today=self.today)
        if error:
            errors.append(RowError(row.sheet, row.number, col["id_number"].header, error.message))
        data["source_channel"] = self.choice(
            errors,
            row,
            col["source_channel"],
            self.channels,
            v.get("source_channel", ""),
            col["source_channel"].header,
        )
        data["credit_rating"] = self.choice(
            errors,
            row,
            col["credit_rating"],
            self.credit,
            v.get("credit_rating", ""),
            col["credit_rating"].header,
        )
        data["grade"] = self.choice(
            errors, row, col["grade"], self.grades, v.get("grade", ""), col["grade"].header
        )
        data["service_tier"] = self.choice(
            errors,
            row,
            col["service_tier"],
            self.tiers,
            v.get("service_tier", ""),
            col["service_tier"].header,
        )
        if data["service_tier"] and not data["grade"] and v.get("grade", "") == "":
            errors.append(
                RowError(
                    row.sheet,
                    row.number,
                    col["grade"].header,
                    _("Give a grade together with the service tier."),
                )
            )
        handle = v.get("manager", "").upper()
        data["manager"] = None
        if handle:
            data["manager"] = self.managers.get(handle)
            if data["manager"] is None:
                errors.append(
                    RowError(
                        row.sheet,
                        row.number,
                        col["manager"].header,
                        _("No active account manager has the employee number or login “%(value)s”.")
                        % {"value": v.get("manager")},
                    )
                )
        elif not self.can_autoassign:
            errors.append(
                RowError(
                    row.sheet,
                    row.number,
                    col["manager"].header,
                    _("Required: your team has no account manager to assign to."),
                )
            )
        for key in ("industry", "address", "notes"):
            data[key] = v.get(key, "")
        data["industry"] = data["industry"][:60]
        data["address"] = data["address"][:255]
        data["tags"] = [t for t in re.split(r"[、,，;；\s]+", v.get("tags", "")) if t]
        # key contact
        contact = {
            "name": v.get("contact_name", "")[:50],
            "title": v.get("contact_title", "")[:50],
            "mobile": self.phone(errors, row, col["contact_mobile"], v.get("contact_mobile", "")),
            "phone": self.phone(errors, row, col["contact_phone"], v.get("contact_phone", "")),
            "birthday": None,
            "is_key": True,
        }
        if contact["mobile"].startswith("0"):
            errors.append(
                RowError(
                    row.sheet,
                    row.number,
                    col["contact_mobile"].header,
                    _("This is a landline; put it under %(other)s.")
                    % {"other": col["contact_phone"].header},
                )
            )
        try:
            contact["birthday"] = _parse_date(v.get("contact_birthday"))
        except ValueError:
            errors.append(
                RowError(
                    row.sheet,
                    row.number,
                    col["contact_birthday"].header,
                    _("Write the date as 1985-03-02."),
                )
            )
        if (contact["mobile"] or contact["phone"]) and not contact["name"]:
            errors.append(
                RowError(
                    row.sheet,
                    row.number,
                    col["contact_name"].header,
                    _("Required when a phone number is given."),
                )
            )
        data["contact"] = contact if contact["name"] else None
        number = rules.normalise_key(v.get("account_number", ""))
        data["account"] = None
        if number:
            data["account"] = {
                "number": number[:40],
                "kind": self.choice(
                    errors,
                    row,
                    col["account_kind"],
                    self.account_kinds,
                    v.get("account_kind", ""),
                    col["account_kind"].header,
                )
                or AccountKind.OTHER,
                "premises_address": v.get("premises_address", "")[:255],
            }
        return data, errors

    def contact_row(self, row: ParsedRow) -> tuple[dict, list[RowError]]:
        v = row.values
        errors: list[RowError] = []
        col = {c.key: c for c in CONTACT_COLUMNS}
        for key in ("ref", "name"):
            if not v.get(key):
                errors.append(RowError(row.sheet, row.number, col[key].header, _("Required.")))
        data = {
            "ref": v.get("ref", ""),
            "row": row,
            "name": v.get("name", "")[:50],
            "title": v.get("title", "")[:50],
            "mobile": self.phone(errors, row, col["mobile"], v.get("mobile", "")),
            "phone": self.phone(errors, row, col["phone"], v.get("phone", "")),
            "email": v.get("email", "")[:254],
            "birthday": None,
            "is_key": False,
        }
        if data["mobile"].startswith("0"):
            errors.append(
                RowError(
                    row.sheet,
                    row.number,
                    col["mobile"].header,
                    _("This is a landline; put it under %(other)s.")
                    % {"other": col["phone"].header},
                )
            )
        if data["email"]:
            try:
                validate_email(data["email"])
            except ValidationError:
                errors.append(
                    RowError(
                        row.sheet, row.number, col["email"].header, _("Not a valid email address.")
                    )
                )
        try:
            data["birthday"] = _parse_date(v.get("birthday"))
        except ValueError:
            errors.append(
                RowError(
                    row.sheet,
                    row.number,
                    col["birthday"].header,
                    _("Write the date as 1985-03-02."),
                )
            )
        flag = v.get("is_key", "").strip().lower()
        if flag in YES:
            data["is_key"] = True
        elif flag not in NO:
            errors.append(
                RowError(row.sheet, row.number, col["is_key"].header, _("Write 是 or 否."))
            )
        return data, errors


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def validate_workbook(
    source, *, actor: User | None, progress: Callable[[int, int], None] = lambda done, total: None
) -> Plan:
    """Read and check every row; nothing is written."""
    plan = Plan()
    try:
        # calamine (Rust) reads a 100,000-row sheet in seconds; openpyxl needs over a minute
        workbook = CalamineWorkbook.from_filelike(source)
        customer_rows, errors = _read_sheet(workbook, CUSTOMER_SHEET, CUSTOMER_COLUMNS)
        contact_rows, contact_errors = _read_sheet(workbook, CONTACT_SHEET, CONTACT_COLUMNS)
    except Exception:  # the reader raises several kinds for a file that is not a workbook
        plan.errors.append(RowError("", 0, "", _("The file is not an Excel (.xlsx) workbook.")))
        return plan
    plan.errors += errors + contact_errors
    if plan.errors:
        return plan
    plan.total = len(customer_rows) + len(contact_rows)
    if not customer_rows:
        plan.errors.append(RowError(CUSTOMER_SHEET, 2, "", _("The sheet has no customer rows.")))
        return plan
    checker = _Checker(policy=current_policy(), actor=actor, today=timezone.localdate())
    step = max(1, plan.total // 50)
    rows_by_ref: dict[str, list[int]] = defaultdict(list)
    row_errors: dict[int, list[RowError]] = defaultdict(list)
    checked = []
    for index, row in enumerate(customer_rows):
        data, errors = checker.customer_row(row)
        checked.append(data)
        row_errors[index] += errors
        if data["ref"]:
            rows_by_ref[data["ref"]].append(index)
        if index % step == 0:
            progress(index, plan.total)
    col = {c.key: c for c in CUSTOMER_COLUMNS}
    for ref, indexes in rows_by_ref.items():
        for index in indexes[1:]:
            row_errors[index].append(
                RowError(
                    CUSTOMER_SHEET,
                    checked[index]["row"].number,
                    col["ref"].header,
                    _("%(ref)s is used by more than one row.") % {"ref": ref},
                )
            )
    # account numbers: unique in the file and not already in the database
    numbers = Counter(d["account"]["number"] for d in checked if d["account"])
    taken = set()
    wanted = list(numbers)
    for chunk in _chunks(wanted, 5000):
        taken.update(
            ServiceAccount.objects.filter(number__in=chunk).values_list("number", flat=True)
        )
    for index, data in enumerate(checked):
        if not data["account"]:
            continue
        number = data["account"]["number"]
        if number in taken:
            row_errors[index].append(
                RowError(
                    CUSTOMER_SHEET,
                    data["row"].number,
                    col["account_number"].header,
                    _("Account number %(number)s already exists.") % {"number": number},
                )
            )
        elif numbers[number] > 1:
            row_errors[index].append(
                RowError(
                    CUSTOMER_SHEET,
                    data["row"].number,
                    col["account_number"].header,
                    _("Account number %(number)s appears in more than one row.")
                    % {"number": number},
                )
            )
    # further contacts
    contact_data: dict[str, list[tuple[dict, list[RowError]]]] = defaultdict(list)
    for offset, row in enumerate(contact_rows, start=len(customer_rows)):
        data, errors = checker.contact_row(row)
        if data["ref"] and data["ref"] not in rows_by_ref:
            errors.append(
                RowError(
                    CONTACT_SHEET,
                    row.number,
                    CONTACT_COLUMNS[0].header,
                    _("No customer row has 导入编号 %(ref)s.") % {"ref": data["ref"]},
                )
            )
        contact_data[data["ref"]].append((data, errors))
        if offset % step == 0:
            progress(offset, plan.total)
    for ref, items in contact_data.items():
        key_count = sum(1 for data, _e in items if data["is_key"])
        indexes = rows_by_ref.get(ref, [])
        if indexes and key_count and checked[indexes[0]]["contact"]:
            key_count += 1
        if key_count > 1:
            for data, errors in items:
                if data["is_key"]:
                    errors.append(
                        RowError(
                            CONTACT_SHEET,
                            data["row"].number,
                            CONTACT_COLUMNS[-1].header,
                            _("A customer has one key contact only."),
                        )
                    )
    # assemble: a customer is good when its row and all its contact rows are good
    for index, data in enumerate(checked):
        contacts = contact_data.get(data["ref"], []) if rows_by_ref[data["ref"]][0] == index else []
        errors = row_errors[index] + [e for _d, errs in contacts for e in errs]
        if errors:
            plan.errors += errors
            plan.bad_rows[CUSTOMER_SHEET].append(data["row"])
            plan.bad_rows[CONTACT_SHEET] += [d["row"] for d, _e in contacts]
        else:
            plan.customers.append(data)
            plan.contacts[data["ref"]] = [d for d, _e in contacts]
    for ref, items in contact_data.items():
        if ref not in rows_by_ref:
            for data, errors in items:
                plan.errors += errors
                plan.bad_rows[CONTACT_SHEET].append(data["row"])
    plan.errors.sort(key=lambda e: (e.sheet != CUSTOMER_SHEET, e.row))
    progress(plan.total, plan.total)
    return plan


# ---------------------------------------------------------------------------- writing


def _converter(field):
    """How a Python value of *field* is handed to the database driver."""
    kind = field.get_internal_type()
    ops = connection.ops
    if kind == "DateTimeField":
        # one import stamps the same instant everywhere: convert each value once
        cache = {}

        def convert(value):
            if value not in cache:
                cache[value] = ops.adapt_datetimefield_value(value)
            return cache[value]

        return convert
    if kind == "DateField":
        return ops.adapt_datefield_value
    if kind == "TimeField":
        return ops.adapt_timefield_value
    if kind == "JSONField":
        return lambda value: field.get_db_prep_save(value, connection)
    return None


def _insert_rows(model, columns: list, rows: Iterable[tuple], batch: int = 5000) -> None:
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(f.column) for f in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY streams the rows: one round trip instead of one per row. It goes to the
            # driver's cursor, so translate its errors into Django's (IntegrityError …).
            with (
                connection.wrap_database_errors,
                cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(columns))
        # names come from the model's meta, quoted; values are parameters
        sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608
        for chunk in _chunks(list(rows), batch):
            cursor.executemany(sql, chunk)


def _defaults(model) -> dict:
    return {
        f.attname: (None if f.primary_key else f.get_default()) for f in model._meta.concrete_fields
    }


def _new(model, defaults: dict, **values):
    """An unsaved instance for bulk insertion, without ``Model.__init__``'s per-field work
    (a third of an import's time at 100,000 rows). Only attnames are set: pass ``*_id``;
    *defaults* is ``_defaults(model)``, computed once per import."""
    obj = model.__new__(model)
    obj.__dict__.update(defaults)
    obj.__dict__.update(values)
    obj._state = ModelState()
    return obj


def _insert_values(model, attnames: list[str], rows: list[tuple]) -> None:
    """INSERT rows given as tuples of already database-ready values, by column attname."""
    if rows:
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        _insert_rows(model, [by_attname[a] for a in attnames], rows)


def _reserve_ids(model, count: int) -> list[int]:
    """*count* primary keys for rows of *model* this transaction is about to insert.

    Knowing the keys before the INSERT saves reading every row back (by customer number,
    contact fields or account number) to link contacts, accounts, keys and history.
    PostgreSQL hands them out from the table's sequence, safe under concurrent writers.
    SQLite has one writer at a time and the caller's transaction has written already (the
    customer-number counter), so nobody else can insert before it commits; keys go on
    from the highest ever used (``sqlite_sequence`` remembers deleted rows, and SQLite
    moves it past explicit keys on insert).
    """
    if count == 0:
        return []
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        if connection.vendor != "sqlite":  # pragma: no cover - kefu runs on the two above
            raise NotImplementedError(connection.vendor)
        quoted = connection.ops.quote_name(table)
        # the table name comes from the model's meta, quoted
        cursor.execute(f"SELECT COALESCE(MAX({column}), 0) FROM {quoted}")  # noqa: S608
        highest = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(highest, row[0] if row else 0) + 1
        return list(range(start, start + count))


def _assign_ids(model, objs: list) -> None:
    for obj, pk in zip(objs, _reserve_ids(model, len(objs)), strict=True):
        obj.pk = pk


def _insert(model, objs: list, *, now: datetime) -> None:
    """INSERT unsaved instances whose primary keys were reserved (``_assign_ids``), with
    COPY on PostgreSQL and one prepared statement per batch on SQLite.

    Django's ``bulk_create`` compiles SQL for every value; at 100,000 customers (and half a
    million keys) that alone takes minutes. The values here were validated already.
    """
    if not objs:
        return
    columns = list(model._meta.concrete_fields)
    stamped = {
        f.attname: now
        for f in columns
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    }
    _insert_rows(model, columns, _row_values(objs, columns, stamped))


def _insert_history(model, objs: list, *, now: datetime, actor) -> None:
    """The "created" history rows of freshly inserted objects (django-simple-history)."""
    if not objs:
        return
    history = model.history.model
    columns = [f for f in history._meta.concrete_fields if not isinstance(f, AutoFieldMixin)]
    constants = {
        "history_date": now,
        "history_type": "+",
        "history_user_id": actor.pk if actor else None,
        "history_change_reason": _("Imported"),
    }
    for own in model._meta.concrete_fields:
        if getattr(own, "auto_now", False) or getattr(own, "auto_now_add", False):
            constants.setdefault(own.attname, now)
    _insert_rows(history, columns, _row_values(objs, columns, constants))


def _row_values(objs: list, columns: list, constants: dict) -> Iterator[tuple]:
    """Each object's values for *columns*, ready for the driver; *constants* (by attname)
    are the same in every row. One attrgetter per import rather than a getattr per cell:
    this loop runs for every row of every table."""
    names = [f.attname for f in columns]
    fixed = [(i, constants[name]) for i, name in enumerate(names) if name in constants]
    read = [name for name in names if name not in constants]
    get = operator.attrgetter(*read)
    if len(read) == 1:
        single = get

        def get(obj):
            return (single(obj),)

    convert = [
        (i, converter)
        for i, converter in enumerate(_converter(f) for f in columns)
        if converter is not None
    ]
    for obj in objs:
        row = list(get(obj))
        for i, value in fixed:  # ascending: each lands at its final position
            row.insert(i, value)
        for i, converter in convert:
            if row[i] is not None:
                row[i] = converter(row[i])
        yield row


@transaction.atomic
def write_plan(plan: Plan, *, actor: User | None, batch_size: int = 2000) -> int:
    """Insert the plan's customers with their contacts, accounts, keys, first assignments
    and temporary grades. Returns how many customers were created."""
    rows = plan.customers
    if not rows:
        return 0
    policy = current_policy()
    now = timezone.now()
    today = timezone.localdate(now)
    numbers = next_numbers("customer", len(rows))
    first_due = rules.first_contact_due(now, policy.first_contact_days)
    grade_due = rules.temporary_grade_due(today, policy.temporary_grade_months)
    # balance customers without a manager over the importer's team, fewest first
    loads = manager_loads(actor.department) if actor and actor.department_id else {}
    managers = {u.pk: u for u in User.objects.filter(pk__in=loads).select_related("department")}
    # an earlier record with the same document number owns the customer (ARC-04)
    id_numbers = [d["id_number"] for d in rows if d["id_number"]]
    owners: dict[str, Customer] = {}
    for chunk in _chunks(id_numbers, 5000):
        for customer in Customer.objects.filter(
            id_number__in=chunk, duplicate_of__isnull=True, is_active=True
        ).order_by("created_at", "id"):
            owners.setdefault(customer.id_number, customer)
    customer_defaults = _defaults(Customer)
    contact_defaults = _defaults(Contact)
    account_defaults = _defaults(ServiceAccount)
    customers = []
    for data, number in zip(rows, numbers, strict=True):
        manager = data["manager"]
        if manager is None:
            chosen = rules.least_loaded(loads)
            manager = managers[chosen]
            loads[chosen] += 1
        customer = _new(
            Customer,
            customer_defaults,
            code=customer_code(number),
            kind=data["kind"],
            name=data["name"],
            id_type=data["id_type"],
            id_number=data["id_number"],
            industry=data["industry"],
            address=data["address"],
            source_channel=data["source_channel"],
            credit_rating=data["credit_rating"],
            grade=data["grade"],
            service_tier=data["service_tier"],
            grade_is_temporary=bool(data["grade"]),
            grade_due_on=grade_due if data["grade"] else None,
            notes=data["notes"],
            department_id=manager.department_id,
            account_manager_id=manager.pk,
            assigned_at=now,
            first_contact_due_at=first_due,
            created_by_id=actor.pk if actor else None,
            created_at=now,
        )
        owner = owners.get(data["id_number"]) if data["id_number"] else None
        if owner is not None:
            customer.duplicate_of_id = owner.pk
            customer.duplicate_note = (_("Recorded earlier as %(customer)s") % {"customer": owner})[
                :200
            ]
            customer.first_contact_due_at = None
        customers.append(customer)
    _assign_ids(Customer, customers)
    _insert(Customer, customers, now=now)
    for data, customer in zip(rows, customers, strict=True):
        if data["id_number"] and data["id_number"] not in owners:
            owners[data["id_number"]] = customer  # later rows in the file are its duplicates
    _insert_history(Customer, customers, now=now, actor=actor)
    contacts, accounts, keys, changes, grades, tag_links = [], [], [], [], [], []
    tag_names = {name[:30] for data in rows for name in data["tags"]}
    Tag.objects.bulk_create(
        [
            Tag(name=name)
            for name in tag_names
            - set(Tag.objects.filter(name__in=tag_names).values_list("name", flat=True))
        ],
        ignore_conflicts=True,
    )
    tags = dict(Tag.objects.filter(name__in=tag_names).values_list("name", "pk"))
    through = Customer.tags.through
    contact_fields = ("name", "title", "mobile", "phone", "email", "birthday", "is_key")
    for data, customer in zip(rows, customers, strict=True):
        own_contacts = []
        if data["contact"]:
            own_contacts.append(
                _new(Contact, contact_defaults, customer_id=customer.pk, **data["contact"])
            )
        for extra in plan.contacts.get(data["ref"], []):
            own_contacts.append(
                _new(
                    Contact,
                    contact_defaults,
                    customer_id=customer.pk,
                    **{k: extra[k] for k in contact_fields},
                )
            )
        contacts += own_contacts
        own_accounts = []
        if data["account"]:
            own_accounts.append(
                _new(ServiceAccount, account_defaults, customer_id=customer.pk, **data["account"])
            )
        accounts += own_accounts
        keys += [
            (customer.pk, contact, kind, value)
            for kind, value, contact in key_values(customer, own_contacts, own_accounts)
        ]
        changes.append((customer.pk, customer.account_manager_id))
        if data["grade"]:
            grades.append((customer.pk, data["grade"], data["service_tier"], data["credit_rating"]))
        for name in data["tags"]:
            tag_links.append((customer.pk, tags[name[:30]]))
    _assign_ids(Contact, contacts)
    _insert(Contact, contacts, now=now)
    _insert_history(Contact, contacts, now=now, actor=actor)
    _assign_ids(ServiceAccount, accounts)
    _insert(ServiceAccount, accounts, now=now)
    _insert_history(ServiceAccount, accounts, now=now, actor=actor)
    _insert_values(
        CustomerKey,
        ["customer_id", "contact_id", "kind", "value"],
        [
            (customer_id, contact.pk if contact is not None else None, kind, value)
            for customer_id, contact, kind, value in keys
        ],
    )
    stamp = connection.ops.adapt_datetimefield_value(now)
    actor_id = actor.pk if actor else None
    imported = _("Imported")
    _insert_values(
        ManagerChange,
        [
            "customer_id",
            "to_manager_id",
            "kind",
            "status",
            "reason",
            "requested_by_id",
            "requested_at",
            "finalized_at",
            "notice_text",
            "notice_channel",
            "notice_note",
        ],
        [
            (
                customer_id,
                manager_id,
                ChangeKind.INITIAL.value,
                ChangeStatus.FINAL.value,
                imported,
                actor_id,
                stamp,
                stamp,
                "",
                "",
                "",
            )
            for customer_id, manager_id in changes
        ],
    )
    due = connection.ops.adapt_datefield_value(grade_due)
    _insert_values(
        GradeRecord,
        [
            "customer_id",
            "grade",
            "service_tier",
            "credit_rating",
            "kind",
            "due_on",
            "reason",
            "decided_by_id",
            "decided_at",
        ],
        [(*grade, GradeKind.TEMPORARY.value, due, imported, actor_id, stamp) for grade in grades],
    )
    _insert_values(through, ["customer_id", "tag_id"], tag_links)
    return len(customers)


@dataclass
class ImportResult:
    created: int
    errors: list[RowError]
    bad_rows: dict[str, list[ParsedRow]]
    total: int
    imported: bool


def import_customers(
    source,
    *,
    actor: User | None,
    mode: str = ImportMode.ALL_OR_NOTHING,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> ImportResult:
    """Check every row, then import all (or, in ``good`` mode, the good rows)."""
    plan = validate_workbook(source, actor=actor, progress=progress)
    structural = any(e.row <= 1 for e in plan.errors)
    if structural or (plan.errors and mode == ImportMode.ALL_OR_NOTHING):
        return ImportResult(0, plan.errors, plan.bad_rows, plan.total, imported=False)
    created, conflict = _write(plan, actor=actor)
    if conflict is not None:
        return ImportResult(0, [conflict], plan.bad_rows, plan.total, imported=False)
    return ImportResult(created, plan.errors, plan.bad_rows, plan.total, imported=True)


def _write(plan: Plan, *, actor: User | None) -> tuple[int, RowError | None]:
    """Write the plan, or nothing at all when the database refuses a row that passed the
    checks (someone saved the same account number while the file was being checked)."""
    try:
        return write_plan(plan, actor=actor), None
    except IntegrityError:
        return 0, RowError(
            "",
            0,
            "",
            _(
                "While the file was being checked, someone else saved data it contains "
                "(e.g. the same account number). Nothing was imported: import the file "
                "again to see which rows are affected."
            ),
        )


def error_workbook(result: ImportResult) -> bytes:
    """The bad rows as they were, with a column saying what is wrong, ready to fix and
    import again."""
    messages: dict[tuple[str, int], list[str]] = defaultdict(list)
    for error in result.errors:
        messages[(error.sheet, error.row)].append(
            f"{error.column}：{error.message}" if error.column else error.message
        )
    workbook = Workbook(write_only=True)
    for name, columns in ((CUSTOMER_SHEET, CUSTOMER_COLUMNS), (CONTACT_SHEET, CONTACT_COLUMNS)):
        sheet = workbook.create_sheet(name)
        append_row(sheet, [c.header for c in columns] + [_("Errors")])
        for row in result.bad_rows.get(name, []):
            values = [row.values.get(c.key, "") for c in columns]
            append_row(
                sheet,
                [_cell(v) if not isinstance(v, date) else v for v in values]
                + ["；".join(messages.get((name, row.number), []))],
            )
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------- jobs


def import_job_run(*, job_id: int) -> ImportJob:
    """Run an ImportJob (in the worker), keeping its progress on the row for the page."""
    job = ImportJob.objects.select_related("created_by", "created_by__department").get(pk=job_id)
    if job.status != ImportStatus.PENDING:
        return job
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.VALIDATING)

    def progress(done: int, total: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(processed_rows=done, total_rows=total)

    with translation.override("zh-hans"):
        try:
            with job.file.open("rb") as handle:
                source = BytesIO(handle.read())
            ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.VALIDATING)
            plan = validate_workbook(source, actor=job.created_by, progress=progress)
            structural = any(e.row <= 1 for e in plan.errors)
            reject = structural or (plan.errors and job.mode == ImportMode.ALL_OR_NOTHING)
            created = 0
            if not reject:
                ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.IMPORTING)
                created, conflict = _write(plan, actor=job.created_by)
                if conflict is not None:
                    reject, structural = True, True
                    plan.errors = [conflict]
            result = ImportResult(created, plan.errors, plan.bad_rows, plan.total, not reject)
            job.refresh_from_db()
            job.status = ImportStatus.REJECTED if reject else ImportStatus.DONE
            job.total_rows = plan.total
            job.processed_rows = plan.total
            job.created_count = created
            job.error_count = len(plan.errors)
            job.errors = [e.as_dict() for e in plan.errors[:500]]
            if plan.errors and not structural:
                job.error_file.save(
                    f"errors-{job.pk}.xlsx", ContentFile(error_workbook(result)), save=False
                )
            job.message = (
                _("Nothing was imported: %(count)d errors.") % {"count": len(plan.errors)}
                if reject
                else _("%(created)d customers imported.") % {"created": created}
            )
        except Exception as exc:
            job.refresh_from_db()
            job.status = ImportStatus.FAILED
            job.message = _("The import failed: %(error)s") % {"error": exc}
            job.finished_at = timezone.now()
            job.save()
            raise
        job.finished_at = timezone.now()
        job.save()
    return job


# ---------------------------------------------------------------------------- export


def _header_row(sheet, columns: Iterable[Column]) -> None:
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDE7F3")
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = bold
        cell.fill = fill
        sheet.column_dimensions[cell.column_letter].width = column.width + (
            4 if column.required else 0
        )
    sheet.freeze_panes = "A2"


def template_bytes(policy: CustomerPolicy) -> bytes:
    """The import template: the two sheets with one example row each, and a sheet of rules."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = CUSTOMER_SHEET
    _header_row(sheet, CUSTOMER_COLUMNS)
    example = {
        "ref": "1",
        "kind": "集团/政企",
        "name": "成都锦城物业有限公司",
        "id_type": "统一社会信用代码",
        "id_number": "91350100M000100Y43",
        "industry": "物业管理",
        "address": "成都市锦城大道1号",
        "source_channel": "互联网",
        "credit_rating": "AA",
        "grade": policy.grade_codes[0],
        "service_tier": str(policy.service_tiers[0].label),
        "manager": "SC3001",
        "tags": "重点、物业",
        "notes": "",
        "contact_name": "王主任",
        "contact_title": "办公室主任",
        "contact_mobile": "13812345678",
        "contact_phone": "028-87654321",
        "contact_birthday": "1980-05-01",
        "account_kind": "用电户号",
        "account_number": "DL0012345678",
        "premises_address": "锦城大道1号",
    }
    append_row(sheet, [example.get(c.key, "") for c in CUSTOMER_COLUMNS])
    contacts = workbook.create_sheet(CONTACT_SHEET)
    _header_row(contacts, CONTACT_COLUMNS)
    append_row(
        contacts, ["1", "李会计", "会计", "13912345678", "", "li@example.cn", "1985-03-02", "否"]
    )
    rules_sheet = workbook.create_sheet(HELP_SHEET)
    with translation.override("zh-hans"):
        lines = [
            ("导入编号", "每个客户一行，编号在文件内唯一；联系人表用它指向客户。"),
            ("必填列", "导入编号、客户名称；联系人表：导入编号、姓名。"),
            (
                "客户类型",
                "、".join(str(label) for _c, label in CustomerKind.choices)
                + "（或：个人、集团、政企）",
            ),
            ("证件类型", "、".join(str(label) for _c, label in IdType.choices)),
            ("证件号码", "居民身份证为18位并校验末位；统一社会信用代码为18位并校验末位。"),
            ("来源渠道", "、".join(str(label) for _c, label in SourceChannel.choices)),
            ("资信等级", "、".join(code for code, _l in CreditRating.choices)),
            (
                "客户等级",
                "、".join(policy.grade_codes) + "（新客户为临时等级，合作满期后正式评定）",
            ),
            ("服务等级", "、".join(str(t.label) for t in policy.service_tiers)),
            ("客户经理工号", "在职客户经理的工号或登录名；留空则按本组客户最少者自动分配。"),
            ("户号类型", "、".join(str(label) for _c, label in AccountKind.choices)),
            ("户号", "全系统唯一，不能与已有户号或文件内其他行重复。"),
            ("电话", "手机11位；固定电话需带区号，如 028-87654321。"),
            ("生日", "写作 1985-03-02。"),
            ("关键联系人", "是/否；客户表中的联系人即关键联系人，每个客户只能有一位。"),
            ("出错时", "默认任何一行有错则全部不导入；也可选择只导入正确的行并下载错误行。"),
        ]
    append_row(rules_sheet, ["项目", "说明"])
    for line in lines:
        append_row(rules_sheet, list(line))
    rules_sheet.column_dimensions["A"].width = 16
    rules_sheet.column_dimensions["B"].width = 90
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_bytes(customers: Iterable[Customer], *, masked: bool, policy: CustomerPolicy) -> bytes:
    """Customers and their contacts in the import format (导入编号 = customer number).

    With ``masked`` the phones and document numbers are masked as on screen.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(CUSTOMER_SHEET)
    contacts_sheet = workbook.create_sheet(CONTACT_SHEET)
    append_row(sheet, [c.header for c in CUSTOMER_COLUMNS] + [_("Customer number")])
    append_row(contacts_sheet, [c.header for c in CONTACT_COLUMNS])
    phone = mask_phone if masked else (lambda v: v)
    ident = rules.mask_id_number if masked else (lambda v: v)
    for customer in customers:
        contacts = list(customer.contacts.all())
        key = next((c for c in contacts if c.is_key), None)
        accounts = list(customer.accounts.all())
        account = accounts[0] if accounts else None
        manager = customer.account_manager
        append_row(
            sheet,
            [
                customer.code,
                _label(CustomerKind.choices, customer.kind),
                customer.name,
                _label(IdType.choices, customer.id_type),
                ident(customer.id_number),
                customer.industry,
                customer.address,
                _label(SourceChannel.choices, customer.source_channel),
                customer.credit_rating,
                customer.grade,
                policy.tier_label(customer.service_tier) if customer.service_tier else "",
                (manager.employee_no or manager.username) if manager else "",
                "、".join(t.name for t in customer.tags.all()),
                customer.notes,
                key.name if key else "",
                key.title if key else "",
                phone(key.mobile) if key else "",
                phone(key.phone) if key else "",
                key.birthday.isoformat() if key and key.birthday else "",
                _label(AccountKind.choices, account.kind) if account else "",
                account.number if account else "",
                account.premises_address if account else "",
                customer.code,
            ],
        )
        for contact in contacts:
            if contact is key:
                continue
            append_row(
                contacts_sheet,
                [
                    customer.code,
                    contact.name,
                    contact.title,
                    phone(contact.mobile),
                    phone(contact.phone),
                    contact.email,
                    contact.birthday.isoformat() if contact.birthday else "",
                    "否",
                ],
            )
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
