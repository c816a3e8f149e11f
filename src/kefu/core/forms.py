from django import forms
from django.core.exceptions import ValidationError
from django.forms import Form


class DateInput(forms.DateInput):
    """The browser's date picker. Its value is always ISO (2026-12-31): a value in the
    language's own date format (2026/12/31 in Chinese) is one the browser cannot show, so
    the field would come back empty and a prefilled form be refused."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def add_service_errors(
    form: Form, exc: ValidationError, field_map: dict[str, str] | None = None
) -> None:
    """Put a service's ValidationError on the form: on its field when the form has one."""
    field_map = field_map or {}
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field_map.get(field, field)
            for error in errors:
                form.add_error(target if target in form.fields else None, error)
    else:
        for message in exc.messages:
            form.add_error(None, message)
