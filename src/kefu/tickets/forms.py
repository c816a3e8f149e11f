from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kefu.core.forms import DateInput
from kefu.org.models import Department
from kefu.tickets.models import (
    CannedReply,
    Category,
    DepartmentQueue,
    IntakeChannel,
    RoutingRule,
    TicketType,
)
from kefu.tickets.rules import Channel, Priority, too_long_message
from kefu.tickets.selectors import channel_choices, grade_choices, vocabulary
from kefu.tickets.states import Status


def _tree_label(node) -> str:
    return "　" * node.depth + node.name


def limit_length(field: forms.CharField, limit: int) -> None:
    """Hold *field* to *limit* characters: the browser stops typing there, and the
    server's error names the field and the rule as the services' do."""
    field.max_length = limit
    field.validators.append(MaxLengthValidator(limit))
    field.widget.attrs["maxlength"] = str(limit)
    field.error_messages["max_length"] = too_long_message(str(field.label))


class IntakeForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=(), initial=Channel.HOTLINE)
    calling_number = forms.CharField(label=_("Calling number"), required=False, max_length=30)
    call_recording_ref = forms.CharField(label=_("Call recording"), required=False, max_length=200)
    contact_name = forms.CharField(label=_("Contact name"), required=False, max_length=60)
    contact_phone = forms.CharField(label=_("Contact phone"), required=False, max_length=30)
    address = forms.CharField(label=_("Address / site"), required=False, max_length=200)
    customer_grade = forms.ChoiceField(label=_("Customer grade"), required=False, choices=())
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none())
    priority = forms.ChoiceField(
        label=_("Priority"),
        required=False,
        choices=[("", _("Category default")), *Priority.choices],
    )
    title = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(
        label=pgettext_lazy("work order", "Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    department = forms.ModelChoiceField(
        label=_("Dispatch to"),
        required=False,
        queryset=Department.objects.none(),
        help_text=_("Empty: the routing rules and the category's lead department decide."),
    )
    customer = forms.IntegerField(required=False, widget=forms.HiddenInput)
    resolution = forms.CharField(
        label=_("How it was settled"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        vocab = vocabulary()
        self.fields["channel"].choices = channel_choices(vocab=vocab)
        self.fields["customer_grade"].choices = [("", "—"), *grade_choices(vocab)]
        self.fields["category"].queryset = Category.objects.filter(is_active=True).order_by("path")
        self.fields["category"].label_from_instance = _tree_label
        self.fields["department"].queryset = Department.objects.active().order_by("path")
        self.fields["department"].label_from_instance = _tree_label
        self.fields["calling_number"].widget.attrs.update({"autofocus": True})
        category = self._category()
        self.extra_specs = list(category.extra_fields) if category else []
        for spec in self.extra_specs:
            self.fields[f"extra_{spec['name']}"] = forms.CharField(
                label=spec.get("label", spec["name"]), required=False
            )
            limit_length(
                self.fields[f"extra_{spec['name']}"], settings.KEFU_TICKET_EXTRA_VALUE_MAX_CHARS
            )
        limit_length(self.fields["description"], settings.KEFU_TICKET_DESCRIPTION_MAX_CHARS)
        limit_length(self.fields["resolution"], settings.KEFU_TICKET_NOTE_MAX_CHARS)

    def _category(self):
        value = self.data.get("category") if self.is_bound else self.initial.get("category")
        if not value:
            return None
        return Category.objects.filter(pk=value).first() if str(value).isdigit() else None

    def extra_bound_fields(self):
        return [self[f"extra_{spec['name']}"] for spec in self.extra_specs]

    def extra_values(self) -> dict:
        return {
            spec["name"]: self.cleaned_data.get(f"extra_{spec['name']}", "")
            for spec in self.extra_specs
        }


class TicketFilterForm(forms.Form):
    """The queue's filters. Each field is checked on its own: a bad value is named beside
    its field and the other filters still apply (see ``filters``)."""

    text = forms.CharField(label=_("Search"), required=False)
    # "All" is the empty choice the page offers; it is dropped when cleaned
    status = forms.MultipleChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *Status.choices]
    )
    ticket_type = forms.ModelChoiceField(
        label=_("Type"), required=False, queryset=TicketType.objects.all()
    )
    category = forms.ModelChoiceField(
        label=_("Category"), required=False, queryset=Category.objects.none()
    )
    department = forms.ModelChoiceField(
        label=_("Department"), required=False, queryset=Department.objects.none()
    )
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=())
    grade = forms.ChoiceField(label=_("Customer grade"), required=False, choices=())
    received_from = forms.DateField(label=_("Received from"), required=False, widget=DateInput)
    received_to = forms.DateField(label=_("Received to"), required=False, widget=DateInput)

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        vocab = vocabulary()
        self.fields["channel"].choices = [
            ("", _("All")),
            *channel_choices(active_only=False, vocab=vocab),
        ]
        self.fields["grade"].choices = [("", _("All")), *grade_choices(vocab)]
        self.fields["category"].queryset = Category.objects.order_by("path")
        self.fields["category"].label_from_instance = _tree_label
        self.fields["department"].queryset = (
            departments if departments is not None else Department.objects.none()
        )
        self.fields["department"].label_from_instance = _tree_label

    def clean_status(self) -> list[str]:
        return [status for status in self.cleaned_data["status"] if status]

    def clean(self):
        data = super().clean()
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and end < start:
            self.add_error(
                "received_to",
                forms.ValidationError(
                    _("The end date is before the start date."), code="date_range_reversed"
                ),
            )
        return data

    def valid_data(self) -> dict:
        """The values that passed their field's checks (all of them when unbound)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return self.cleaned_data


class ReasonForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("Handler"), required=False, queryset=None)
    reason = forms.CharField(
        label=pgettext_lazy("work order", "Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    resolution = forms.CharField(
        label=pgettext_lazy("work order", "Result"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    department = forms.ModelChoiceField(
        label=_("Department"), required=False, queryset=Department.objects.none()
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.active().order_by("path")
        self.fields["department"].label_from_instance = _tree_label
        from kefu.org.models import User

        self.fields["owner"].queryset = User.objects.filter(is_active=True)
        limit_length(self.fields["reason"], settings.KEFU_TICKET_NOTE_MAX_CHARS)
        limit_length(self.fields["resolution"], settings.KEFU_TICKET_NOTE_MAX_CHARS)


REQUIRED_WORDS = {"必填", "required", "是", "yes", "true", "*"}
OPTIONAL_WORDS = {"", "选填", "optional", "否", "no", "false"}


class ExtraFieldsField(forms.CharField):
    """A category's extra intake fields, one a line: ``code | label | 必填`` (the label and
    the last part may be left out) instead of JSON."""

    widget = forms.Textarea(attrs={"rows": 4, "placeholder": "meter_no | 表号 | 必填"})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(
                " | ".join(
                    [
                        str(spec.get("name", "")),
                        str(spec.get("label", spec.get("name", ""))),
                        "必填" if spec.get("required") else "选填",
                    ]
                )
                for spec in value
                if isinstance(spec, dict)
            )
        return value

    def to_python(self, value):
        if isinstance(value, list):
            return value
        specs = []
        for number, line in enumerate(str(value or "").splitlines(), start=1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.replace("｜", "|").split("|")]
            if len(parts) > 3:
                raise ValidationError(
                    _("Line %(line)d: write at most code | label | required."),
                    code="invalid",
                    params={"line": number},
                )
            name = parts[0]
            if not name.isidentifier() or not name.isascii():
                raise ValidationError(
                    _(
                        "Line %(line)d: the code “%(name)s” may hold only letters, digits and "
                        "underscores, and not start with a digit."
                    ),
                    code="invalid",
                    params={"line": number, "name": name},
                )
            flag = parts[2].lower() if len(parts) == 3 else ""
            if flag not in REQUIRED_WORDS | OPTIONAL_WORDS:
                raise ValidationError(
                    _("Line %(line)d: the last part is 必填 (required) or 选填 (optional)."),
                    code="invalid",
                    params={"line": number},
                )
            label = parts[1] if len(parts) > 1 and parts[1] else name
            specs.append({"name": name, "label": label, "required": flag in REQUIRED_WORDS})
        return specs


class CategoryForm(forms.ModelForm):
    extra_fields = ExtraFieldsField(
        label=_("Extra form fields"),
        required=False,
        help_text=_(
            "One field the agent fills in at intake a line: code | label | 必填 or 选填, "
            "e.g. meter_no | 表号 | 必填."
        ),
    )

    class Meta:
        model = Category
        fields = [
            "name",
            "code",
            "ticket_type",
            "parent",
            "lead_department",
            "default_priority",
            "settle_at_first_contact",
            "extra_fields",
            "sla_policy_code",
            "reply_template",
            "sort_order",
            "is_active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = Category.objects.order_by("path")
        self.fields["parent"].label_from_instance = _tree_label
        self.fields["lead_department"].queryset = Department.objects.active().order_by("path")
        self.fields["lead_department"].label_from_instance = _tree_label
        if self.instance.pk:
            self.fields["parent"].disabled = True


class CannedReplyForm(forms.ModelForm):
    class Meta:
        model = CannedReply
        fields = ["title", "text", "category", "sort_order", "is_active"]
        widgets = {"text": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.order_by("path")
        self.fields["category"].label_from_instance = _tree_label
        self.fields["category"].empty_label = str(_("All categories"))
        limit_length(self.fields["text"], settings.KEFU_TICKET_NOTE_MAX_CHARS)


class RoutingRuleForm(forms.ModelForm):
    customer_grade = forms.ChoiceField(label=_("Customer grade"), required=False, choices=())

    class Meta:
        model = RoutingRule
        fields = ["order", "category", "area", "customer_grade", "department", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        grades = grade_choices()
        current = self.instance.customer_grade
        if current and current not in dict(grades):
            grades.append((current, current))  # a grade since taken off the list
        self.fields["customer_grade"].choices = [("", _("Any")), *grades]
        self.fields["category"].queryset = Category.objects.order_by("path")
        self.fields["category"].label_from_instance = _tree_label
        self.fields["department"].queryset = Department.objects.active().order_by("path")
        self.fields["department"].label_from_instance = _tree_label


class PublicReportForm(forms.Form):
    """The public web form (no login)."""

    category = forms.ModelChoiceField(label=_("What is it about"), queryset=Category.objects.none())
    title = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(label=_("Details"), widget=forms.Textarea(attrs={"rows": 4}))
    contact_name = forms.CharField(label=_("Your name"), max_length=60)
    contact_phone = forms.CharField(label=_("Mobile phone"), max_length=30)
    address = forms.CharField(label=_("Address"), required=False, max_length=200)
    website = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"})
    )
    started = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(
            is_active=True, children__isnull=True
        ).order_by("path")
        self.fields["category"].widget.attrs.update(
            {
                # The chosen category's own fields are drawn by the server on change.
                "hx-get": reverse("public_report"),
                "hx-trigger": "change",
                "hx-include": "this",
                "hx-select": "#extra-fields",
                "hx-target": "#extra-fields",
                "hx-swap": "outerHTML",
            }
        )
        limit_length(self.fields["description"], settings.KEFU_TICKET_DESCRIPTION_MAX_CHARS)
        value = self.data.get("category") if self.is_bound else self.initial.get("category")
        category = (
            self.fields["category"].queryset.filter(pk=value).first()
            if value and str(value).isdigit()
            else None
        )
        self.extra_specs = list(category.extra_fields or []) if category else []
        for spec in self.extra_specs:
            label = spec.get("label", spec["name"])
            field = forms.CharField(
                label=label,
                required=bool(spec.get("required")),
                error_messages={
                    "required": _("%(label)s is required for this category.") % {"label": label}
                },
            )
            limit_length(field, settings.KEFU_TICKET_EXTRA_VALUE_MAX_CHARS)
            self.fields[f"extra_{spec['name']}"] = field

    def extra_bound_fields(self):
        return [self[f"extra_{spec['name']}"] for spec in self.extra_specs]

    def main_bound_fields(self):
        hidden = {"website", *(f"extra_{spec['name']}" for spec in self.extra_specs)}
        return [field for field in self.visible_fields() if field.name not in hidden]

    def extra_values(self) -> dict:
        return {
            spec["name"]: self.cleaned_data.get(f"extra_{spec['name']}", "")
            for spec in self.extra_specs
        }


class TrackForm(forms.Form):
    number = forms.CharField(label=_("Order number"), max_length=40)
    phone_tail = forms.RegexField(
        label=_("Last 4 digits of your phone"),
        regex=r"^\d{4}$",
        error_messages={"invalid": _("Enter the last 4 digits.")},
    )


class IntakeChannelForm(forms.ModelForm):
    class Meta:
        model = IntakeChannel
        fields = ["name", "code", "sort_order", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["code"].disabled = True

    def _post_clean(self):
        # The service validates and saves; the form only checks its fields.
        pass


class TicketTypeForm(forms.ModelForm):
    class Meta:
        model = TicketType
        fields = ["name", "code", "number_prefix", "number_pattern", "sort_order", "is_active"]

    def clean_number_pattern(self):
        from kefu.tickets.rules import pattern_errors

        pattern = self.cleaned_data["number_pattern"]
        errors = pattern_errors(pattern)
        if errors:
            raise forms.ValidationError(
                _("The pattern cannot be used: %(errors)s") % {"errors": "; ".join(errors)},
                code="invalid",
            )
        return pattern


class DepartmentQueueForm(forms.ModelForm):
    class Meta:
        model = DepartmentQueue
        fields = ["department", "assignment_mode"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.active().order_by("path")
        self.fields["department"].label_from_instance = _tree_label


class LiaisonSlipForm(forms.Form):
    """A work liaison slip registered after the work (FRA-05): the real times are typed in,
    never taken from the clock."""

    content = forms.CharField(label=_("Work content"), widget=forms.Textarea(attrs={"rows": 3}))
    started_at = forms.DateTimeField(
        label=_("Started at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    finished_at = forms.DateTimeField(
        label=_("Finished at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    people = forms.CharField(label=_("People who did the work"), max_length=200)
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(), empty_label="---------"
    )
    late_reason = forms.CharField(
        label=_("Why it is registered afterwards"), widget=forms.Textarea(attrs={"rows": 2})
    )
    ticket_number = forms.CharField(
        label=_("Link to order number"),
        required=False,
        max_length=40,
        help_text=_("Leave empty to open a new order or to register the slip on its own."),
    )
    category = forms.ModelChoiceField(
        label=_("Or open a new order in category"),
        queryset=Category.objects.none(),
        required=False,
        empty_label=_("no new order"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(is_active=True).order_by(
            "path"
        )
        self.fields["category"].queryset = Category.objects.filter(is_active=True).order_by("path")
        self.fields["category"].label_from_instance = _tree_label
