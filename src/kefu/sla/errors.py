"""The codes of the rules time limits are refused by (``code`` of a ``ValidationError``,
``errors[].code`` of the API's error envelope), each with what it means. Django's own codes
(``required``, ``invalid``, ``invalid_choice``, ``unique`` …) are used where they fit and are
not repeated here."""

from django.utils.translation import gettext_lazy as _

CODES = {
    "already_answered": _("The overdue investigation is already answered."),
    "already_done": _("The customer has already been told."),
    "backdate_reason_required": _("A time recorded late needs a reason."),
    "deadline_not_recordable": _("The time limit cannot be recorded now."),
    "deadline_unknown": _("The order has no such time limit."),
    "escalation_order": _("The general manager is told after the service centre, not before."),
    "hard_limit_too_short": _("The hard limit is shorter than the target."),
    "milestone_referenced": _("The next milestone starts when this one is reached."),
    "no_previous_milestone": _("The first milestone cannot start at a previous one."),
    "start_milestone_missing": _("The milestone the clock starts at is not in the policy."),
    "time_before_start": _("The time is before the clock started."),
    "time_in_future": _("The time is in the future."),
    "time_not_in_future": _("The time must be in the future."),
    "unknown_code": _("A condition names a code nothing in the configuration has."),
    "unknown_field": _("The request names a field that does not exist."),
    "unknown_start_event": _("The clock starts at an event that does not exist."),
}
