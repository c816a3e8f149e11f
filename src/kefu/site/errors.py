"""The codes of the rules an industry switch (行业预置) is refused by (``code`` of a
``ValidationError``, ``errors[].code`` of the API's error envelope)."""

from django.utils.translation import gettext_lazy as _

CODES = {
    "unknown_industry": _("There is no preset for this industry."),
    "not_a_company": _("An industry is applied to a company or a centre / branch."),
}
