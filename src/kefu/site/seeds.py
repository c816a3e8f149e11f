"""The rows every installation needs (roles, ticket types, message templates, calendars).

Migrations create them once; ``seeds_ensure`` creates whatever is missing — after a test
flushed the database, or when an operator deleted one by mistake — and never changes rows
that exist.
"""


def seeds_ensure(*, calendar_years=None) -> None:
    """Create every missing seed row; ``calendar_years`` limits the statutory years loaded."""
    from kefu.calendars.services import calendars_ensure
    from kefu.complaints.services import seeds_ensure as complaints_ensure
    from kefu.followups.services import seeds_ensure as followups_ensure
    from kefu.notify.services import templates_ensure
    from kefu.org.services import roles_ensure
    from kefu.tickets.services import ticket_types_ensure

    roles_ensure()
    ticket_types_ensure()
    templates_ensure()
    calendars_ensure(years=calendar_years)
    followups_ensure()
    complaints_ensure()
