from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kefu.complaints.models import ComplaintClass, ComplaintSettings
from kefu.complaints.rules import (
    ActionKind,
    Anomaly,
    FaultCause,
    RemedyKind,
    Responsibility,
    Sanction,
    Series,
    Severity,
    TellChannel,
    Validity,
)
from kefu.core.forms import DateInput
from kefu.org.models import Department, User, phone_validator
from kefu.org.roles import RoleCode

DATE = DateInput()
YES_NO = [("1", _("Valid")), ("0", _("Not valid"))]


def _staff():
    return User.objects.active().order_by("department__path", "employee_no", "id")


class ClassifyForm(forms.Form):
    complaint_class = forms.ModelChoiceField(
        label=_("Complaint class"), queryset=ComplaintClass.objects.none(), required=False
    )
    anomaly = forms.ChoiceField(
        label=_("Anomaly"), choices=[("", "—"), *Anomaly.choices], required=False
    )
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    customer_demand = forms.CharField(
        label=_("Customer's demand"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    order_no = forms.CharField(
        label=pgettext_lazy("product", "Order number"), max_length=40, required=False
    )
    part_no = forms.CharField(label=_("Part number"), max_length=40, required=False)
    delivery_date = forms.DateField(label=_("Delivery date"), required=False, widget=DATE)
    quantity = forms.DecimalField(label=_("Quantity"), required=False, min_value=0)
    defective_quantity = forms.DecimalField(
        label=_("Defective quantity"), required=False, min_value=0
    )

    def __init__(self, *args, industry: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        qs = ComplaintClass.objects.filter(is_active=True)
        if industry:
            qs = qs.filter(industry__in=[industry, ""])
        self.fields["complaint_class"].queryset = qs


class ValidityForm(forms.Form):
    valid = forms.TypedChoiceField(
        label=_("Decision"), choices=YES_NO, coerce=lambda v: v == "1", widget=forms.RadioSelect
    )
    reason = forms.CharField(label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 3}))


class TellForm(forms.Form):
    channel = forms.ChoiceField(label=_("How the customer was told"), choices=TellChannel.choices)
    text = forms.CharField(
        label=_("Reply to the customer"), widget=forms.Textarea(attrs={"rows": 4})
    )


class AttributeForm(forms.Form):
    facts = forms.CharField(label=_("Facts found"), widget=forms.Textarea(attrs={"rows": 3}))
    root_cause = forms.CharField(
        label=_("Root cause"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    responsibility = forms.ChoiceField(
        label=_("Responsibility"),
        choices=[c for c in Responsibility.choices if c[0] != Responsibility.PENDING],
    )
    responsible_department = forms.ModelChoiceField(
        label=_("Responsible department"),
        queryset=Department.objects.active(),
        required=False,
    )
    responsible_person = forms.ModelChoiceField(
        label=_("Responsible person"), queryset=User.objects.none(), required=False
    )
    external_party = forms.CharField(
        label=_("Outside party or supplier"), max_length=100, required=False
    )
    fault_cause = forms.ChoiceField(
        label=_("Cause of the fault"),
        choices=[("", "—"), *FaultCause.choices],
        required=False,
        help_text=_(
            "At fault: human negligence opens no improvement tracking; any other cause does."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_person"].queryset = _staff()


class ResultForm(forms.Form):
    result = forms.CharField(
        label=_("Result negotiated with the customer"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Returned to the office: the combined opinion is due one day later."),
    )


class ActionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ActionKind.choices)
    description = forms.CharField(
        label=pgettext_lazy("corrective action", "Action"), widget=forms.Textarea(attrs={"rows": 2})
    )
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none())
    due_on = forms.DateField(label=_("Due date"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _staff()


class ActionDoneForm(forms.Form):
    note = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 2}))


class ActionVerifyForm(forms.Form):
    accepted = forms.TypedChoiceField(
        label=_("Verification result"),
        choices=[("1", _("Effective: close the action")), ("0", _("Not effective: send back"))],
        coerce=lambda v: v == "1",
    )
    verification = forms.CharField(
        label=_("How it was verified"), widget=forms.Textarea(attrs={"rows": 2})
    )


class RemedyForm(forms.Form):
    kind = forms.ChoiceField(label=_("Remedy"), choices=RemedyKind.choices)
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), required=False, max_digits=12, decimal_places=2
    )
    quantity = forms.DecimalField(
        label=_("Quantity to return"), required=False, max_digits=12, decimal_places=2
    )
    description = forms.CharField(
        label=_("Reason and basis"), widget=forms.Textarea(attrs={"rows": 2})
    )


class RemedyDecideForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[
            ("1", pgettext_lazy("remedy", "Approve")),
            ("0", pgettext_lazy("remedy", "Reject")),
        ],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(label=_("Approval note"), required=False)


class ReceiveForm(forms.Form):
    actual_quantity = forms.DecimalField(
        label=_("Quantity received"), max_digits=12, decimal_places=2
    )


class InstructForm(forms.Form):
    instruction = forms.CharField(
        label=_("Head's instruction"), widget=forms.Textarea(attrs={"rows": 2})
    )


class PenaltyForm(forms.Form):
    person = forms.ModelChoiceField(
        label=_("Penalised person"), queryset=User.objects.none(), required=False
    )
    department = forms.ModelChoiceField(
        label=_("Penalised department"), queryset=Department.objects.active(), required=False
    )
    fine = forms.DecimalField(
        label=_("Fine (yuan)"), required=False, max_digits=12, decimal_places=2
    )
    sanction = forms.ChoiceField(
        label=_("Administrative sanction"), choices=Sanction.choices, required=False
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = _staff()


class PenaltyDecideForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[
            ("1", pgettext_lazy("penalty", "Approve")),
            ("0", pgettext_lazy("penalty", "Drop")),
        ],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(label=_("Review note"), required=False)


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("Handling result"), widget=forms.Textarea(attrs={"rows": 3})
    )


class RevealForm(forms.Form):
    purpose = forms.CharField(label=_("Why you need the reporter's identity"), max_length=200)


class IdentityForm(forms.Form):
    contact_name = forms.CharField(label=_("Reporter's name"), max_length=60, required=False)
    contact_phone = forms.CharField(
        label=_("Reporter's phone"), max_length=30, required=False, validators=[phone_validator]
    )
    note = forms.CharField(label=_("Reporter's wishes"), max_length=300, required=False)


class ListFilterForm(forms.Form):
    series = forms.ChoiceField(
        label=_("Series"),
        choices=[("", pgettext_lazy("filter", "All")), *Series.choices],
        required=False,
    )
    validity = forms.ChoiceField(
        label=_("Validity"),
        choices=[("", pgettext_lazy("filter", "All")), *Validity.choices],
        required=False,
    )
    state = forms.ChoiceField(
        label=pgettext_lazy("case", "State"),
        choices=[
            ("", pgettext_lazy("filter", "All")),
            ("open", pgettext_lazy("case", "In hand")),
            ("closed", pgettext_lazy("case", "Closed")),
        ],
        required=False,
    )
    month = forms.DateField(
        label=_("Register month"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    text = forms.CharField(label=_("Search"), required=False)


class SettingsForm(forms.ModelForm):
    class Meta:
        model = ComplaintSettings
        fields = [
            "industry",
            "number_width",
            "number_overflow",
            "complaint_prefix",
            "tip_off_prefix",
            "fine_min",
            "fine_max",
            "return_tolerance_percent",
            "invalid_reply_template",
        ]
        widgets = {"invalid_reply_template": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from kefu.sla.presets import INDUSTRY_CHOICES

        self.fields["industry"] = forms.ChoiceField(
            label=self.fields["industry"].label,
            choices=[("", pgettext_lazy("industry", "Every industry")), *INDUSTRY_CHOICES],
            required=False,
            help_text=self.fields["industry"].help_text,
        )

    def clean(self):
        data = super().clean()
        low, high = data.get("fine_min"), data.get("fine_max")
        if low is not None and high is not None and low > high:
            self.add_error(
                "fine_max",
                ValidationError(
                    _("The highest fine must not be below the lowest."), code="fine_band_inverted"
                ),
            )
        return data


class ApprovalStepForm(forms.Form):
    """One level of the sales-allowance approval chain on the settings page."""

    order = forms.IntegerField(label=_("Order"), min_value=1, max_value=99)
    # a blank first choice: the empty row for a new level is left out unless filled in
    role = forms.ChoiceField(label=_("Role"), choices=[("", "—"), *RoleCode.choices])
    label = forms.CharField(label=_("Level"), max_length=30)
    min_amount = forms.DecimalField(
        label=_("From (yuan)"), required=False, min_value=0, max_digits=12, decimal_places=2
    )
    max_amount = forms.DecimalField(
        label=_("Up to (yuan)"), required=False, min_value=0, max_digits=12, decimal_places=2
    )


ApprovalChainFormSet = forms.formset_factory(ApprovalStepForm, extra=1, can_delete=True)
