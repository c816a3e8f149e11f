from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kefu.core.dates import validate_in_span
from kefu.core.forms import DateInput
from kefu.followups.models import (
    DissatisfactionReason,
    Feeds,
    FollowupSettings,
    QuestionKindChoices,
    Questionnaire,
    VisitChannel,
)
from kefu.followups.rules import AttemptOutcome, Satisfaction
from kefu.followups.selectors import GROUPS

YES_NO = [("", "—"), ("yes", _("Yes")), ("no", _("No"))]


class AttemptForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Call outcome"),
        choices=[(c.value, c.label) for c in AttemptOutcome if c != AttemptOutcome.REACHED],
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


class ResultForm(forms.Form):
    """The visitor fills it while the customer is on the line."""

    reached = forms.ChoiceField(label=_("Customer reached"), choices=YES_NO, required=False)
    resolved = forms.ChoiceField(
        label=_("Solved in the customer's view"), choices=YES_NO, required=False
    )
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction"),
        choices=[("", "—"), *Satisfaction.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    customer_words = forms.CharField(
        label=_("Customer's words"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    reasons = forms.ModelMultipleChoiceField(
        label=_("Reasons for dissatisfaction"),
        queryset=DissatisfactionReason.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    @staticmethod
    def yes_no(value: str) -> bool | None:
        return {"yes": True, "no": False}.get(value)


class LinkForm(forms.Form):
    """How the survey link goes to the customer: SMS to the order's mobile, or email."""

    channel = forms.ChoiceField(
        label=_("Send by"),
        choices=[
            (VisitChannel.SMS_LINK, pgettext_lazy("survey link", "SMS")),
            (VisitChannel.EMAIL_LINK, pgettext_lazy("survey link", "Email")),
        ],
    )
    email = forms.CharField(
        label=pgettext_lazy("survey link", "Email address"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"list": "survey-emails", "autocomplete": "off"}),
    )


class CloseForm(forms.Form):
    justification = forms.CharField(
        label=_("Justification"), widget=forms.Textarea(attrs={"rows": 3})
    )


class SpotCheckForm(forms.Form):
    week_of = forms.DateField(label=_("A day of the week"), widget=DateInput)
    percent = forms.IntegerField(label=_("Share (%)"), min_value=1, max_value=100)


class PlanForm(forms.Form):
    name = forms.CharField(label=_("Project"), max_length=100)
    delivered_on = forms.DateField(label=_("Delivered on"), widget=DateInput)


class PlannedDoneForm(forms.Form):
    note = forms.CharField(
        label=_("What the customer said"), widget=forms.Textarea(attrs={"rows": 2})
    )
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction"),
        choices=[("", "—"), *Satisfaction.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )


class QuestionnaireForm(forms.ModelForm):
    class Meta:
        model = Questionnaire
        fields = ["code", "title", "intro", "categories", "campaign", "is_default", "is_active"]
        widgets = {"intro": forms.Textarea(attrs={"rows": 2})}


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=QuestionKindChoices.choices)
    text = forms.CharField(label=_("Question"), max_length=200)
    choices = forms.CharField(
        label=_("Choices (one per line)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    required = forms.BooleanField(label=_("Required"), required=False, initial=True)
    feeds = forms.ChoiceField(label=_("Feeds"), choices=Feeds.choices, required=False)


class SettingsForm(forms.ModelForm):
    public_base_url = forms.URLField(
        label=_("public address"),
        required=False,
        assume_scheme="https",
        help_text=_("e.g. https://kefu.example.com — used in survey links sent by SMS."),
    )

    class Meta:
        model = FollowupSettings
        fields = [
            "team",
            "max_attempts",
            "retry_working_days",
            "calendar_code",
            "spot_check_percent",
            "link_valid_days",
            "public_base_url",
            "plan_horizon_days",
        ]


class ReportForm(forms.Form):
    group = forms.ChoiceField(
        label=_("Group by"),
        required=False,
        choices=[
            ("department", _("Department")),
            ("category", _("Category")),
            ("handler", _("Handler")),
            ("visitor", _("Visitor")),
            ("channel", _("Channel")),
            ("month", _("Month")),
        ],
    )
    start = forms.DateField(
        label=_("From"), required=False, widget=DateInput, validators=[validate_in_span]
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=DateInput, validators=[validate_in_span]
    )

    def clean_group(self):
        value = self.cleaned_data.get("group") or "department"
        assert value in GROUPS
        return value


def _split_tags(value: str) -> list[str]:
    return [t.strip() for t in value.replace("、", ",").replace("，", ",").split(",") if t.strip()]


class NewYearAudienceForm(forms.Form):
    """Whom the December New Year greeting and needs survey reaches (RV-11, NTF-05)."""

    grades = forms.MultipleChoiceField(
        label=_("Customer grades"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every grade, ungraded customers too."),
    )
    new_customers = forms.BooleanField(
        label=_("New customers (cooperation started this year)"), required=False
    )
    existing_customers = forms.BooleanField(label=_("Existing customers"), required=False)
    tags = forms.CharField(
        label=_("Only customers with these tags"),
        required=False,
        max_length=300,
        help_text=_("Separate tags with 、 or commas; empty: whatever the tags."),
    )

    def __init__(self, *args, grades=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grades"].choices = [(g.code, g.label) for g in grades]

    def clean_tags(self) -> list[str]:
        return _split_tags(self.cleaned_data.get("tags") or "")
