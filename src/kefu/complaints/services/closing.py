"""What keeps a case from closing (complaints' part in the work order's lifecycle) and what
it still lacks without keeping it open."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kefu.complaints.models import ComplaintCase
from kefu.complaints.rules import RemedyStatus, Responsibility, Validity
from kefu.complaints.services.registration import series_of
from kefu.tickets.lifecycle import Blocker
from kefu.tickets.models import Ticket


def ticket_close_blockers(*, ticket: Ticket) -> list[Blocker]:
    """Why the order's case file keeps the order from closing (see :func:`close_problems`)."""
    if series_of(ticket) is None:
        return []
    case = ComplaintCase.objects.filter(ticket=ticket).first()
    if case is None:
        return []
    return close_problems(case)


def close_problems(case: ComplaintCase) -> list[Blocker]:
    """Why the case cannot be closed yet (empty when it can): a corrective action not
    verified, a remedy awaiting approval, or a complaint found not valid whose customer
    was not told why.

    Reads the actions and remedies through ``.all()``, so the case page and the API list,
    which prefetch them, ask no query per case."""
    problems = []
    if case.validity == Validity.INVALID and case.customer_told_at is None:
        problems.append(
            Blocker(
                code="complaint_customer_not_told",
                message=_("Tell the customer why the complaint is not valid before closing it."),
            )
        )
    open_actions = sum(1 for action in case.corrective_actions.all() if action.is_open)
    if open_actions:
        problems.append(
            Blocker(
                code="complaint_action_open",
                message=_("%(count)s corrective or preventive action(s) are not verified yet.")
                % {"count": open_actions},
            )
        )
    if any(remedy.status == RemedyStatus.PENDING for remedy in case.remedies.all()):
        problems.append(
            Blocker(
                code="complaint_remedy_pending",
                message=_("A remedy is still awaiting approval."),
            )
        )
    return problems


def close_blockers(case: ComplaintCase) -> list[str]:
    """The messages of :func:`close_problems`, as the case page and API show them."""
    return [problem.message for problem in close_problems(case)]


def case_gaps(case: ComplaintCase) -> list[str]:
    """What the case file still lacks without stopping the close (shown on the page and
    counted as "not yet decided" in the statistics)."""
    gaps = []
    if case.validity == Validity.PENDING:
        gaps.append(_("Decide whether the complaint is valid before closing it."))
    elif case.validity == Validity.VALID and case.responsibility == Responsibility.PENDING:
        gaps.append(_("Attribute the responsibility before closing the complaint."))
    return gaps
