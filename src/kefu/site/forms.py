from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.org.models import Department
from kefu.site.industries import INDUSTRY_CHOICES
from kefu.site.presets import COMPANY_KINDS


class PresetForm(forms.Form):
    industry = forms.ChoiceField(label=_("Industry"), choices=INDUSTRY_CHOICES)
    company = forms.ModelChoiceField(
        label=_("Company"),
        queryset=Department.objects.active().filter(kind__in=COMPANY_KINDS),
        required=False,
        empty_label=_("The whole installation"),
        help_text=_(
            "A company or centre / branch whose units work in this industry; "
            "the settings themselves are installation-wide."
        ),
    )
