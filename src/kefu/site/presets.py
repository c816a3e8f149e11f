"""One industry switch (行业预置): apply an industry to every setting that depends on it.

An industry (``kefu.site.industries``) sets four parts, each through its own app's public
service: the customer-archive policy preset, the SLA policy preset (the industry's policies
loaded and active, other industries' preset policies stopped), the industry whose complaint
classes are offered, and which seeded visit-plan rules run. What changed is the difference
between the settings read before and after, so a preview (``dry_run``) is the same apply
rolled back and shows exactly what applying will do.

Every part is one setting for the whole installation today: applying for a company records
the company's industry and says, in the report, that the parts change for every unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.complaints.services import settings_get as complaint_settings_get
from kefu.complaints.services import settings_set_industry
from kefu.customers.policy import PRESET_LABELS, PRESETS
from kefu.customers.services import current_policy, policy_apply_preset
from kefu.followups.models import PlanRule
from kefu.followups.services import plan_rule_set_active
from kefu.org.models import Department, DepartmentKind, User
from kefu.site.industries import INDUSTRIES, PLAN_RULE_CODES, Industry
from kefu.site.models import PresetApplication
from kefu.sla import presets as sla_presets
from kefu.sla.models import SlaPolicy
from kefu.sla.services import sla_policy_update, sla_preset_load

COMPANY_KINDS = (DepartmentKind.COMPANY, DepartmentKind.CENTRE)

#: the parts an industry sets, in the order they are shown
PARTS = {
    "customers": gettext_lazy("Customer archive policy"),
    "sla": gettext_lazy("SLA policies"),
    "complaints": gettext_lazy("Complaint settings"),
    "followups": gettext_lazy("Visit-plan rules"),
}
#: parts whose setting is one for the whole installation (today: all of them)
INSTALLATION_WIDE = tuple(PARTS)
NONE = "—"


@dataclass(frozen=True)
class Change:
    part: str
    setting: str
    before: str
    after: str

    @property
    def part_label(self) -> str:
        return str(PARTS[self.part])

    def as_dict(self) -> dict[str, str]:
        return {
            "part": self.part,
            "setting": self.setting,
            "before": self.before,
            "after": self.after,
        }


@dataclass
class PresetReport:
    industry: str
    company: Department | None
    dry_run: bool
    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    application: PresetApplication | None = None

    @property
    def industry_label(self) -> str:
        return str(INDUSTRIES[self.industry].label)


def industry_get(code: str) -> Industry:
    """The industry of ``code``, or a ValidationError naming the field and the choices."""
    industry = INDUSTRIES.get(code)
    if industry is None:
        raise ValidationError(
            {
                "industry": ValidationError(
                    _("Unknown industry “%(code)s”; choose one of: %(choices)s")
                    % {"code": code, "choices": ", ".join(INDUSTRIES)},
                    code="unknown_industry",
                )
            }
        )
    return industry


def company_check(company: Department) -> None:
    if company.kind not in COMPANY_KINDS:
        raise ValidationError(
            {
                "company": ValidationError(
                    _("“%(name)s” is not a company or a centre / branch.") % {"name": company.name},
                    code="not_a_company",
                )
            }
        )


# ---------------------------------------------------------------- reading the settings


def settings_snapshot() -> dict[tuple[str, str], str]:
    """Every setting an industry touches, as (part, setting) → shown value."""
    values: dict[tuple[str, str], str] = {}
    policy = current_policy()
    customers = {
        _("Preset"): str(PRESET_LABELS.get(policy.preset, policy.preset)),
        _("Grades"): ", ".join(str(g.label) for g in policy.grades),
        _("Service tiers"): ", ".join(str(t.label) for t in policy.service_tiers),
        _("Grading window"): "{:02d}-{:02d} – {:02d}-{:02d}".format(
            *policy.grading_window_start, *policy.grading_window_end
        ),
        _("Months until a temporary grade is evaluated"): str(policy.temporary_grade_months),
        _("Days to contact a new lead"): str(policy.first_contact_days),
        _("Working days to enter a captured file"): str(policy.entry_working_days),
        _("Weekly summary due"): f"{policy.weekly_summary_weekday} "
        f"{policy.weekly_summary_time:%H:%M}",
        _("Roles that see personal data unmasked"): ", ".join(policy.pii_roles),
        _("Roles that may look up any customer"): ", ".join(policy.directory_roles),
    }
    values.update({("customers", name): value for name, value in customers.items()})
    for policy_row in SlaPolicy.objects.order_by("code").prefetch_related("milestones"):
        state = _("active") if policy_row.is_active else _("stopped")
        limits = "；".join(str(m) for m in policy_row.milestones.order_by("position"))
        values["sla", policy_row.code] = (
            f"{state} · {policy_row.order} · {policy_row.name} · {limits}"
        )
    industry = complaint_settings_get().industry
    values["complaints", _("Complaint classes offered")] = (
        str(INDUSTRIES[industry].label)
        if industry in INDUSTRIES
        else (industry or _("Every industry"))
    )
    rules = {r.code: r for r in PlanRule.objects.filter(code__in=PLAN_RULE_CODES)}
    for code in PLAN_RULE_CODES:
        rule = rules.get(code)
        values["followups", code] = (
            NONE
            if rule is None
            else f"{rule.name} · {_('active') if rule.is_active else _('stopped')}"
        )
    return values


def _diff(before: dict, after: dict) -> list[Change]:
    parts = list(PARTS)
    # the customer settings keep their reading order; the others go by code
    reading = {key: index for index, key in enumerate(k for k in before if k[0] == "customers")}
    keys = sorted(
        (k for k in set(before) | set(after) if before.get(k, NONE) != after.get(k, NONE)),
        key=lambda k: (parts.index(k[0]), reading.get(k, 0), k[1]),
    )
    return [
        Change(part, setting, before.get((part, setting), NONE), after.get((part, setting), NONE))
        for part, setting in keys
    ]


# ---------------------------------------------------------------- applying


def _apply_parts(industry: Industry) -> None:
    if current_policy() != PRESETS[industry.customer_preset]:
        policy_apply_preset(preset=industry.customer_preset)
    sla_preset_load(industry=industry.sla_preset)
    preset_codes = {p.code for p in sla_presets.PRESETS[industry.sla_preset].policies}
    for policy in SlaPolicy.objects.exclude(industry=""):
        if policy.code not in preset_codes and policy.industry == industry.sla_preset:
            continue  # an administrator's own policy of this industry: theirs to run or stop
        should_run = policy.code in preset_codes
        if policy.is_active != should_run:
            sla_policy_update(policy=policy, is_active=should_run)
    settings_set_industry(industry=industry.complaint_industry)
    for code in PLAN_RULE_CODES:
        plan_rule_set_active(code=code, is_active=code in industry.plan_rules)


def _notes(industry: Industry, company: Department | None) -> list[str]:
    notes = []
    missing = set(PLAN_RULE_CODES) - set(
        PlanRule.objects.filter(code__in=PLAN_RULE_CODES).values_list("code", flat=True)
    )
    if missing:
        notes.append(
            _("These visit-plan rules were deleted and are left out: %(codes)s")
            % {"codes": ", ".join(sorted(missing))}
        )
    if company is None:
        return notes
    notes.append(
        _(
            "%(parts)s are one setting for the whole installation: applying for "
            "“%(company)s” changes them for every company."
        )
        % {
            "parts": "、".join(str(PARTS[p]) for p in INSTALLATION_WIDE),
            "company": company.name,
        }
    )
    for other, other_industry in company_industries().items():
        if other != company and other_industry != industry.code:
            notes.append(
                _("“%(company)s” was set to %(industry)s; its settings change too.")
                % {
                    "company": other.name,
                    "industry": INDUSTRIES[other_industry].label
                    if other_industry in INDUSTRIES
                    else other_industry,
                }
            )
    return notes


def preset_apply(
    *,
    industry: str,
    company: Department | None = None,
    actor: User | None,
    dry_run: bool = False,
    now: datetime | None = None,
) -> PresetReport:
    """Apply ``industry`` to the customer policy, the SLA policies, the complaint settings
    and the visit-plan rules, and return every setting that changed (before → after).

    Idempotent: a second apply changes nothing and records nothing. ``dry_run`` does the
    same work and rolls it back, so the report is what applying would change. ``company``
    (a company or centre / branch) records whose industry it is; the parts are
    installation-wide and the report's notes say so.
    """
    spec = industry_get(industry)
    if company is not None:
        company_check(company)
    report = PresetReport(industry=industry, company=company, dry_run=dry_run)
    report.notes = _notes(spec, company)
    with transaction.atomic():
        before = settings_snapshot()
        _apply_parts(spec)
        report.changes = _diff(before, settings_snapshot())
        if dry_run:
            transaction.set_rollback(True)
        elif report.changes or _recorded_industry(company) != industry:
            report.application = PresetApplication.objects.create(
                industry=industry,
                company=company,
                applied_by=actor,
                applied_at=now or timezone.now(),
                changes=[c.as_dict() for c in report.changes],
            )
    return report


# ---------------------------------------------------------------- reading what was applied


def company_industries() -> dict[Department, str]:
    """Each company's industry: the last one applied for it."""
    latest: dict[Department, str] = {}
    rows = PresetApplication.objects.filter(company__isnull=False).select_related("company")
    for row in rows.order_by("applied_at", "id"):
        if row.company is not None:
            latest[row.company] = row.industry
    return latest


def _recorded_industry(company: Department | None) -> str:
    if company is None:
        return installation_industry()
    return company_industries().get(company, "")


def installation_industry() -> str:
    """The industry last applied to the whole installation ("" if none was)."""
    row = PresetApplication.objects.filter(company__isnull=True).order_by("-applied_at", "-id")
    return row.values_list("industry", flat=True).first() or ""


def preset_applications(*, limit: int = 20):
    return PresetApplication.objects.select_related("company", "applied_by")[:limit]
