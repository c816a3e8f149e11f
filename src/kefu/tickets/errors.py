"""The codes of the rules work orders are refused by (``code`` of a ``ValidationError``,
``errors[].code`` of the API's error envelope), each with what it means. Django's own codes
(``required``, ``invalid``, ``invalid_choice``, ``max_length``, ``empty`` …) are used where
they fit and are not repeated here."""

from django.utils.translation import gettext_lazy as _

CODES = {
    "already_claimed": _("The order already has a first responder."),
    "already_major": _("The order is already flagged as a major matter."),
    "category_inactive": _("The category is no longer in use."),
    "channel_code_fixed": _("A channel's code cannot change once orders may carry it."),
    "children_open": _("Co-handling orders of this order are still open."),
    "contact_required": _(
        "An order taken from the web or by email needs a way to reach the customer."
    ),
    "date_in_past": _("The date is in the past."),
    "date_range_reversed": _("The end date is before the start date."),
    "department_inactive": _("The department is no longer active."),
    "duplicate_name": _("Two entries have the same name."),
    "extra_too_large": _("The category fields are larger than allowed in all."),
    "extra_too_many_fields": _("The category fields have more entries than allowed."),
    "file_too_large": _("The file is larger than allowed."),
    "file_type_not_accepted": _("Files of this type are not accepted."),
    "identity_sealed": _("The order's reporter is sealed: the order is not linked or merged."),
    "idempotency_key_reused": _("The Idempotency-Key was already used for a different request."),
    "liaison_finish_before_start": _("A liaison slip's finish time is not after its start time."),
    "liaison_ticket_or_category": _("A liaison slip links an order or opens a new one, not both."),
    "liaison_time_in_future": _("A liaison slip is registered after the work, with past times."),
    "merge_into_self": _("An order cannot be merged into itself."),
    "no_contact_phone": _("The order has no contact phone."),
    "not_major": _("The order is not a major matter."),
    "no_lead_department": _("No lead department is set for the category."),
    "owner_not_in_department": _("The handler does not work in the handling department."),
    "ruling_binding": _("The office has ruled which department owns the order."),
    "saved_view_name_taken": _("The person already has a saved view of that name."),
    "saved_views_too_many": _("The person has saved as many views as allowed."),
    "same_department": _("The department is the one already handling the order."),
    "settle_not_allowed": _("Orders of this category cannot be settled at first contact."),
    "ticket_finished": _("The order is already finished."),
    "ticket_not_open": _("The order is not open."),
    "ticket_not_signed": _("The order has not been signed for yet."),
    "transition_not_allowed": _("The action is not possible in the order's status."),
    "unknown_field": _("The request names a field that does not exist."),
}
