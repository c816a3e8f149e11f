"""The codes of the rules a complaint case file is refused by (``code`` of a
``ValidationError``, ``errors[].code`` of the API's error envelope), each with what it
means. Django's own codes (``required``, ``invalid``, ``invalid_choice``, ``min_value`` …)
are used where they fit and are not repeated here."""

from django.utils.translation import gettext_lazy as _

CODES = {
    "action_not_done": _("Only an action reported done is verified."),
    "action_not_open": _("Only an open action is reported done."),
    "amount_not_positive": _("The amount must be greater than zero."),
    "at_fault_needs_department": _("Responsibility at fault names the responsible department."),
    "at_fault_needs_cause": _(
        "Responsibility at fault names its cause (human negligence opens no improvement tracking)."
    ),
    "at_fault_needs_root_cause": _("Responsibility at fault needs the root cause."),
    "attribution_needs_valid": _("Responsibility is attributed once the complaint is valid."),
    "case_file_closed": _("The work order is closed: its case file can no longer be changed."),
    "chain_empty": _("The approval chain has no level."),
    "complaint_action_open": _("A corrective or preventive action is not verified yet."),
    "complaint_class_inactive": _("The complaint class is no longer in use."),
    "complaint_customer_not_told": _(
        "The customer of a complaint found not valid has not been told why."
    ),
    "complaint_remedy_pending": _("A remedy is still awaiting approval."),
    "defective_exceeds_quantity": _("The defective quantity exceeds the quantity."),
    "drop_needs_reason": _("Dropping a penalty needs a reason."),
    "due_date_past": _("The due date is in the past."),
    "external_needs_party": _("Responsibility outside names the outside party or supplier."),
    "fine_band_inverted": _("The highest fine is below the lowest."),
    "fine_out_of_band": _("The fine is outside the band of the complaint settings."),
    "identity_unreadable": _("The reporter was sealed with a key this server does not have."),
    "instruction_not_needed": _("The return is within the tolerance and needs no instruction."),
    "level_order_repeated": _("Two levels of the approval chain have the same order."),
    "month_not_ended": _("A month is reviewed after it has ended."),
    "not_tip_off": _("Only a tip-off has a sealed reporter."),
    "numbering_full": _("The month's register numbers are used up."),
    "owner_inactive": _("The owner is no longer active."),
    "penalties_undecided": _("Penalties of the month are not decided yet."),
    "penalty_decided": _("The penalty is already decided."),
    "penalty_needs_content": _("A penalty needs a fine or an administrative sanction."),
    "penalty_needs_fault": _("Penalties follow an attribution of responsibility (at fault)."),
    "penalty_needs_target": _("A penalty names the penalised person or department."),
    "person_not_in_department": _("The person does not work in the responsible department."),
    "rejection_needs_reason": _("Rejecting a remedy needs a reason."),
    "remedy_decided": _("The remedy is already decided."),
    "remedy_needs_valid": _("Remedies are for a complaint found valid."),
    "remedy_not_receivable": _("Only an approved goods return is received."),
    "return_received": _("The received quantity is already recorded."),
    "review_complete": _("The month's penalty review is already complete."),
    "sms_needs_phone": _("The order has no phone number to send an SMS to."),
    "step_range_reversed": _("A level's upper amount is below its lower amount."),
    "tell_needs_invalid": _("Only a complaint found not valid is answered this way."),
}
