from django import forms
from django.utils.translation import pgettext_lazy

from kefu.notify.models import MessageChannel, MessageStatus


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
