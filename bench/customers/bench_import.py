"""Time a 100,000-row customer import (validation + bulk write), as the import job runs it.

    export KEFU_DATA_DIR=$(mktemp -d)           # a throw-away SQLite database
    .venv/bin/kefu migrate
    .venv/bin/python bench/customers/bench_import.py --rows 100000

With DATABASE_URL=postgres://… it measures PostgreSQL instead. The workbook is generated
first (not timed) with valid rows in the template's format: customer sheet with key contact
and account, and a contact sheet with a second contact for every fifth customer.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_customers import credit_code, mobile, organisation, person_name, resident_id
from openpyxl import Workbook

from kefu.customers import importing
from kefu.customers.models import Customer


def workbook(rows: int, seed: int, managers) -> bytes:
    rng = random.Random(seed)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("客户")
    sheet.append([c.header for c in importing.CUSTOMER_COLUMNS])
    contacts = book.create_sheet("联系人")
    contacts.append([c.header for c in importing.CONTACT_COLUMNS])
    for serial in range(1, rows + 1):
        is_org = serial % 3 == 0
        name = f"成都测试{serial}商贸有限公司" if is_org else person_name(rng)
        values = {
            "ref": str(serial),
            "kind": "集团/政企" if is_org else "个人",
            "name": name,
            "id_type": "统一社会信用代码" if is_org else "居民身份证",
            "id_number": credit_code(rng) if is_org else resident_id(rng),
            "address": f"成都市锦江区春熙路{serial}号",
            "source_channel": "互联网",
            "credit_rating": "AA",
            "grade": rng.choice("ABC"),
            "manager": managers[serial % len(managers)].username,
            "tags": "导入测试",
            "contact_name": person_name(rng),
            "contact_mobile": mobile(rng),
            "contact_birthday": "1980-05-01",
            "account_kind": "用电户号",
            "account_number": f"IMP{seed:04d}{serial:09d}",
            "premises_address": f"春熙路{serial}号",
        }
        sheet.append([values.get(c.key, "") for c in importing.CUSTOMER_COLUMNS])
        if serial % 5 == 0:
            contacts.append([str(serial), person_name(rng), "会计", mobile(rng), "", "", "", "否"])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--workbook", type=Path, help="keep the generated workbook here and reuse it next time"
    )
    args = parser.parse_args()
    managers, _agent = organisation(teams=5, managers_per_team=10)
    started = time.perf_counter()
    if args.workbook and args.workbook.exists():
        content = args.workbook.read_bytes()
    else:
        content = workbook(args.rows, args.seed, managers)
        if args.workbook:
            args.workbook.write_bytes(content)
    print(
        f"workbook: {args.rows} rows, {len(content) / 1e6:.1f} MB, "
        f"generated in {time.perf_counter() - started:.1f} s (not part of the import)"
    )
    before = Customer.objects.count()
    phases = {}
    started = time.perf_counter()
    result = importing.import_customers(
        BytesIO(content),
        actor=managers[0],
        progress=lambda done, total: (
            phases.setdefault("validated_at", time.perf_counter())
            if done == total and total
            else None
        ),
    )
    total = time.perf_counter() - started
    from django.db import connection

    validated = phases.get("validated_at", started) - started
    print(f"database: {connection.vendor}")
    print(
        f"errors: {len(result.errors)}; created: {result.created} "
        f"(customers now {Customer.objects.count()}, before {before})"
    )
    print(
        f"read + validate: {validated:.1f} s; write: {total - validated:.1f} s; "
        f"total: {total:.1f} s"
    )


if __name__ == "__main__":
    main()
