"""The codes of the rules the customer archive enforces.

Every ``ValidationError`` this app raises carries one of these as its ``code``; the API
answers it as ``errors[*].code`` next to the field at fault. ``CODES`` maps each code to
what it means, for the API's documentation.
"""

from django.utils.translation import gettext_lazy as _

CODES = {
    # Django's own codes, reused where they fit
    "required": _("A required value is missing."),
    "invalid_choice": _("The value is not one of the allowed choices."),
    "invalid_extension": _("The file is not of an accepted type."),
    # customer data
    "invalid_phone": _("The phone number is neither a mobile number nor a landline."),
    "landline_as_mobile": _("A landline number was given as the mobile number."),
    "invalid_id_number": _("The resident ID number is not 18 digits (or 17 and an X)."),
    "id_number_birth_date": _("The resident ID number contains an impossible birth date."),
    "id_number_check_digit": _("The resident ID number fails its check digit."),
    "invalid_credit_code": _("The unified social credit code is not valid."),
    "id_type_required": _("A document number was given without its type."),
    "unknown_grade": _("The grade is not one of the configured grades."),
    "unknown_service_tier": _("The service tier is not one of the configured tiers."),
    "grade_required_with_tier": _("A service tier was given without a grade."),
    "not_account_manager": _("The person is not an active account manager."),
    "account_number_taken": _("The service account number belongs to another customer."),
    "account_number_repeated": _("The same service account number was given twice."),
    "one_key_contact": _("More than one key contact was given."),
    "other_customers_contact": _("The contact belongs to another customer."),
    "in_future": _("The time given is in the future."),
    "end_before_start": _("The end is before the start."),
    "unknown_customer": _("No customer visible to you has this number."),
    "unknown_preset": _("The policy preset does not exist."),
    # account managers and duplicates
    "same_manager": _("The person is already the customer's account manager."),
    "change_pending": _("A change of account manager is already waiting."),
    "change_not_pending": _("The change of account manager is no longer waiting."),
    "not_duplicate": _("The record is not linked as a duplicate."),
    # customer files
    "no_department": _("The person belongs to no department."),
    "already_entered": _("The customer file has already been entered."),
    # grading
    "round_exists": _("The department's grading round of that year exists already."),
    "round_closed": _("The grading round is closed."),
    "outside_window": _("Preliminary grades are given only inside the grading window."),
    "meeting_before_window": _("The review meeting is dated before the grading window."),
    "other_department": _("The customer does not belong to the round's department."),
    "not_customers_manager": _("Only the customer's account manager may do this."),
    "supervisor_only": _("Only a supervisor may do this."),
    # visits
    "already_decided": _("The visit plan has already been decided."),
    "plan_not_approved": _("The visit plan has not been approved."),
    "plan_other_customer": _("The visit plan is for another customer."),
}
