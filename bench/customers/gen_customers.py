"""Fill a kefu database with N synthetic customers for the lookup benchmark.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kefu_bench .venv/bin/kefu migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kefu_bench \
        .venv/bin/python bench/customers/gen_customers.py --count 1000000

Each customer gets a key contact (organisations also a second contact with a landline) and
one service account, and every lookup key the services would write (name, contact names,
phones, document number, account number, customer number). Rows are written in bulk:
PostgreSQL COPY with the lookup-key indexes dropped during the load and rebuilt after;
SQLite executemany in one transaction. Deterministic for a given --seed. Run it on an empty
benchmark database, never on a real one.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.config.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402

from kefu.core.demodata import GIVEN, SURNAMES  # noqa: E402
from kefu.customers import rules  # noqa: E402
from kefu.customers.models import (  # noqa: E402
    Contact,
    Customer,
    CustomerKey,
    Sequence,
    ServiceAccount,
)
from kefu.org import services as org_services  # noqa: E402
from kefu.org.models import Department, User  # noqa: E402

REGIONS = ["510104", "510105", "510106", "510107", "510108", "110101", "310104", "440304"]
ORG_WORDS = [
    "锦城",
    "蓉欣",
    "天府",
    "西蜀",
    "华信",
    "金沙",
    "川能",
    "宏达",
    "新希望",
    "安和",
    "星辰",
    "鑫源",
    "恒通",
    "博远",
    "盛世",
    "长虹",
    "东方",
    "南山",
    "北辰",
    "中联",
]
TRADES = [
    "物业服务",
    "商贸",
    "机械制造",
    "餐饮管理",
    "置业",
    "医院",
    "学校",
    "酒店",
    "电力工程",
    "建材",
    "物流",
    "科技",
]
SUFFIX = ["有限公司", "股份有限公司", "有限责任公司"]
MOBILE_PREFIXES = ["138", "139", "135", "136", "137", "150", "151", "158", "186", "187", "189"]
USCC = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def organisation(teams: int, managers_per_team: int) -> tuple[list[User], User]:
    """A company with teams of account managers, and one hotline agent (created once)."""
    org_services.roles_ensure()
    company = Department.objects.filter(code="bench").first() or org_services.department_create(
        name="基准测试公司", code="bench", kind="company"
    )
    managers = []
    for t in range(teams):
        team = Department.objects.filter(code=f"bench-t{t}").first() or (
            org_services.department_create(
                name=f"客户经理{t}组", code=f"bench-t{t}", kind="team", parent=company
            )
        )
        for m in range(managers_per_team):
            username = f"bench-cm{t:02d}{m:02d}"
            user = User.objects.filter(username=username).first() or org_services.staff_create(
                username=username,
                full_name=f"经理{t}-{m}",
                password=None,
                department=team,
                roles=org_services.roles_by_code(["customer_manager"]),
            )
            managers.append(user)
    agent = User.objects.filter(username="bench-agent").first() or org_services.staff_create(
        username="bench-agent",
        full_name="基准坐席",
        password=None,
        department=company,
        roles=org_services.roles_by_code(["agent"]),
    )
    return managers, agent


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def resident_id(rng: random.Random) -> str:
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55))
    first17 = f"{rng.choice(REGIONS)}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + rules.id_check_digit(first17)


def credit_code(rng: random.Random) -> str:
    first17 = "91" + rng.choice(REGIONS) + "".join(rng.choice(USCC) for _ in range(9))
    return first17 + rules.credit_code_check_char(first17)


def generate(count: int, seed: int, managers: list[User], start_ids: dict[str, int]):
    """Yield the rows of the four tables, in order, as tuples."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    customer_id = start_ids["customer"]
    contact_id = start_ids["contact"]
    account_id = start_ids["account"]
    code_base = start_ids["code"]
    customers, contacts, accounts, keys = [], [], [], []
    for serial in range(count):
        customer_id += 1
        manager = managers[serial % len(managers)]
        is_org = rng.random() < 0.3
        if is_org:
            name = (
                f"{rng.choice(['成都', '绵阳', '德阳', '乐山'])}{rng.choice(ORG_WORDS)}"
                f"{rng.choice(TRADES)}{rng.choice(SUFFIX)}"
            )
            id_type, id_number = "credit_code", credit_code(rng)
        else:
            name = person_name(rng)
            id_type, id_number = "resident_id", resident_id(rng)
        code = f"KH{code_base + serial + 1:08d}"
        grade = rng.choice("ABCC ")
        customers.append(
            (
                customer_id,
                code,
                "organisation" if is_org else "individual",
                name,
                id_type,
                id_number,
                "",
                "",
                "",
                "",
                "customer",
                grade.strip(),
                "",
                False,
                None,
                None,
                "",
                manager.department_id,
                manager.pk,
                now,
                None,
                now,
                None,
                "",
                True,
                None,
                now,
                now,
            )
        )
        keys.append((customer_id, None, "code", code))
        keys.append((customer_id, None, "name", rules.normalise_key(name)))
        keys.append((customer_id, None, "id_number", id_number))
        contact_id += 1
        phone = mobile(rng)
        contact_name = person_name(rng) if is_org else name
        contacts.append(
            (
                contact_id,
                customer_id,
                contact_name,
                "",
                True,
                False,
                phone,
                "",
                "",
                "",
                None,
                "",
                True,
            )
        )
        keys.append((customer_id, contact_id, "phone", phone))
        if is_org:
            keys.append((customer_id, contact_id, "contact", rules.normalise_key(contact_name)))
            contact_id += 1
            second = person_name(rng)
            landline = f"028{rng.randrange(10**7, 10**8)}"
            contacts.append(
                (
                    contact_id,
                    customer_id,
                    second,
                    "",
                    False,
                    False,
                    "",
                    landline,
                    "",
                    "",
                    None,
                    "",
                    True,
                )
            )
            keys.append((customer_id, contact_id, "contact", rules.normalise_key(second)))
            keys.append((customer_id, contact_id, "phone", landline))
        account_id += 1
        number = f"{rng.choice(['DL', 'HH', 'FH'])}{code_base + serial + 1:010d}"
        accounts.append((account_id, customer_id, "power", number, "", "", "{}", None, True))
        keys.append((customer_id, None, "account", number))
        if len(customers) >= 20000:
            yield customers, contacts, accounts, keys
            customers, contacts, accounts, keys = [], [], [], []
    if customers:
        yield customers, contacts, accounts, keys


