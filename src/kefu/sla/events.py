"""The named events a milestone's clock can start at (计时起点).

A milestone stores the code of its start event (``SlaMilestone.starts_at``):

* the order's own events: ``acceptance`` (受理), ``resolution`` (办结), ``previous`` (the
  milestone before it in the policy is reached), and ``met:<kind>`` (the policy's milestone
  of that kind is reached, e.g. ``met:report``);
* events other apps declare with :func:`start_event_declare` in their ``AppConfig.ready``
  and announce with ``kefu.sla.services.clock_event_record`` when they happen on an order
  (complaints: ``investigation_finished``, ``result_returned``). A process app declares its
  own the same way (e.g. ``materials_complete``, ``contract_signed``).

Every code is validated against this registry when a policy is edited; the policy editor
offers the events by name.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from kefu.sla.policy import MET_PREFIX, MilestoneKind, StartsAt

__all__ = [
    "is_start_event",
    "met_event",
    "start_event_choices",
    "start_event_declare",
    "start_event_label",
    "validate_start_event",
]

_ORDER_EVENTS = {
    StartsAt.ACCEPTANCE: _("acceptance"),
    StartsAt.RESOLUTION: _("resolution"),
    StartsAt.PREVIOUS: _("the previous milestone"),
}
# code → label of the events other apps declared
_DECLARED: dict[str, object] = {}


def met_event(kind: str) -> str:
    """The code of the event "the milestone of ``kind`` is reached"."""
    return f"{MET_PREFIX}{kind}"


def _kind_labels() -> dict[str, object]:
    from kefu.sla.models import MilestoneKindChoices

    return dict(MilestoneKindChoices.choices)


def start_event_declare(code: str, label) -> None:
    """Declare an event of another app that a milestone's clock may start at. Declaring the
    same code twice keeps the last label."""
    if not code or len(code) > 40 or code in _ORDER_EVENTS or code.startswith(MET_PREFIX):
        raise ValueError(f"not a code another app may declare: {code!r}")
    _DECLARED[code] = label


def start_event_choices() -> list[tuple[str, object]]:
    """Every start event as ``(code, label)``: the order's own events, each milestone
    reached, then the events other apps declared."""
    choices = [(str(code), label) for code, label in _ORDER_EVENTS.items()]
    choices += [
        (met_event(kind), format_lazy(_("“{}” reached"), label))
        for kind, label in _kind_labels().items()
    ]
    choices += list(_DECLARED.items())
    return choices


def is_start_event(code: str) -> bool:
    if code in _ORDER_EVENTS or code in _DECLARED:
        return True
    return code.startswith(MET_PREFIX) and code[len(MET_PREFIX) :] in set(MilestoneKind)


def start_event_label(code: str) -> str:
    """The event's name in the current language; an unknown code as it is."""
    return str(dict(start_event_choices()).get(code, code))


def validate_start_event(value: str) -> None:
    if not is_start_event(value):
        raise ValidationError(
            _("“%(value)s” is not an event a clock can start at."),
            code="unknown_start_event",
            params={"value": value},
        )
