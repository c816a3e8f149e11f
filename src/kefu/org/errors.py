"""The codes of the rules the organisation is refused by (``code`` of a ``ValidationError``,
``errors[].code`` of the API's error envelope), each with what it means. Django's own codes
(``required``, ``invalid``, ``invalid_choice``, ``unique`` …) are used where they fit and are
not repeated here; those of Django's password validators are, as staff meet them."""

from django.utils.translation import gettext_lazy as _

CODES = {
    "deactivate_self": _("Nobody can deactivate their own account."),
    "department_cycle": _("A department cannot be moved under itself or its sub-departments."),
    "department_has_active_children": _("The department still has active sub-departments."),
    "department_has_active_staff": _("The department still has active staff."),
    "department_inactive": _("The department is deactivated."),
    "user_inactive": _("The account is deactivated."),
    # Django's password validators (AUTH_PASSWORD_VALIDATORS)
    "password_entirely_numeric": _("The password is entirely numeric."),
    "password_too_common": _("The password is too common."),
    "password_too_short": _("The password is too short."),
    "password_too_similar": _("The password is too similar to the account's other details."),
    # Django's own, for a password typed twice
    "password_mismatch": _("The two passwords differ."),
}
