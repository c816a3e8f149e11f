"""Writes to complaint case files, one module per topic (as zulip's ``zerver/actions``):

* ``registration`` — register numbers, the case file opened with a new complaint or
  tip-off order, the general managers told of a major complaint;
* ``classification`` — class, anomaly, severity, the customer's demand, product facts;
* ``validity`` — valid or not (投诉成立/不成立), and telling the customer why not;
* ``investigation`` — facts, root cause and responsibility (责任归属);
* ``negotiation`` — the result negotiated with the customer, returned to the office;
* ``corrective`` — corrective and preventive actions (纠正预防措施);
* ``remedies`` — compensation, allowance and goods return, their approval (核决权限) and
  the reconciliation of returned goods;
* ``penalties`` — fines and sanctions, and the month's review;
* ``identity`` — a tip-off's sealed reporter;
* ``closing`` — what keeps a case from closing and what it still lacks;
* ``configuration`` — settings, complaint classes, approval authorities (seeds);
* ``common`` — the locks, the open check, the timeline line, notifications, amounts.

Each writer locks the work order, then the case, in one transaction; writes one line on
the work order's timeline; notifies in the same transaction. Status changes of the work
order itself go through ``kefu.tickets.services.ticket_transition`` only. A refusal is a
``ValidationError`` keyed by the field at fault, with a code from
``kefu.complaints.errors.CODES``, or a ``PermissionDenied``.

Other apps import from here (``from kefu.complaints.services import seeds_ensure``); the
app's own modules import from the topic module.
"""

from kefu.complaints.services.classification import case_classify
from kefu.complaints.services.closing import (
    case_gaps,
    close_blockers,
    close_problems,
    ticket_close_blockers,
)
from kefu.complaints.services.configuration import (
    authority_limits,
    seeds_ensure,
    settings_get,
    settings_set_industry,
)
from kefu.complaints.services.corrective import action_add, action_complete, action_verify
from kefu.complaints.services.identity import identity_add, identity_reveal, identity_update
from kefu.complaints.services.investigation import case_attribute
from kefu.complaints.services.negotiation import case_result_return
from kefu.complaints.services.penalties import (
    penalty_decide,
    penalty_propose,
    penalty_review_complete,
)
from kefu.complaints.services.registration import (
    case_open,
    major_complaint_notify,
    register_allocate,
    series_of,
)
from kefu.complaints.services.remedies import (
    may_approve_remedy,
    remedy_decide,
    remedy_instruct,
    remedy_receive,
    remedy_request,
)
from kefu.complaints.services.validity import (
    case_rule_validity,
    case_tell_customer,
    reply_draft,
)

__all__ = [
    "action_add",
    "action_complete",
    "action_verify",
    "authority_limits",
    "case_attribute",
    "case_classify",
    "case_gaps",
    "case_open",
    "case_result_return",
    "case_rule_validity",
    "case_tell_customer",
    "close_blockers",
    "close_problems",
    "identity_add",
    "identity_reveal",
    "identity_update",
    "major_complaint_notify",
    "may_approve_remedy",
    "penalty_decide",
    "penalty_propose",
    "penalty_review_complete",
    "register_allocate",
    "remedy_decide",
    "remedy_instruct",
    "remedy_receive",
    "remedy_request",
    "reply_draft",
    "seeds_ensure",
    "series_of",
    "settings_get",
    "settings_set_industry",
    "ticket_close_blockers",
]
