"""The configuration of intake: ticket types and the category tree."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kefu.core.tree import path_assign
from kefu.org.models import Department
from kefu.tickets import rules
from kefu.tickets.models import Category, IntakeChannel, TicketType


@transaction.atomic
def category_create(
    *,
    name: str,
    code: str,
    ticket_type: TicketType,
    parent: Category | None = None,
    lead_department: Department | None = None,
    default_priority: str = rules.Priority.NORMAL,
    extra_fields: list | None = None,
    sla_policy_code: str = "",
    reply_template: str = "",
    settle_at_first_contact: bool = False,
    sort_order: int = 0,
) -> Category:
    category = Category(
        name=name,
        code=code,
        ticket_type=ticket_type,
        parent=parent,
        lead_department=lead_department,
        default_priority=default_priority,
        extra_fields=extra_fields or [],
        sla_policy_code=sla_policy_code,
        reply_template=reply_template,
        settle_at_first_contact=settle_at_first_contact,
        sort_order=sort_order,
    )
    _check_extra_fields(category.extra_fields)
    category.full_clean(exclude=["path"])
    category.save()
    path_assign(category, parent)
    return category


@transaction.atomic
def category_update(*, category: Category, **fields) -> Category:
    """Change a category's settings (its place in the tree is fixed once created)."""
    category = Category.objects.select_for_update().get(pk=category.pk)
    fields.pop("parent", None)
    for name, value in fields.items():
        setattr(category, name, value)
    _check_extra_fields(category.extra_fields)
    category.full_clean(exclude=["path"])
    category.save()
    return category


def _check_extra_fields(specs) -> None:
    if not isinstance(specs, list) or not all(
        isinstance(s, dict) and isinstance(s.get("name"), str) and s["name"].isidentifier()
        for s in specs
    ):
        raise ValidationError(
            {
                "extra_fields": ValidationError(
                    _(
                        'Extra fields must be a list like [{"name": "meter_no", "label": "表号", '
                        '"required": true}] with names made of letters, digits and underscores.'
                    ),
                    code="invalid",
                )
            }
        )
    names = [s["name"] for s in specs]
    if len(names) != len(set(names)):
        raise ValidationError(
            {
                "extra_fields": ValidationError(
                    _("Two extra fields have the same name."), code="duplicate_name"
                )
            }
        )


def ticket_types_ensure() -> None:
    """Create the default ticket types and channels that do not exist (never changes
    existing ones)."""
    for order, (code, name) in enumerate(rules.DEFAULT_TICKET_TYPES):
        TicketType.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})
    channels_ensure()


def channels_ensure() -> None:
    """Create the default channels that do not exist (never changes existing ones)."""
    for order, (code, name) in enumerate(rules.DEFAULT_CHANNELS):
        IntakeChannel.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})


_CHANNEL_FIELDS = {"code", "name", "sort_order", "is_active"}


@transaction.atomic
def channel_create(*, code: str, name: str, sort_order: int = 0, is_active: bool = True):
    """A new channel orders may come in by (offered at intake while active)."""
    channel = IntakeChannel(code=code, name=name, sort_order=sort_order, is_active=is_active)
    channel.full_clean()
    channel.save()
    return channel


@transaction.atomic
def channel_update(*, channel: IntakeChannel, **fields) -> IntakeChannel:
    """Rename, reorder or (de)activate a channel; its code is fixed, as orders carry it."""
    unknown = set(fields) - _CHANNEL_FIELDS
    if unknown:
        raise ValidationError(
            _("Unknown field: %(names)s") % {"names": ", ".join(sorted(unknown))},
            code="unknown_field",
        )
    channel = IntakeChannel.objects.select_for_update().get(pk=channel.pk)
    if "code" in fields and fields["code"] != channel.code:
        raise ValidationError(
            {
                "code": ValidationError(
                    _("A channel's code cannot change: orders carry it."), code="channel_code_fixed"
                )
            }
        )
    for name, value in fields.items():
        setattr(channel, name, value)
    channel.full_clean()
    channel.save()
    return channel
