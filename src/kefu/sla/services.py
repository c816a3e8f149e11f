"""Writes to the SLA policies.

Every function is keyword-only, validates (``full_clean``) before saving and runs in one
transaction; the change history is kept by the models' ``HistoricalRecords``. The working
calendars are written by ``kefu.calendars.services``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.calendars import seeding
from kefu.calendars.models import WorkCalendar
from kefu.calendars.services import calendars_ensure
from kefu.sla import presets, rules
from kefu.sla.events import is_start_event, start_event_label
from kefu.sla.models import SlaMilestone, SlaPolicy
from kefu.sla.policy import CONDITION_FIELDS, MET_PREFIX, StartsAt

# ---------------------------------------------------------------------------- policies

POLICY_FIELDS = {
    "code",
    "name",
    "industry",
    "is_active",
    "order",
    "description",
    "escalate_centre_after",
    "escalate_gm_after",
    *CONDITION_FIELDS,
}
MILESTONE_FIELDS = {
    "position",
    "kind",
    "label",
    "amount",
    "unit",
    "hard_limit_amount",
    "calendar",
    "starts_at",
    "pauses",
    "warning_thresholds",
}


def _check_fields(fields: Mapping, allowed: set[str]) -> None:
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(
            _("Unknown field: %(names)s") % {"names": ", ".join(sorted(unknown))},
            code="unknown_field",
        )


def _normalise_policy(fields: dict) -> dict:
    for name in CONDITION_FIELDS:
        if name in fields:
            value = fields[name]
            if value is None:
                value = []
            if not isinstance(value, str | list | tuple):
                raise ValidationError(
                    {name: ValidationError(_("Enter a list of codes."), code="invalid")}
                )
            fields[name] = rules.split_codes(value)
    return fields


def _check_condition_codes(fields: Mapping, policy: SlaPolicy | None = None) -> None:
    """Each condition names ticket types, categories, priorities, channels, grades and
    tiers that exist (codes the policy already has may stay: a preset names codes an
    organisation may not use)."""
    from kefu.sla.selectors import CONDITION_TITLES, unknown_condition_codes

    conditions = {name: fields[name] for name in CONDITION_FIELDS if name in fields}
    allowed = {name: set(getattr(policy, name) or ()) for name in conditions} if policy else {}
    unknown = unknown_condition_codes(conditions, allowed=allowed)
    if unknown:
        raise ValidationError(
            {
                name: ValidationError(
                    _("%(field)s: there is no option with the code %(codes)s.")
                    % {"field": CONDITION_TITLES[name], "codes": "、".join(codes)},
                    code="unknown_code",
                )
                for name, codes in unknown.items()
            }
        )


@transaction.atomic
def sla_policy_create(**fields) -> SlaPolicy:
    """A new policy (without milestones). Conditions are lists of codes of what exists
    (ticket types, categories, priorities, channels, customer grades, service tiers);
    empty = any."""
    _check_fields(fields, POLICY_FIELDS)
    fields = _normalise_policy(dict(fields))
    _check_condition_codes(fields)
    return _policy_create(fields)


def _policy_create(fields: dict) -> SlaPolicy:
    policy = SlaPolicy(**fields)
    policy.full_clean()
    policy.save()
    return policy


@transaction.atomic
def sla_policy_update(*, policy: SlaPolicy, **fields) -> SlaPolicy:
    _check_fields(fields, POLICY_FIELDS)
    policy = SlaPolicy.objects.select_for_update().get(pk=policy.pk)
    fields = _normalise_policy(dict(fields))
    _check_condition_codes(fields, policy)
    return _policy_update(policy, fields)


def _policy_update(policy: SlaPolicy, fields: dict) -> SlaPolicy:
    changed = False
    for name, value in fields.items():
        if getattr(policy, name) != value:
            setattr(policy, name, value)
            changed = True
    policy.full_clean()
    if changed:
        policy.save()
    return policy


def _check_milestone(milestone: SlaMilestone) -> None:
    milestone.full_clean()
    if milestone.starts_at.startswith(MET_PREFIX):
        kind = milestone.starts_at[len(MET_PREFIX) :]
        others = SlaMilestone.objects.filter(policy=milestone.policy_id, kind=kind).exclude(
            pk=milestone.pk
        )
        if kind == milestone.kind or not others.exists():
            raise ValidationError(
                {
                    "starts_at": ValidationError(
                        _(
                            "The clock starts when “%(event)s” is reached, but the policy "
                            "has no other milestone of that kind."
                        )
                        % {"event": start_event_label(milestone.starts_at)},
                        code="start_milestone_missing",
                    )
                }
            )
    if milestone.starts_at == StartsAt.PREVIOUS:
        earlier = SlaMilestone.objects.filter(
            policy=milestone.policy_id, position__lt=milestone.position
        ).exclude(pk=milestone.pk)
        if not earlier.exists():
            raise ValidationError(
                {
                    "starts_at": ValidationError(
                        _("The first milestone of a policy cannot start at the previous one."),
                        code="no_previous_milestone",
                    )
                }
            )


@transaction.atomic
def sla_milestone_create(*, policy: SlaPolicy, **fields) -> SlaMilestone:
    """Add a milestone; without ``position`` it goes after the last one."""
    _check_fields(fields, MILESTONE_FIELDS)
    policy = SlaPolicy.objects.select_for_update().get(pk=policy.pk)
    if fields.get("position") is None:
        last = policy.milestones.order_by("-position").values_list("position", flat=True).first()
        fields["position"] = (last or 0) + 1
    if policy.milestones.filter(position=fields["position"]).exists():
        raise ValidationError(
            {
                "position": ValidationError(
                    _("Another milestone of this policy has this position."), code="unique"
                )
            }
        )
    milestone = SlaMilestone(policy=policy, **fields)
    _check_milestone(milestone)
    milestone.save()
    return milestone


@transaction.atomic
def sla_milestone_update(*, milestone: SlaMilestone, **fields) -> SlaMilestone:
    _check_fields(fields, MILESTONE_FIELDS)
    milestone = SlaMilestone.objects.select_for_update().get(pk=milestone.pk)
    if (
        "position" in fields
        and fields["position"] != milestone.position
        and SlaMilestone.objects.filter(policy=milestone.policy_id, position=fields["position"])
        .exclude(pk=milestone.pk)
        .exists()
    ):
        raise ValidationError(
            {
                "position": ValidationError(
                    _("Another milestone of this policy has this position."), code="unique"
                )
            }
        )
    before = {name: getattr(milestone, name) for name in fields}
    for name, value in fields.items():
        setattr(milestone, name, value)
    _check_milestone(milestone)
    if before != {name: getattr(milestone, name) for name in fields}:
        milestone.save()
    return milestone


@transaction.atomic
def sla_milestone_delete(*, milestone: SlaMilestone) -> None:
    following = (
        SlaMilestone.objects.filter(policy=milestone.policy_id, position__gt=milestone.position)
        .order_by("position")
        .first()
    )
    if following is not None and following.starts_at == StartsAt.PREVIOUS:
        raise ValidationError(
            _("“%(next)s” starts when this milestone is reached; change it first.")
            % {"next": following},
            code="milestone_referenced",
        )
    milestone.delete()


@transaction.atomic
def sla_preset_load(*, industry: str) -> dict[str, int]:
    """Create or update the policies of an industry preset to the preset's values.

    Idempotent: loading twice changes nothing (and writes no history). Policies of the
    preset that an administrator changed are set back to the preset; other policies are
    untouched. Returns counts of created / updated policies and milestones.
    """
    preset = presets.PRESETS.get(industry)
    if preset is None:
        raise ValidationError(
            {
                "industry": ValidationError(
                    _("Unknown industry “%(industry)s”; choose one of: %(choices)s")
                    % {"industry": industry, "choices": ", ".join(presets.PRESETS)},
                    code="invalid_choice",
                )
            }
        )
    calendars_ensure()
    calendars = {
        c.code: c
        for c in WorkCalendar.objects.filter(
            code__in=[seeding.STANDARD_CODE, seeding.ALWAYS_OPEN_CODE]
        )
    }
    counts = {
        "policies_created": 0,
        "policies_updated": 0,
        "milestones_created": 0,
        "milestones_updated": 0,
        "milestones_deleted": 0,
    }
    for index, spec in enumerate(preset.policies, start=1):
        values = {
            "name": spec.name,
            "industry": preset.industry,
            "order": index * 10,
            "description": spec.source,
            **{name: list(getattr(spec, name)) for name in CONDITION_FIELDS},
        }
        # a preset's conditions may name codes this organisation does not use (yet): they
        # never match until it does, so they are written as they are
        policy = SlaPolicy.objects.filter(code=spec.code).first()
        if policy is None:
            policy = _policy_create({"code": spec.code, "is_active": True, **values})
            counts["policies_created"] += 1
        else:
            before = policy.history.count()
            policy = _policy_update(SlaPolicy.objects.select_for_update().get(pk=policy.pk), values)
            counts["policies_updated"] += policy.history.count() > before
        existing = {m.position: m for m in policy.milestones.all()}
        for position, item in enumerate(spec.milestones, start=1):
            fields = {
                "kind": item.kind,
                "label": item.label,
                "amount": item.amount,
                "unit": str(item.unit),
                "hard_limit_amount": item.hard_limit_amount,
                "calendar": calendars[item.calendar],
                "starts_at": str(item.starts_at),
                "pauses": item.pauses,
                "warning_thresholds": list(item.warning_thresholds),
            }
            current = existing.pop(position, None)
            if current is None:
                sla_milestone_create(policy=policy, position=position, **fields)
                counts["milestones_created"] += 1
            elif any(getattr(current, k) != v for k, v in fields.items()):
                sla_milestone_update(milestone=current, **fields)
                counts["milestones_updated"] += 1
        for extra in sorted(existing.values(), key=lambda m: -m.position):
            extra.delete()
            counts["milestones_deleted"] += 1
    return counts


def clock_event_record(
    *,
    ticket,
    event: str,
    at: datetime | None = None,
    actor=None,
    now: datetime | None = None,
) -> list:
    """Announce that ``event`` (a start event declared in ``kefu.sla.events``, e.g. a
    complaint's ``investigation_finished``) happened on ``ticket`` at ``at`` (by default
    now): every milestone of the order whose clock starts at that event starts then, with
    a line on the order's timeline. Call it inside the transaction of the write that makes
    the event happen. Returns the order's time limits that started."""
    from kefu.sla import engine

    if not is_start_event(event):
        raise ValueError(f"unknown start event {event!r}")
    now = now or timezone.now()
    return engine.clock_event_start(ticket=ticket, event=event, at=at or now, actor=actor, now=now)
