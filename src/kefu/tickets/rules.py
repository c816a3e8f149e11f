"""Pure rules of the work-order module: numbering, routing, ordering. No ORM, no clock."""

from __future__ import annotations

import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kefu.core.tree import in_subtree

DEFAULT_NUMBER_PATTERN = "{prefix}{date:%Y%m%d}-{serial:05d}"
# The ticket types every installation starts with (code, Chinese name); configurable after.
DEFAULT_TICKET_TYPES = (
    ("consultation", "咨询"),
    ("repair", "报修"),
    ("service_request", "业务办理"),
    ("complaint", "投诉"),
    ("tip_off", "举报"),
    ("suggestion", "建议"),
    ("praise", "表扬"),
)
# The channels every installation starts with (code, Chinese name); configurable after.
# 上级转办 (matters transferred from above) is what the time-limit presets' one-hour
# rule (WO-08) looks for.
DEFAULT_CHANNELS = (
    ("hotline", "服务热线"),
    ("counter", "营业厅"),
    ("web", "网站"),
    ("email", "电子邮箱"),
    ("sms", "短信"),
    ("wechat", "微信"),
    ("internal", "内部"),
    ("superior_transfer", "上级转办"),
)
NO_DEADLINE = datetime(9999, 12, 31, tzinfo=UTC)
_FIELDS = {"prefix", "date", "serial"}


class Priority(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    HIGH = "high", _("High")
    NORMAL = "normal", _("Normal")
    LOW = "low", _("Low")


PRIORITY_RANK: dict[str, int] = {
    Priority.URGENT: 0,
    Priority.HIGH: 1,
    Priority.NORMAL: 2,
    Priority.LOW: 3,
}
# The grades every preset of the customer archive starts with; the archive's policy may
# configure others (D, AA, 1A …): an order's grade is one of the configured list.
DEFAULT_GRADES = ("A", "B", "C")
# Queues put orders without a grade after every graded one.
NO_GRADE_RANK = 50


def grade_rank(grade: str | None, grades: Sequence[str] = DEFAULT_GRADES) -> int:
    """A grade's place in queue order: its position in the configured list (first = most
    important), ungraded and unknown grades last."""
    grade = grade or ""
    if grade in grades:
        return min(list(grades).index(grade), NO_GRADE_RANK - 1)
    upper = [g.upper() for g in grades]
    if grade.upper() in upper:
        return min(upper.index(grade.upper()), NO_GRADE_RANK - 1)
    return NO_GRADE_RANK


class Channel(models.TextChoices):
    """The channels kefu itself writes orders by (the configurable list,
    ``IntakeChannel``, starts with these and may add more, e.g. 上级转办)."""

    HOTLINE = "hotline", _("Hotline")
    COUNTER = "counter", _("Counter")
    WEB = "web", _("Web form")
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat")
    INTERNAL = "internal", _("Internal")


def pattern_errors(pattern: str) -> list[str]:
    """Problems with a number pattern (empty list when it is usable)."""
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None}
    except ValueError as exc:
        return [str(exc)]
    errors = []
    unknown = fields - _FIELDS
    if unknown:
        errors.append(f"unknown fields: {', '.join(sorted(unknown))}")
    if "serial" not in fields:
        errors.append("the pattern must contain {serial}")
    return errors


def counter_key(pattern: str, *, prefix: str, day: date) -> str:
    """The counter a number draws from: per day when the pattern shows the date."""
    return f"{prefix}:{day.isoformat()}" if "{date" in pattern else f"{prefix}:all"


def format_number(pattern: str, *, prefix: str, day: date, serial: int) -> str:
    return pattern.format(prefix=prefix, date=day, serial=serial)


@dataclass(frozen=True)
class RoutingRuleView:
    """What routing needs of a rule: the conditions (empty = any) and the department."""

    order: int
    department_id: int
    category_path: str = ""
    area: str = ""
    grade: str = ""


def route(
    rules: Sequence[RoutingRuleView], *, category_path: str, area: str = "", grade: str = ""
) -> int | None:
    """The department of the first rule (by ``order``) whose conditions all match.

    A rule's category matches the category and everything below it; its area matches when
    the ticket's area starts with it (so "城东" matches "城东区幸福小区"); grade matches
    exactly. ``None`` when no rule matches (the category's lead department applies).
    """
    for rule in sorted(rules, key=lambda r: r.order):
        if rule.category_path and not in_subtree(category_path, rule.category_path):
            continue
        if rule.area and not (area or "").startswith(rule.area):
            continue
        if rule.grade and rule.grade.upper() != (grade or "").upper():
            continue
        return rule.department_id
    return None