CUSTOMER_COLUMNS = [
    "id",
    "code",
    "kind",
    "name",
    "id_type",
    "id_number",
    "industry",
    "address",
    "source_channel",
    "credit_rating",
    "relationship_stage",
    "grade",
    "service_tier",
    "grade_is_temporary",
    "grade_due_on",
    "cooperation_started_on",
    "notes",
    "department_id",
    "account_manager_id",
    "assigned_at",
    "first_contact_due_at",
    "last_contact_at",
    "duplicate_of_id",
    "duplicate_note",
    "is_active",
    "created_by_id",
    "created_at",
    "updated_at",
]
CONTACT_COLUMNS = [
    "id",
    "customer_id",
    "name",
    "title",
    "is_key",
    "decides",
    "mobile",
    "phone",
    "email",
    "im_handle",
    "birthday",
    "notes",
    "is_active",
]
ACCOUNT_COLUMNS = [
    "id",
    "customer_id",
    "kind",
    "number",
    "premises_address",
    "industry",
    "attributes",
    "opened_on",
    "is_active",
]
KEY_COLUMNS = ["customer_id", "contact_id", "kind", "value"]
TABLES = [
    (Customer._meta.db_table, CUSTOMER_COLUMNS),
    (Contact._meta.db_table, CONTACT_COLUMNS),
    (ServiceAccount._meta.db_table, ACCOUNT_COLUMNS),
    (CustomerKey._meta.db_table, KEY_COLUMNS),
]


def load(count: int, seed: int, managers: list[User]) -> None:
    start_ids = {
        "customer": Customer.objects.order_by("-id").values_list("id", flat=True).first() or 0,
        "contact": Contact.objects.order_by("-id").values_list("id", flat=True).first() or 0,
        "account": ServiceAccount.objects.order_by("-id").values_list("id", flat=True).first() or 0,
        "code": Sequence.objects.filter(name="customer").values_list("value", flat=True).first()
        or 0,
    }
    postgres = connection.vendor == "postgresql"
    key_table = CustomerKey._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        saved_indexes = []
        if postgres:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
                "AND indexname NOT LIKE '%%pkey'",
                [key_table],
            )
            saved_indexes = cursor.fetchall()
            for name, _definition in saved_indexes:
                cursor.execute(f'DROP INDEX "{name}"')
        done = 0
        for batches in generate(count, seed, managers, start_ids):
            for (table, columns), rows in zip(TABLES, batches, strict=True):
                if postgres:
                    with cursor.cursor.copy(
                        f"COPY {table} ({', '.join(columns)}) FROM STDIN"
                    ) as copy:
                        for row in rows:
                            copy.write_row(row)
                else:
                    placeholders = ", ".join(["%s"] * len(columns))
                    cursor.executemany(
                        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})",
                        rows,
                    )
            done += len(batches[0])
            print(f"\r{done}/{count} customers", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
        started = time.perf_counter()
        if postgres:
            # foreign keys are checked at commit; check them now so the indexes can be built
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for _name, definition in saved_indexes:
            cursor.execute(definition)
        if postgres:
            for table, _columns in TABLES:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT MAX(id) FROM {table}))"
                )
        Sequence.objects.update_or_create(
            name="customer", defaults={"value": start_ids["code"] + count}
        )
        print(f"indexes rebuilt in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--teams", type=int, default=20)
    parser.add_argument("--managers-per-team", type=int, default=10)
    args = parser.parse_args()
    started = time.perf_counter()
    managers, _agent = organisation(args.teams, args.managers_per_team)
    load(args.count, args.seed, managers)
    total = Customer.objects.count()
    print(
        f"loaded {args.count} customers in {time.perf_counter() - started:.1f} s "
        f"({total} in the database, {connection.vendor})"
    )


if __name__ == "__main__":
    main()
