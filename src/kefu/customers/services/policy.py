"""The customer policy in force and its industry presets."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kefu.customers.models import (
    CustomerPolicyConfig,
)
from kefu.customers.policy import DEFAULT_PRESET, PRESETS, CustomerPolicy


def current_policy() -> CustomerPolicy:
    """The policy in force: the stored configuration, or the default preset."""
    config = CustomerPolicyConfig.objects.order_by("pk").first()
    return config.to_policy() if config else PRESETS[DEFAULT_PRESET]


@transaction.atomic
def policy_apply_preset(*, preset: str) -> CustomerPolicyConfig:
    """Reset the configuration to an industry preset (administrators then adjust it)."""
    if preset not in PRESETS:
        raise ValidationError(
            {
                "preset": ValidationError(
                    _("Unknown preset: %(code)s") % {"code": preset}, code="unknown_preset"
                )
            }
        )
    values = PRESETS[preset]
    config = CustomerPolicyConfig.objects.select_for_update().order_by("pk").first()
    config = config or CustomerPolicyConfig()
    config.preset = preset
    config.grades = []
    config.service_tiers = []
    config.grading_window_start_month, config.grading_window_start_day = values.grading_window_start
    config.grading_window_end_month, config.grading_window_end_day = values.grading_window_end
    config.temporary_grade_months = values.temporary_grade_months
    config.first_contact_days = values.first_contact_days
    config.entry_working_days = values.entry_working_days
    config.weekly_summary_weekday = values.weekly_summary_weekday
    config.weekly_summary_time = values.weekly_summary_time
    config.pii_roles = list(values.pii_roles)
    config.directory_roles = list(values.directory_roles)
    config.full_clean()
    config.save()
    return config