def pick_assignee(
    candidates: Iterable[tuple[int, int]], *, mode: str, last_assigned_id: int | None
) -> int | None:
    """Choose a handler inside a department.

    ``candidates`` are ``(user_id, open_load)`` pairs. ``round_robin`` takes the next id after
    the last one assigned (wrapping); ``least_load`` takes the smallest load, then the
    smallest id. Any other mode assigns nobody.
    """
    pool = sorted(candidates)
    if not pool:
        return None
    if mode == "round_robin":
        for user_id, _load in pool:
            if last_assigned_id is None or user_id > last_assigned_id:
                return user_id
        return pool[0][0]
    if mode == "least_load":
        return min(pool, key=lambda pair: (pair[1], pair[0]))[0]
    return None


# ---------------------------------------------------------------- size limits


@dataclass(frozen=True)
class Limits:
    """How much a work order takes (settings ``KEFU_TICKET_*_MAX_*``): characters of the
    description and of a timeline note (reason, result, comment), and the category fields'
    JSON as a whole (bytes, keys) and per value (characters)."""

    description: int
    note: int
    extra_bytes: int
    extra_keys: int
    extra_value: int


def too_long(label: str, value: str, limit: int) -> str | None:
    """The error naming *label* and the rule when *value* is over *limit* characters."""
    if len(value) <= limit:
        return None
    return too_long_message(label) % {"limit_value": limit, "show_value": len(value)}


def too_long_message(label: str) -> str:
    """The message for a text over its limit, with ``%(limit_value)d`` and
    ``%(show_value)d`` left to fill (Django's max_length parameters, so forms show it too)."""
    return _("%(field)s is too long: at most %(limit)s characters, this one has %(length)s.") % {
        "field": label,
        "limit": "%(limit_value)d",
        "length": "%(show_value)d",
    }


def extra_errors(extra, labels: dict[str, str], limits: Limits) -> dict[str, tuple[str, str]]:
    """What is wrong with the category fields *extra* as sent, by field: ``extra`` for the
    whole (not an object, too many fields, too large), ``extra_<name>`` for one value; each
    as ``(message, code)``, the code naming the rule (``kefu.tickets.errors.CODES``)."""
    import json

    label = str(pgettext_lazy("work order", "Category fields"))
    if not isinstance(extra, dict):
        return {
            "extra": (
                _("%(field)s must be an object of field names and values.") % {"field": label},
                "invalid",
            )
        }
    if len(extra) > limits.extra_keys:
        return {
            "extra": (
                _("%(field)s: at most %(limit)s fields, this has %(count)s.")
                % {"field": label, "limit": limits.extra_keys, "count": len(extra)},
                "extra_too_many_fields",
            )
        }
    size = len(json.dumps(extra, ensure_ascii=False, default=str).encode())
    if size > limits.extra_bytes:
        return {
            "extra": (
                _("%(field)s: at most %(limit)s bytes in all, this has %(size)s.")
                % {"field": label, "limit": limits.extra_bytes, "size": size},
                "extra_too_large",
            )
        }
    errors = {}
    for name, value in extra.items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        problem = too_long(labels.get(name, str(name)), text, limits.extra_value)
        if problem:
            errors[f"extra_{name}"] = (problem, "max_length")
    return errors


def truncate(text: str, limit: int, marker: str) -> str:
    """*text* cut to *limit* characters, ending with *marker* when it was cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - len(marker), 0)] + marker


def time_span_words(seconds: float) -> str:
    """A span of wall-clock time in whole units a person reads at a glance: minutes under
    an hour, hours under two days, days after (rounded down, at least 1 minute)."""
    minutes = max(int(seconds // 60), 1)
    if minutes < 60:
        return str(_("%(n)d min") % {"n": minutes})
    hours = minutes // 60
    if hours < 48:
        return str(_("%(n)d h") % {"n": hours})
    return str(_("%(n)d d") % {"n": hours // 24})


def deadline_words(due: datetime, now: datetime) -> str:
    """The time left until ``due`` ("2 h left") or how long it is past ("overdue 3 h")."""
    seconds = (due - now).total_seconds()
    if seconds <= 0:
        return str(_("overdue %(span)s") % {"span": time_span_words(-seconds)})
    return str(_("%(span)s left") % {"span": time_span_words(seconds)})
