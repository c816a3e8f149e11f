"""Writes to the customer archive, one module per topic (as zulip's ``zerver/actions``):

* ``archive`` — recording a customer (``customer_create``), changing its own data, contacts
  with it (``interaction_record``);
* ``contacts`` — its contacts and service accounts;
* ``keys`` — the lookup keys (``CustomerKey``) a customer is found by;
* ``duplicates`` — earlier records of the same customer and the supervisor's decisions;
* ``managers`` — account managers' loads and changes of a customer's manager;
* ``grading`` — the annual grading round and a supervisor's grade adjustments;
* ``visits`` — visit plans (客户走访单), their approval, visit records and trip logs;
* ``weekly`` — account managers' weekly summaries;
* ``info_files`` — files captured on paper, entered within the deadline;
* ``privacy`` — who saw unmasked personal data, and why;
* ``policy``, ``numbering``, ``checks`` — the policy in force, customer numbers, and the
  checks of customer data the import shares.

Every function is keyword-only, runs in one transaction, validates before saving and keeps
the lookup keys in step with what it changed. Errors name the field they concern and carry
a code listed in ``kefu.customers.errors``; nothing is saved when one is raised. The names
are re-exported here so ``from kefu.customers.services import customer_create`` keeps
working; code inside the app imports from the topic modules.
"""

from kefu.customers.services.archive import (
    CUSTOMER_EDITABLE,
    customer_create,
    customer_update,
    interaction_record,
)
from kefu.customers.services.checks import (
    account_number_error,
    grade_error,
    id_number_error,
    manager_error,
    phone_error,
    tier_error,
)
from kefu.customers.services.contacts import (
    AccountData,
    ContactData,
    account_save,
    contact_remove,
    contact_save,
)
from kefu.customers.services.duplicates import (
    duplicate_override,
    duplicate_unlink,
    find_earlier_records,
)
from kefu.customers.services.grading import (
    Decision,
    grade_adjust,
    grade_propose,
    grading_round_close,
    grading_round_open,
)
from kefu.customers.services.info_files import (
    info_file_enter,
    info_file_register,
)
from kefu.customers.services.keys import (
    customer_keys_rebuild,
    key_values,
    keys_for,
)
from kefu.customers.services.managers import (
    manager_change_cancel,
    manager_change_confirm_notice,
    manager_change_request,
    manager_loads,
    manager_suggest,
)
from kefu.customers.services.numbering import (
    customer_code,
    next_numbers,
)
from kefu.customers.services.policy import (
    current_policy,
    policy_apply_preset,
)
from kefu.customers.services.privacy import (
    pii_export_record,
    pii_unmask,
)
from kefu.customers.services.visits import (
    trip_log_create,
    visit_plan_decide,
    visit_plan_submit,
    visit_record_create,
)
from kefu.customers.services.weekly import (
    summary_due,
    weekly_summary_submit,
)

__all__ = [
    "CUSTOMER_EDITABLE",
    "AccountData",
    "ContactData",
    "Decision",
    "account_number_error",
    "account_save",
    "contact_remove",
    "contact_save",
    "current_policy",
    "customer_code",
    "customer_create",
    "customer_keys_rebuild",
    "customer_update",
    "duplicate_override",
    "duplicate_unlink",
    "find_earlier_records",
    "grade_adjust",
    "grade_error",
    "grade_propose",
    "grading_round_close",
    "grading_round_open",
    "id_number_error",
    "info_file_enter",
    "info_file_register",
    "interaction_record",
    "key_values",
    "keys_for",
    "manager_change_cancel",
    "manager_change_confirm_notice",
    "manager_change_request",
    "manager_error",
    "manager_loads",
    "manager_suggest",
    "next_numbers",
    "phone_error",
    "pii_export_record",
    "pii_unmask",
    "policy_apply_preset",
    "summary_due",
    "tier_error",
    "trip_log_create",
    "visit_plan_decide",
    "visit_plan_submit",
    "visit_record_create",
    "weekly_summary_submit",
]
