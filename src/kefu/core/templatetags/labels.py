"""Codes shown by their labels: ``{{ policy.ticket_types|code_labels:names.ticket_types }}``
joins the labels of a list of codes, ``{{ code|code_label:names }}`` gives one; a code
without a label is shown as it is."""

from django import template

register = template.Library()


@register.filter
def code_label(code, names) -> str:
    if code in (None, ""):
        return ""
    return str((names or {}).get(code, code))


@register.filter
def code_labels(codes, names) -> str:
    return "、".join(code_label(code, names) for code in codes or ())
