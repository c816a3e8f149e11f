"""Customer-archive policies that differ by industry (requirements §22), as presets.

Pure values: the active policy is stored in ``CustomerPolicyConfig`` (one row, editable by
administrators, created from a preset); these presets are where a new installation starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import time
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Option:
    code: str
    label: StrOrPromise
    description: StrOrPromise = ""


@dataclass(frozen=True)
class CustomerPolicy:
    """Values the customer archive reads; every one is configurable."""

    preset: str
    grades: tuple[Option, ...]
    service_tiers: tuple[Option, ...]
    # Annual grading window (GRD-03): (month, day) inclusive.
    grading_window_start: tuple[int, int] = (3, 25)
    grading_window_end: tuple[int, int] = (3, 30)
    # New customers get a temporary grade, formally evaluated after this many months.
    temporary_grade_months: int = 6
    # A new lead with no contact logged within this many days becomes reassignable (ARC-06).
    first_contact_days: int = 7
    # A captured customer information file must be entered within this many working days.
    entry_working_days: int = 2
    # Weekly progress summary due (MGR-10): weekday (Monday = 0) and local time.
    weekly_summary_weekday: int = 4
    weekly_summary_time: time = time(17, 30)
    # Roles that see phones and ID numbers unmasked (the customer's own account manager
    # always does); everyone else must unmask with a reason, which is logged.
    pii_roles: tuple[str, ...] = ("cm_supervisor",)
    # Roles that may look a customer up anywhere in the organisation (the hotline),
    # while lists and exports stay within their data scope.
    directory_roles: tuple[str, ...] = ("agent", "shift_leader")
    notes: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def grade_codes(self) -> tuple[str, ...]:
        return tuple(g.code for g in self.grades)

    @property
    def tier_codes(self) -> tuple[str, ...]:
        return tuple(t.code for t in self.service_tiers)

    def grade_label(self, code: str) -> str:
        return next((str(g.label) for g in self.grades if g.code == code), code)

    def tier_label(self, code: str) -> str:
        return next((str(t.label) for t in self.service_tiers if t.code == code), code)


ABC = (
    Option("A", "A", _("Large-scale and urgent demand")),
    Option("B", "B", _("Ordinary demand with an intention to buy")),
    Option("C", "C", _("Latent demand")),
)
ABC_SCALE = (
    Option("A", "A", _("Large scale and high importance")),
    Option("B", "B", _("Medium scale and importance")),
    Option("C", "C", _("Small scale; must not be neglected")),
)
ABC_SALES = (
    Option("A", "A", _("Annual sales, price and payment all strong")),
    Option("B", "B", _("Ordinary; orders must not conflict with A orders")),
    Option("C", "C", _("Normal process; price and payment controlled")),
)
TELECOM_TIERS = (
    Option("diamond", _("Diamond")),
    Option("gold", _("Gold")),
    Option("silver", _("Silver")),
    Option("basic", _("Basic")),
)
STARS = (
    Option("5star", _("Five stars")),
    Option("4star", _("Four stars")),
    Option("3star", _("Three stars")),
    Option("2star", _("Two stars")),
    Option("1star", _("One star")),
)
POWER_TIERS = (
    Option("vip", _("VIP")),
    Option("important", _("Important customer")),
    Option("ordinary", _("Ordinary customer")),
)
STANDARD_TIERS = (
    Option("key", _("Key account")),
    Option("standard", _("Standard")),
)

PRESETS: dict[str, CustomerPolicy] = {
    "general": CustomerPolicy(preset="general", grades=ABC, service_tiers=STANDARD_TIERS),
    "telecom": CustomerPolicy(preset="telecom", grades=ABC_SCALE, service_tiers=TELECOM_TIERS),
    "power": CustomerPolicy(preset="power", grades=ABC, service_tiers=POWER_TIERS),
    "property": CustomerPolicy(preset="property", grades=ABC, service_tiers=STARS),
    "heating": CustomerPolicy(preset="heating", grades=ABC, service_tiers=STANDARD_TIERS),
    "insurance": CustomerPolicy(preset="insurance", grades=ABC, service_tiers=STARS),
    "manufacturing": CustomerPolicy(
        preset="manufacturing", grades=ABC_SALES, service_tiers=STANDARD_TIERS
    ),
    "it_service": CustomerPolicy(preset="it_service", grades=ABC, service_tiers=STANDARD_TIERS),
}
PRESET_LABELS = {
    "general": _("General"),
    "telecom": _("Telecom"),
    "power": _("Power supply"),
    "property": _("Property management"),
    "heating": _("Heating"),
    "insurance": _("Insurance"),
    "manufacturing": _("Manufacturing"),
    "it_service": _("IT service"),
}
DEFAULT_PRESET = "general"


def preset(code: str) -> CustomerPolicy:
    """A preset by code; ``KeyError`` for an unknown one."""
    return PRESETS[code]


def with_overrides(policy: CustomerPolicy, **values) -> CustomerPolicy:
    return replace(policy, **values)
