"""What one industry switch (行业预置) sets in each app, as plain data.

An industry decides four things that used to be set one by one: the customer-archive
policy preset (``kefu customer_policy --preset``), the SLA policy preset (``kefu sla
load-preset``), the industry whose complaint classes are offered (complaint settings), and
which of the seeded visit-plan rules run. ``kefu.site.presets`` applies them together;
docs/presets.md lists the values and where each comes from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# The visit-plan rules every installation is seeded with (kefu.followups.seeds.PLAN_RULES).
DELIVERY_CYCLE = "delivery-cycle"  # RV-01: delivered projects, monthly then quarterly
BIRTHDAY = "key-contact-birthday"  # key contacts of organisational customers
HOLIDAY = "holiday-greeting"  # fixed-date greetings
NEW_YEAR = "new-year-a"  # RV-11/NTF-05: A-grade customers' needs for the coming year
PLAN_RULE_CODES = (DELIVERY_CYCLE, BIRTHDAY, HOLIDAY, NEW_YEAR)

# Industries whose customers are organisations with key contacts and grades get the
# relationship visits; households (property, heating) get the holiday greeting only.
KEY_ACCOUNT_RULES = frozenset({BIRTHDAY, HOLIDAY, NEW_YEAR})
HOUSEHOLD_RULES = frozenset({HOLIDAY})


@dataclass(frozen=True)
class Industry:
    code: str
    label: StrOrPromise
    customer_preset: str  # kefu.customers.policy.PRESETS
    sla_preset: str  # kefu.sla.presets.PRESETS
    complaint_industry: str  # ComplaintClass.industry offered
    plan_rules: frozenset[str]  # active seeded visit-plan rules; the others are stopped


INDUSTRIES: dict[str, Industry] = {
    "power": Industry("power", _("Power supply"), "power", "power", "power", KEY_ACCOUNT_RULES),
    "telecom": Industry(
        "telecom",
        _("Telecom"),
        "telecom",
        "telecom",
        "telecom",
        KEY_ACCOUNT_RULES | {DELIVERY_CYCLE},
    ),
    "property": Industry(
        "property",
        _("Property management"),
        "property",
        "property",
        "property",
        HOUSEHOLD_RULES,
    ),
    "heating": Industry("heating", _("Heating"), "heating", "heating", "heating", HOUSEHOLD_RULES),
    "insurance": Industry(
        "insurance", _("Insurance"), "insurance", "insurance", "insurance", KEY_ACCOUNT_RULES
    ),
    "manufacturing": Industry(
        "manufacturing",
        _("Manufacturing"),
        "manufacturing",
        "manufacturing",
        "manufacturing",
        KEY_ACCOUNT_RULES | {DELIVERY_CYCLE},
    ),
}

INDUSTRY_CHOICES = [(code, industry.label) for code, industry in INDUSTRIES.items()]
