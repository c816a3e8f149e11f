"""The codes of the rules the notifications and messages enforce.

Every ``ValidationError`` this app raises carries one of these as its ``code``; the API
answers it as ``errors[*].code`` next to the field at fault.
"""

from django.utils.translation import gettext_lazy as _

CODES = {
    "invalid_choice": _("The value is not one of the allowed choices."),
    "not_mutable": _("This kind of notification cannot be muted."),
}
