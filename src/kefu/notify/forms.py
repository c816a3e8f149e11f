from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kefu.notify.models import MUTABLE_KINDS, MessageChannel, MessageStatus, NotificationKind


class MessageFilterForm(forms.Form):
    channel = forms.ChoiceField(
        label=pgettext_lazy("messages", "Channel"),
        required=False,
        choices=[("", pgettext_lazy("messages", "All")), *MessageChannel.choices],
    )
    status = forms.ChoiceField(
        label=pgettext_lazy("messages", "Status"),
        required=False,
        choices=[("", pgettext_lazy("messages", "All")), *MessageStatus.choices],
    )
    to = forms.CharField(
        label=pgettext_lazy("messages", "Recipient"), required=False, max_length=200
    )
    ticket = forms.CharField(
        label=pgettext_lazy("messages", "Order number"), required=False, max_length=40
    )


class NotificationSettingsForm(forms.Form):
    muted = forms.MultipleChoiceField(
        label=_("Do not notify me of"),
        required=False,
        choices=[(kind.value, kind.label) for kind in NotificationKind if kind in MUTABLE_KINDS],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Muted notices are not written for you; the order's history keeps them."),
    )
