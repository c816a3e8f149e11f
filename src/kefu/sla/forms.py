from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kefu.calendars.models import WorkCalendar
from kefu.sla import rules
from kefu.sla.events import start_event_choices
from kefu.sla.models import SlaMilestone, SlaPolicy
from kefu.sla.policy import CONDITION_FIELDS
from kefu.sla.presets import INDUSTRY_CHOICES
from kefu.sla.selectors import CONDITION_TITLES, condition_names, condition_options


class ConditionField(forms.MultipleChoiceField):
    """A condition of a policy: chosen from what exists (ticket types, categories …);
    nothing chosen means any."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, *, title, **kwargs):
        super().__init__(label=title, required=False, **kwargs)

    def validate(self, value):
        unknown = [code for code in value if not self.valid_value(code)]
        if unknown:
            raise ValidationError(
                gettext("%(field)s: there is no option with the code %(codes)s.")
                % {"field": self.label, "codes": "、".join(unknown)},
                code="unknown_code",
            )
        super().validate(value)


class SlaPolicyForm(forms.ModelForm):
    ticket_types = ConditionField(title=CONDITION_TITLES["ticket_types"])
    categories = ConditionField(
        title=CONDITION_TITLES["categories"],
        help_text=_("A category also covers its sub-categories."),
    )
    priorities = ConditionField(title=CONDITION_TITLES["priorities"])
    customer_grades = ConditionField(title=CONDITION_TITLES["customer_grades"])
    service_tiers = ConditionField(title=CONDITION_TITLES["service_tiers"])
    channels = ConditionField(title=CONDITION_TITLES["channels"])

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
        options = condition_options()
        names = condition_names()
        for name in CONDITION_FIELDS:
            choices = list(options[name])
            known = {code for code, _label in choices}
            # a code the policy already names (a preset's, or one since removed) stays
            # choosable, so that saving the policy does not drop it
            for code in getattr(self.instance, name, None) or ():
                if code not in known:
                    label = names.get(name, {}).get(code)
                    choices.append(
                        (
                            code,
                            _("%(label)s (code %(code)s, not in use)")
                            % {"label": label or code, "code": code},
                        )
                    )
            self.fields[name].choices = choices
            self.fields[name].widget.attrs["data-condition"] = name
        if self.instance.pk:
            self.fields["code"].disabled = True
        self.fields["name"].widget.attrs["autofocus"] = True

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        if self.instance.pk:
            data.pop("code", None)
        return data

    def draft(self) -> dict:
        """The conditions, order and state as entered, for trying the policy before it
        is saved (the explainer); only fields that are valid."""
        data = getattr(self, "cleaned_data", {})
        return {
            name: data[name]
            for name in ("code", "name", "order", "is_active", *CONDITION_FIELDS)
            if name in data
        }


class ExplainForm(forms.Form):
    """An order to try the policies on: its category, channel, customer grade and service
    tier, ticket type and priority (type and priority default to the category's)."""

    category = forms.ChoiceField(label=_("Category"), required=False)
    ticket_type = forms.ChoiceField(label=_("Ticket type"), required=False)
    priority = forms.ChoiceField(label=_("Priority"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    customer_grade = forms.ChoiceField(label=_("Customer grade"), required=False)
    service_tier = forms.ChoiceField(label=_("Service tier"), required=False)

    FIELDS = ("category", "ticket_type", "priority", "channel", "customer_grade", "service_tier")
    _OPTIONS = {
        "category": "categories",
        "ticket_type": "ticket_types",
        "priority": "priorities",
        "channel": "channels",
        "customer_grade": "customer_grades",
        "service_tier": "service_tiers",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        options = condition_options()
        for name, condition in self._OPTIONS.items():
            blank = _("The category's") if name in {"ticket_type", "priority"} else "—"
            self.fields[name].choices = [("", blank), *options[condition]]
            self.fields[name].error_messages["invalid_choice"] = _(
                "Choose one of the options (there is none with the code %(value)s)."
            )


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
