"""Masking personal data in templates: ``{{ phone|mask_phone }}``, ``{{ id|mask_id }}``."""

from django import template

from kefu.core.phones import mask_phone as _mask_phone
from kefu.customers import rules

register = template.Library()


@register.filter
def mask_phone(value: str) -> str:
    return _mask_phone(value) if value else ""


@register.filter
def mask_id(value: str) -> str:
    return rules.mask_id_number(value) if value else ""


@register.simple_tag
def pii(value: str, show: bool, kind: str = "phone") -> str:
    """The value whole when *show*, else masked."""
    if not value or show:
        return value or ""
    return rules.mask_id_number(value) if kind == "id" else _mask_phone(value)


@register.filter
def tier_label(code: str, policy) -> str:
    """A service tier's label in the customer policy in force:
    ``{{ c.service_tier|tier_label:policy }}``."""
    if not code:
        return ""
    return policy.tier_label(code) if policy else code
