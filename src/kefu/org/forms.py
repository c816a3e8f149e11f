from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _

from kefu.core.tree import subtree_q
from kefu.org.models import Department, DepartmentKind, Role, User
from kefu.org.roles import RoleCode


class DepartmentForm(forms.ModelForm):
    class Meta:
        model = Department
        fields = ["name", "code", "kind", "parent", "sort_order", "phone"]

    def __init__(self, *args, parents=None, **kwargs):
        super().__init__(*args, **kwargs)
        qs = parents if parents is not None else Department.objects.active()
        if self.instance.pk:
            qs = qs.exclude(subtree_q("", self.instance))
        self.fields["parent"].queryset = qs.order_by("path")
        self.fields["parent"].label_from_instance = lambda d: "　" * d.depth + d.name
        self.fields["kind"].initial = DepartmentKind.TEAM
        self.fields["name"].widget.attrs["autofocus"] = True


class StaffFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False
    )
    role = forms.ChoiceField(
        label=_("Role"), choices=[("", _("All roles")), *RoleCode.choices], required=False
    )
    active = forms.ChoiceField(
        label=_("Status"),
        choices=[("1", _("Active")), ("0", _("Deactivated")), ("", _("All"))],
        required=False,
    )

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = (
            departments if departments is not None else Department.objects.none()
        )
        self.fields["department"].label_from_instance = lambda d: "　" * d.depth + d.name

    def active_value(self):
        value = self.cleaned_data.get("active") if self.is_valid() else "1"
        return {"1": True, "0": False}.get(value or "")


class StaffForm(forms.ModelForm):
    roles = forms.ModelMultipleChoiceField(
        label=_("Roles"),
        queryset=Role.objects.order_by("id"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = User
        fields = [
            "username",
            "full_name",
            "employee_no",
            "department",
            "phone",
            "email",
            "language",
        ]
        labels = {"username": _("Login name")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["full_name"].required = True
        self.fields["department"].queryset = Department.objects.active().order_by("path")
        self.fields["department"].label_from_instance = lambda d: "　" * d.depth + d.name
        self.fields["full_name"].widget.attrs["autofocus"] = True
        if self.instance.pk:
            self.fields["roles"].initial = list(self.instance.roles.all())


class StaffCreateForm(StaffForm):
    password1 = forms.CharField(
        label=_("Initial password"), widget=forms.PasswordInput(render_value=False), strip=False
    )
    password2 = forms.CharField(
        label=_("Repeat the password"), widget=forms.PasswordInput(render_value=False), strip=False
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error(
                "password2",
                forms.ValidationError(_("The two passwords differ."), code="password_mismatch"),
            )
        return cleaned


class PasswordResetByAdminForm(forms.Form):
    password1 = forms.CharField(label=_("New password"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(
        label=_("Repeat the password"), widget=forms.PasswordInput, strip=False
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") != cleaned.get("password2"):
            self.add_error(
                "password2",
                forms.ValidationError(_("The two passwords differ."), code="password_mismatch"),
            )
        return cleaned


class RoleForm(forms.ModelForm):
    class Meta:
        model = Role
        fields = ["data_scope"]


class LoginForm(auth_forms.AuthenticationForm):
    error_messages = {
        "invalid_login": _("Wrong login name or password. Note that both are case-sensitive."),
        "inactive": _("This account has been deactivated."),
    }
