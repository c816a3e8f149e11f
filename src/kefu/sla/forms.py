from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kefu.calendars.models import WorkCalendar
from kefu.sla import rules
from kefu.sla.events import start_event_choices
from kefu.sla.models import SlaMilestone, SlaPolicy
from kefu.sla.policy import CONDITION_FIELDS
from kefu.sla.presets import INDUSTRY_CHOICES


class CodesField(forms.CharField):
    """A list of codes typed as ``complaint, repair``; empty means any."""

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value

    def to_python(self, value):
        return rules.split_codes(super().to_python(value) or "")


class SlaPolicyForm(forms.ModelForm):
    ticket_types = CodesField(label=_("Ticket types"), required=False)
    categories = CodesField(
        label=_("Categories"),
        required=False,
        help_text=_("A category code also covers its sub-categories."),
    )
    priorities = CodesField(label=_("Priorities"), required=False)
    customer_grades = CodesField(label=_("Customer grades"), required=False)
    service_tiers = CodesField(label=_("Service tiers"), required=False)
    channels = CodesField(label=_("Channels"), required=False)

    class Meta:
        model = SlaPolicy
        fields = [
            "code",
            "name",
            "order",
            "is_active",
            *CONDITION_FIELDS,
            "escalate_centre_after",
            "escalate_gm_after",
            "description",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in CONDITION_FIELDS:
            self.fields[name].widget.attrs["placeholder"] = _(
                "empty = any; codes separated by commas"
            )
        if self.instance.pk:
            self.fields["code"].disabled = True
        self.fields["name"].widget.attrs["autofocus"] = True

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        if self.instance.pk:
            data.pop("code", None)
        return data


class ThresholdsField(forms.CharField):
    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        try:
            return list(rules.parse_thresholds(rules.split_codes(text)))
        except ValueError as exc:
            raise ValidationError(str(exc), code="invalid") from None


class SlaMilestoneForm(forms.ModelForm):
    starts_at = forms.ChoiceField(
        label=_("Clock starts at"),
        choices=start_event_choices,
        help_text=_(
            "The event the time is counted from: an event of the order, a milestone "
            "reached, or an event of the complaint or process."
        ),
    )
    warning_thresholds = ThresholdsField(
        label=_("Warning thresholds (%)"),
        required=False,
        initial="50, 80",
        help_text=_("Warn when these shares of the time limit are used, e.g. 50, 80."),
    )

    class Meta:
        model = SlaMilestone
        fields = [
            "position",
            "kind",
            "label",
            "amount",
            "unit",
            "hard_limit_amount",
            "calendar",
            "starts_at",
            "pauses",
            "warning_thresholds",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["calendar"].queryset = WorkCalendar.objects.filter(is_active=True).order_by(
            "id"
        )
        self.fields["position"].required = False

    def _post_clean(self):
        # The service validates the model (with the policy set); skip the form's own pass.
        pass


class PresetLoadForm(forms.Form):
    industry = forms.ChoiceField(label=_("Industry"), choices=INDUSTRY_CHOICES)


class DelayNoticeForm(forms.Form):
    """What the first responder told the customer about a late order."""

    channel = forms.ChoiceField(label=_("How the customer was told"), choices=())
    reason = forms.CharField(label=_("Reason given to the customer"), max_length=500)
    expected_at = forms.DateTimeField(
        label=_("New expected time"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args, **kwargs):
        from kefu.sla.models import DelayNotice

        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = DelayNotice.Channel.choices


class MilestoneReachedForm(forms.Form):
    """A milestone reached: when (now if left empty), and why it is recorded late."""

    at = forms.DateTimeField(
        label=_("Time reached"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Leave empty for now."),
    )
    reason = forms.CharField(
        label=_("Reason for recording late"),
        required=False,
        max_length=200,
        help_text=_("Needed for a time more than 10 minutes ago."),
    )
