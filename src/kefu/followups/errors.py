"""The codes of the rules the return visits, surveys and visit plans enforce.

Every ``ValidationError`` this app raises carries one of these as its ``code``; the API
answers it as ``errors[*].code`` next to the field at fault. ``CODES`` maps each code to
what it means, for the API's documentation.
"""

from django.utils.translation import gettext_lazy as _

CODES = {
    # Django's and DRF's own codes, reused where they fit
    "required": _("A required value is missing."),
    "invalid": _("The value is not in the expected form."),
    "invalid_choice": _("The value is not one of the allowed choices."),
    "max_length": _("The text is too long."),
    "date_out_of_span": _("The date is outside the years the product handles."),
    # return visits
    "visit_finished": _("The return visit is already finished."),
    "not_reached": _("The customer was not reached: log a failed attempt instead."),
    "satisfaction_out_of_scale": _("The satisfaction is not on the 1–5 scale."),
    "customer_words_required": _("An unsatisfied customer's words are missing."),
    "justification_too_short": _("The justification is shorter than 10 characters."),
    "not_dissatisfied": _("The customer has not said they are dissatisfied."),
    "order_not_closed": _("The work order could not be closed."),
    # survey links and answers
    "no_questionnaire": _("There is no active questionnaire to send."),
    "no_mobile": _("The work order has no mobile number to send the link to."),
    "link_invalid": _("The survey link is not valid."),
    "link_used": _("The survey was already answered."),
    "link_expired": _("The survey link has expired."),
    "answer_out_of_scale": _("The answer is outside the question's scale."),
    # campaigns
    "not_campaign_questionnaire": _("The questionnaire is not an active campaign questionnaire."),
    "unknown_customer": _("No customer in your scope has this number."),
    "other_customers_contact": _("The contact belongs to another customer."),
    # spot checks
    "percent_out_of_range": _("The share is not between 1 and 100 %."),
    "week_not_started": _("The week has not started yet."),
    "nothing_to_sample": _("No closed orders of the week are left to sample."),
    # visit plans
    "other_customers_account": _("The service account belongs to another customer."),
    "in_future": _("The date given is in the future."),
    "already_recorded": _("The planned visit is already recorded."),
    # the New Year campaign's audience (RV-11, NTF-05)
    "not_new_year_rule": _("The visit plan rule is not a New Year campaign."),
    "unknown_grade": _("A grade is not one of the configured customer grades."),
    "audience_empty": _("Neither new nor existing customers are chosen: nobody is greeted."),
    "unknown_tag": _("No customer has the tag."),
    # questionnaires
    "too_few_choices": _("A single-choice question has fewer than two choices."),
    "feeds_needs_scale": _("Only a 1–5 scale question can give the satisfaction."),
    "feeds_needs_single_choice": _("Only a single-choice question can say whether it is solved."),
    "feeds_needs_text": _("Only a free-text question can carry the customer's words."),
}
