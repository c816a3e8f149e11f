from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kefu.calendars import rules
from kefu.calendars.models import DayKind, WorkCalendar
from kefu.core.forms import DateInput

PERIODS_HELP = _("Working periods, e.g. 08:30-12:00, 13:30-17:30; leave empty for a day off.")


class WorkCalendarForm(forms.ModelForm):
    class Meta:
        model = WorkCalendar
        fields = [
            "code",
            "name",
            "timezone",
            "always_open",
            *rules.WEEKDAY_FIELDS,
            "makeup_weekday",
            "description",
            "is_active",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for day in rules.WEEKDAY_FIELDS:
            self.fields[day].help_text = PERIODS_HELP
            self.fields[day].widget.attrs["placeholder"] = rules.DEFAULT_WORKDAY_TEXT
        if self.instance.pk:
            self.fields["code"].disabled = True
        else:
            for day in rules.WEEKDAY_FIELDS[:5]:
                self.fields[day].initial = rules.DEFAULT_WORKDAY_TEXT
        self.fields["name"].widget.attrs["autofocus"] = True

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        if self.instance.pk:
            data.pop("code", None)
        return data


class CalendarDayForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput)
    kind = forms.ChoiceField(label=_("Kind"), choices=DayKind.choices, initial=DayKind.HOLIDAY)
    name = forms.CharField(
        label=pgettext_lazy("calendar", "Name"),
        max_length=50,
        help_text=_("e.g. 公司成立纪念日, 台风停工, 春节调休上班"),
    )
