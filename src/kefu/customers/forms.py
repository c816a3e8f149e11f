from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kefu.core.dates import FIRST_YEAR, LAST_YEAR
from kefu.customers.models import (
    AccountKind,
    Contact,
    CreditRating,
    Customer,
    CustomerKind,
    ImportMode,
    InteractionChannel,
    NoticeChannel,
    PiiField,
    ServiceAccount,
)
from kefu.customers.policy import CustomerPolicy
from kefu.org.models import User

LOCAL_DT = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def datetime_field(label, required=True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=LOCAL_DT,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


def date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _manager_label(user: User) -> str:
    return f"{user.display_name}（{user.employee_no or user.username}）"


def grade_choices(policy: CustomerPolicy, blank: str) -> list:
    return [("", blank), *((g.code, f"{g.label} · {g.description}") for g in policy.grades)]


def tier_choices(policy: CustomerPolicy) -> list:
    return [("", "—"), *((t.code, t.label) for t in policy.service_tiers)]


class CustomerForm(forms.ModelForm):
    tags = forms.CharField(
        label=_("Tags"), required=False, help_text=_("Separate tags with 、 or commas.")
    )

    class Meta:
        model = Customer
        fields = [
            "kind",
            "name",
            "id_type",
            "id_number",
            "industry",
            "address",
            "source_channel",
            "credit_rating",
            "relationship_stage",
            "cooperation_started_on",
            "notes",
        ]
        widgets = {
            "cooperation_started_on": date_widget(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autofocus"] = True
        if self.instance.pk:
            self.fields["tags"].initial = "、".join(t.name for t in self.instance.tags.all())

    def tag_names(self) -> list[str]:
        return [t for t in re.split(r"[、,，;；\s]+", self.cleaned_data.get("tags") or "") if t]


class CustomerCreateForm(CustomerForm):
    account_manager = forms.ModelChoiceField(
        label=_("Account manager"), queryset=User.objects.none()
    )
    grade = forms.ChoiceField(label=_("Customer grade"), required=False)
    service_tier = forms.ChoiceField(label=_("Service tier"), required=False)
    captured_at = datetime_field(_("Information captured on paper or in the field at"), False)
    contact_name = forms.CharField(label=_("Key contact"), max_length=50, required=False)
    contact_title = forms.CharField(label=_("Position"), max_length=50, required=False)
    contact_mobile = forms.CharField(label=_("Mobile"), max_length=20, required=False)
    contact_phone = forms.CharField(label=_("Landline"), max_length=30, required=False)
    contact_birthday = forms.DateField(label=_("Birthday"), required=False, widget=date_widget())
    account_kind = forms.ChoiceField(
        label=_("Account type"), choices=AccountKind.choices, required=False
    )
    account_number = forms.CharField(label=_("Account number"), max_length=40, required=False)
    account_premises_address = forms.CharField(
        label=_("Premises address"), max_length=255, required=False
    )

    def __init__(self, *args, managers, policy: CustomerPolicy, suggested=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account_manager"].queryset = managers
        self.fields["account_manager"].label_from_instance = _manager_label
        if suggested is not None:
            self.fields["account_manager"].initial = suggested.pk
            self.fields["account_manager"].help_text = _(
                "Suggested: %(name)s, who has the fewest customers in the team."
            ) % {"name": suggested.display_name}
        self.fields["grade"].choices = grade_choices(policy, _("Not graded yet"))
        self.fields["grade"].help_text = _(
            "A new customer's grade is temporary and formally evaluated after %(months)d months."
        ) % {"months": policy.temporary_grade_months}
        self.fields["service_tier"].choices = tier_choices(policy)
        self.fields["captured_at"].help_text = _(
            "Files must be entered within %(days)d working days of capture."
        ) % {"days": policy.entry_working_days}

    def clean(self):
        cleaned = super().clean()
        has_phone = cleaned.get("contact_mobile") or cleaned.get("contact_phone")
        if has_phone and not cleaned.get("contact_name"):
            self.add_error(
                "contact_name",
                forms.ValidationError(
                    _("Give the name of the contact for these numbers."), code="required"
                ),
            )
        return cleaned


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = [
            "name",
            "title",
            "is_key",
            "decides",
            "mobile",
            "phone",
            "email",
            "im_handle",
            "birthday",
            "notes",
        ]
        widgets = {"birthday": date_widget()}


class AccountForm(forms.ModelForm):
    attributes_text = forms.CharField(
        label=_("Industry data"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One item per line, e.g. 电压等级：10kV"),
    )

    class Meta:
        model = ServiceAccount
        fields = ["kind", "number", "premises_address", "industry", "opened_on", "is_active"]
        widgets = {"opened_on": date_widget()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["attributes_text"].initial = "\n".join(
                f"{k}：{v}" for k, v in (self.instance.attributes or {}).items()
            )

    def validate_unique(self):
        # uniqueness of the number is the service's rule, with its own message
        return None

    def attributes(self) -> dict:
        result = {}
        for line in (self.cleaned_data.get("attributes_text") or "").splitlines():
            parts = re.split(r"[:：=]", line, maxsplit=1)
            if len(parts) == 2 and parts[0].strip():
                result[parts[0].strip()] = parts[1].strip()
        return result


class InteractionForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=InteractionChannel.choices)
    contact = forms.ModelChoiceField(
        label=_("Contact"), queryset=Contact.objects.none(), required=False
    )
    happened_at = datetime_field(_("Time"), False)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = customer.contacts.filter(is_active=True)


class UnmaskForm(forms.Form):
    field = forms.ChoiceField(label=_("Data"), choices=PiiField.choices, initial=PiiField.ALL)
    reason = forms.CharField(
        label=_("Why do you need the full data?"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. calling the customer back")}),
    )


class ManagerChangeForm(forms.Form):
    to_manager = forms.ModelChoiceField(
        label=_("New account manager"), queryset=User.objects.none()
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args, managers, suggested=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_manager"].queryset = managers
        self.fields["to_manager"].label_from_instance = _manager_label
        if suggested is not None:
            self.fields["to_manager"].initial = suggested.pk
            self.fields["to_manager"].help_text = _(
                "Suggested: %(name)s, who has the fewest customers in the team."
            ) % {"name": suggested.display_name}


class NoticeForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("The key contact was told by"),
        choices=[
            (NoticeChannel.SMS, NoticeChannel.SMS.label),
            (NoticeChannel.PHONE, NoticeChannel.PHONE.label),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Result"), max_length=200, required=False)


class DecisionReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class GradeAdjustForm(forms.Form):
    grade = forms.ChoiceField(label=_("Customer grade"))
    service_tier = forms.ChoiceField(label=_("Service tier"), required=False)
    credit_rating = forms.ChoiceField(
        label=_("Credit rating"), choices=[("", "—"), *CreditRating.choices], required=False
    )
    reason = forms.CharField(label=_("Reason"), max_length=255)

    def __init__(self, *args, policy: CustomerPolicy, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grade"].choices = grade_choices(policy, "—")
        self.fields["service_tier"].choices = tier_choices(policy)


class ProposalForm(GradeAdjustForm):
    reason = forms.CharField(label=_("Reason"), max_length=255, required=False)


class InfoFileForm(forms.Form):
    customer_name = forms.CharField(label=_("Customer name"), max_length=200)
    captured_at = datetime_field(_("Captured at"))
    notes = forms.CharField(label=_("Notes"), max_length=255, required=False)


class RoundOpenForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR, max_value=LAST_YEAR)


class RoundCloseForm(forms.Form):
    meeting_on = forms.DateField(label=_("Review meeting date"), widget=date_widget())
    notes = forms.CharField(
        label=_("Meeting result"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )


class VisitPlanForm(forms.Form):
    contact = forms.ModelChoiceField(
        label=_("Contact"), queryset=Contact.objects.none(), required=False
    )
    purpose = forms.CharField(label=_("Purpose"), max_length=200)
    objectives = forms.CharField(
        label=_("Objectives"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    planned_start = datetime_field(_("Planned time"))
    planned_end = datetime_field(_("Planned end"), False)

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = customer.contacts.filter(is_active=True)


class VisitDecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", _("Approve")), ("0", _("Reject"))],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class VisitRecordForm(forms.Form):
    visited_at = datetime_field(_("Visited at"))
    contact = forms.ModelChoiceField(
        label=_("Contact"), queryset=Contact.objects.none(), required=False
    )
    receptionist = forms.CharField(
        label=_("Received by (name and title)"), max_length=100, required=False
    )
    receptionist_decides = forms.BooleanField(
        label=_("The receptionist decides on cooperation"), required=False
    )
    discussed = forms.CharField(label=_("Discussed"), widget=forms.Textarea(attrs={"rows": 3}))
    needs_found = forms.CharField(
        label=_("Needs found"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    next_steps = forms.CharField(
        label=_("Next steps"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = customer.contacts.filter(is_active=True)


class TripForm(forms.Form):
    trip_date = forms.DateField(label=_("Date"), widget=date_widget())
    depart_at = forms.TimeField(
        label=_("Departure"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    return_at = forms.TimeField(
        label=pgettext_lazy("visit: time of coming back", "Return"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
    )
    destination = forms.CharField(label=_("Destination"), max_length=200)
    customer_code = forms.CharField(
        label=_("Customer number"),
        max_length=20,
        required=False,
        help_text=_("The customer visited, if any (e.g. KH00000012)."),
    )
    purpose = forms.CharField(label=_("Purpose"), max_length=200)
    transport = forms.CharField(label=_("Transport"), max_length=50, required=False)


class WeeklySummaryForm(forms.Form):
    reported_visits = forms.IntegerField(label=_("Visits this week"), min_value=0, max_value=500)
    marketing_responses = forms.CharField(
        label=_("Responses to marketing programmes"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    customer_needs = forms.CharField(
        label=_("Customers' proactive needs"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    consumption = forms.CharField(
        label=_("Consumption behaviour"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    service_problems = forms.CharField(
        label=_("Service problems"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    conclusions = forms.CharField(
        label=_("Conclusions and suggestions"), widget=forms.Textarea(attrs={"rows": 3})
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))
    mode = forms.ChoiceField(
        label=_("If some rows are wrong"),
        choices=ImportMode.choices,
        initial=ImportMode.ALL_OR_NOTHING,
        widget=forms.RadioSelect,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(
                _("Upload an Excel workbook (.xlsx); use the template."), code="invalid_extension"
            )
        return upload


class CustomerFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    kind = forms.ChoiceField(
        label=_("Customer type"), choices=[("", _("All")), *CustomerKind.choices], required=False
    )
    grade = forms.ChoiceField(label=_("Customer grade"), required=False)
    service_tier = forms.ChoiceField(label=_("Service tier"), required=False)
    account_manager = forms.ModelChoiceField(
        label=_("Account manager"), queryset=User.objects.none(), required=False
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            ("active", _("Active")),
            ("duplicates", _("Duplicates")),
            ("inactive", _("Deactivated")),
            ("all", _("All")),
        ],
        required=False,
    )

    def __init__(self, *args, policy: CustomerPolicy, managers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grade"].choices = [("", _("All")), *((g, g) for g in policy.grade_codes)]
        self.fields["service_tier"].choices = [
            ("", _("All")),
            *((t.code, t.label) for t in policy.service_tiers),
        ]
        self.fields["account_manager"].queryset = managers
        self.fields["account_manager"].label_from_instance = _manager_label
