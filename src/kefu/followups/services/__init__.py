"""Writes of return visits, survey links and answers, spot checks and visit plans, one module
per topic (as zulip's ``zerver/actions``):

* ``creation`` — the return visit a resolved work order gets, ended when the order moves on;
* ``results`` — failed calls and the result that closes or reopens the order;
* ``reopening`` — reopen until satisfied: escalation per unsatisfied round, and a head's
  closing with a written justification;
* ``survey_links`` — signed, single-use, expiring links by SMS or email;
* ``surveys`` — answers (ratings) through a link or filled in by staff;
* ``campaigns`` — campaign questionnaires answered by phone;
* ``spot_checks`` — the weekly sample for a second visit;
* ``plans`` — scheduled visit plans (回访档案) and their planned visits;
* ``questionnaires``, ``seeds`` — questions, and the seed rows;
* ``common`` — the settings row, the calendar, notifications, locks and refusals.

Each function runs in one transaction, writes in-app notifications in it and hands SMS to
the worker after commit. A work order's status only ever changes through
``kefu.tickets.services.ticket_transition``. Errors carry a code listed in
``kefu.followups.errors``. The names are re-exported here so
``from kefu.followups.services import survey_answer`` keeps working; code inside the app
imports from the topic modules.
"""

from kefu.followups.services.campaigns import (
    campaign_answer_by_phone,
    campaign_questionnaires,
)
from kefu.followups.services.common import (
    policy_for,
    settings_get,
)
from kefu.followups.services.creation import (
    TIP_OFF,
    on_ticket_moved,
)
from kefu.followups.services.plans import (
    plan_create,
    plan_rule_set_active,
    planned_visit_done,
    plans_generate,
)
from kefu.followups.services.questionnaires import (
    question_add,
)
from kefu.followups.services.reopening import (
    return_visit_close_dissatisfied,
)
from kefu.followups.services.results import (
    return_visit_attempt,
    return_visit_record,
)
from kefu.followups.services.seeds import (
    seeds_ensure,
)
from kefu.followups.services.spot_checks import (
    spot_check_draw,
)
from kefu.followups.services.survey_links import (
    SURVEY_SALT,
    link_token,
    questionnaire_for,
    survey_emails_pending,
    survey_link_open,
    survey_link_send,
)
from kefu.followups.services.surveys import (
    survey_answer,
)

__all__ = [
    "SURVEY_SALT",
    "TIP_OFF",
    "campaign_answer_by_phone",
    "campaign_questionnaires",
    "link_token",
    "on_ticket_moved",
    "plan_create",
    "plan_rule_set_active",
    "planned_visit_done",
    "plans_generate",
    "policy_for",
    "question_add",
    "questionnaire_for",
    "return_visit_attempt",
    "return_visit_close_dissatisfied",
    "return_visit_record",
    "seeds_ensure",
    "settings_get",
    "spot_check_draw",
    "survey_answer",
    "survey_emails_pending",
    "survey_link_open",
    "survey_link_send",
]
