"""The codes of the working calendar's refusals (``ValidationError.code``), as the API's
error envelope carries them, with what each means."""

from django.utils.translation import gettext_lazy as _

CODES = {
    "invalid_timezone": _("The time zone is not a known IANA time zone."),
    "invalid_periods": _("The working hours are not periods like 08:30-12:00."),
    "no_working_hours": _("A calendar needs working hours on at least one weekday."),
    "makeup_weekday_closed": _("Make-up working days must copy a weekday with working hours."),
    "calendar_not_found": _("No working calendar has this code."),
    "year_out_of_span": _("The year is outside the years kefu handles."),
    "unknown_weekday": _("A weekday name is not known."),
    "code_immutable": _("The code of a calendar cannot be changed."),
    "unknown_field": _("A field given cannot be changed this way."),
    "calendar_always_open": _("The calendar is open around the clock and has no days off."),
    "day_already_set": _("The date already has a holiday or make-up day."),
    "already_working_day": _("Only a day off can become a make-up working day."),
    "date_not_in_year": _("A day entered is not in the year being loaded."),
    "year_unknown_to_package": _(
        "The installed chinese-calendar package does not know that year's holidays yet."
    ),
}
