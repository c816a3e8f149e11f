from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.core.excel import xlsx_response
from kefu.core.forms import add_service_errors
from kefu.org import selectors, services
from kefu.org.forms import (
    DepartmentForm,
    LoginForm,
    PasswordResetByAdminForm,
    RoleForm,
    StaffCreateForm,
    StaffFilterForm,
    StaffForm,
)
from kefu.org.models import Role
from kefu.org.permissions import can_manage_org, can_manage_token

# ---------------------------------------------------------------- accounts


class LoginView(auth_views.LoginView):
    template_name = "org/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def lockout(request, credentials=None, *args, **kwargs):
    """Shown instead of the login page while an address or a user name is locked out
    (django-axes)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    form = LoginForm(request)
    form.cleaned_data = {}
    return render(
        request,
        "org/login.html",
        {
            "form": form,
            "lockout_message": _(
                "Too many failed logins. Logins from this address are blocked for "
                "%(minutes)d minutes; try again later or ask an administrator."
            )
            % {"minutes": minutes},
        },
        status=429,
    )


def client_ip(request) -> str | None:
    """The address a login comes from, as django-axes counts failures by it.

    Behind the TLS proxy (``BEHIND_TLS_PROXY``) every request arrives from the proxy, which
    appends the address it saw to ``X-Forwarded-For``: the last entry is that address (the
    entries before it are whatever the client sent, and are not trusted).
    """
    if settings.BEHIND_TLS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR")


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "org/password_change.html"
    success_url = reverse_lazy("org:me")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Your password has been changed."))
        return response


def _require_org_manager(user) -> None:
    if not can_manage_org(user):
        raise PermissionDenied(_("Only administrators can change the organisation."))


# ---------------------------------------------------------------- departments


@login_required
def department_list(request):
    departments = selectors.department_tree(request.user)
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            _("departments") + ".xlsx",
            _("Departments"),
            [
                _("Code"),
                _("Name"),
                _("Kind"),
                _("Parent department"),
                _("Phone"),
                _("Active staff"),
                _("Status"),
            ],
            (
                (
                    d.code,
                    d.name,
                    d.get_kind_display(),
                    d.parent.name if d.parent else "",
                    d.phone,
                    d.staff_count,
                    _("Active") if d.is_active else _("Deactivated"),
                )
                for d in departments
            ),
        )
    return render(
        request,
        "org/department_list.html",
        {"departments": departments, "can_manage": can_manage_org(request.user)},
    )


@login_required
def department_detail(request, pk):
    department = get_object_or_404(selectors.departments_visible(request.user), pk=pk)
    return render(
        request,
        "org/department_detail.html",
        {
            "department": department,
            "ancestors": department.ancestors(),
            "children": selectors.departments_visible(request.user).filter(parent=department),
            "staff": selectors.staff_visible(request.user)
            .filter(department=department)
            .prefetch_related("roles"),
            "history": selectors.history_entries(department),
            "can_manage": can_manage_org(request.user),
        },
    )


@login_required
def department_create(request):
    _require_org_manager(request.user)
    initial = {}
    if request.GET.get("parent"):
        initial["parent"] = request.GET["parent"]
    form = DepartmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            department = services.department_create(**form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("Department “%(name)s” created.") % {"name": department.name}
            )
            return redirect("org:department_detail", pk=department.pk)
    return render(request, "org/department_form.html", {"form": form, "department": None})


@login_required
def department_edit(request, pk):
    _require_org_manager(request.user)
    department = get_object_or_404(selectors.departments_visible(request.user), pk=pk)
    form = DepartmentForm(request.POST or None, instance=department)
    if request.method == "POST" and form.is_valid():
        try:
            services.department_update(department=department, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("org:department_detail", pk=department.pk)
    return render(request, "org/department_form.html", {"form": form, "department": department})


@login_required
@require_POST
def department_set_active(request, pk):
    _require_org_manager(request.user)
    department = get_object_or_404(selectors.departments_visible(request.user), pk=pk)
    active = request.POST.get("active") == "1"
    try:
        services.department_set_active(department=department, active=active)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Department reactivated.") if active else _("Department deactivated."),
        )
    return redirect("org:department_detail", pk=department.pk)


# ---------------------------------------------------------------- staff


@login_required
def staff_list(request):
    departments = selectors.departments_visible(request.user).order_by("path")
    data = request.GET.copy()
    data.setdefault("active", "1")
    form = StaffFilterForm(data, departments=departments)
    filters = selectors.StaffFilter()
    if form.is_valid():
        filters = selectors.StaffFilter(
            q=form.cleaned_data["q"],
            department=form.cleaned_data["department"],
            role=form.cleaned_data["role"],
            active=form.active_value(),
        )
    staff = selectors.staff_list(request.user, filters)
    if request.GET.get("export") == "xlsx":
        return xlsx_response(
            _("staff") + ".xlsx",
            _("Staff"),
            [
                _("Employee number"),
                _("Full name"),
                _("Login name"),
                _("Department"),
                _("Roles"),
                _("Phone"),
                _("Email"),
                _("Status"),
            ],
            (
                (
                    u.employee_no or "",
                    u.full_name,
                    u.username,
                    u.department.name if u.department else "",
                    "、".join(r.name for r in u.roles.all()),
                    u.phone,
                    u.email,
                    _("Active") if u.is_active else _("Deactivated"),
                )
                for u in staff
            ),
        )
    page = Paginator(staff, 50).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "can_manage": can_manage_org(request.user),
        "query_string": _query_without_page(request),
    }
    if request.htmx:
        return render(request, "org/staff_list.html#results", context)
    return render(request, "org/staff_list.html", context)


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    return query.urlencode()


@login_required
def me(request):
    return redirect("org:staff_detail", pk=request.user.pk)


@login_required
def staff_detail(request, pk):
    person = get_object_or_404(selectors.staff_visible(request.user), pk=pk)
    return _staff_detail_page(request, person)


def _staff_detail_page(request, person, *, new_token: str | None = None):
    may_manage_token = can_manage_token(request.user, person)
    return render(
        request,
        "org/staff_detail.html",
        {
            "person": person,
            "roles": person.roles.order_by("id"),
            "history": selectors.history_entries(person),
            "can_manage": can_manage_org(request.user),
            "can_manage_token": may_manage_token,
            "tokens": (
                selectors.api_tokens(person, now=timezone.now()) if may_manage_token else []
            ),
            "new_token": new_token,
            "token_ttl_days": settings.API_TOKEN_TTL.days,
        },
    )


@login_required
def staff_create(request):
    _require_org_manager(request.user)
    initial = {"department": request.GET.get("department")} if request.GET.get("department") else {}
    form = StaffCreateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        password = data.pop("password1")
        data.pop("password2")
        try:
            person = services.staff_create(password=password, **data)
        except ValidationError as exc:
            add_service_errors(form, exc, {"password": "password1"})
        else:
            messages.success(
                request, _("Staff member “%(name)s” created.") % {"name": person.display_name}
            )
            return redirect("org:staff_detail", pk=person.pk)
    return render(request, "org/staff_form.html", {"form": form, "person": None})


@login_required
def staff_edit(request, pk):
    _require_org_manager(request.user)
    person = get_object_or_404(selectors.staff_visible(request.user), pk=pk)
    form = StaffForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        roles = data.pop("roles")
        try:
            services.staff_update(user=person, roles=roles, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("org:staff_detail", pk=person.pk)
    # A failed ModelForm validation leaves the instance half-changed; reload for the title.
    person.refresh_from_db()
    return render(request, "org/staff_form.html", {"form": form, "person": person})


@login_required
@require_POST
def staff_set_active(request, pk):
    _require_org_manager(request.user)
    person = get_object_or_404(selectors.staff_visible(request.user), pk=pk)
    active = request.POST.get("active") == "1"
    try:
        services.staff_set_active(user=person, active=active, actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("Account reactivated.") if active else _("Account deactivated.")
        )
    return redirect("org:staff_detail", pk=person.pk)


@login_required
def staff_reset_password(request, pk):
    _require_org_manager(request.user)
    person = get_object_or_404(selectors.staff_visible(request.user), pk=pk)
    form = PasswordResetByAdminForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_set_password(user=person, password=form.cleaned_data["password1"])
        except ValidationError as exc:
            add_service_errors(form, exc, {"password": "password1"})
        else:
            if person.pk == request.user.pk:
                update_session_auth_hash(request, person)
            messages.success(request, _("The password has been reset."))
            return redirect("org:staff_detail", pk=person.pk)
    return render(request, "org/staff_password.html", {"form": form, "person": person})


@login_required
def token_create(request, pk):
    """Create an API token and show its value on this response only (it is never stored).

    Anything but POST (the language switch returning here, a bookmark) goes to the page.
    """
    if request.method != "POST":
        return redirect("org:staff_detail", pk=pk)
    person = get_object_or_404(selectors.staff_visible(request.user), pk=pk)
    if not can_manage_token(request.user, person):
        raise PermissionDenied
    try:
        issued = services.token_create(user=person)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(reverse("org:staff_detail", args=[person.pk]) + "#api-token")
    return _staff_detail_page(request, person, new_token=issued.key)


@login_required
@require_POST
def token_revoke(request, pk, token_key):
    person = get_object_or_404(selectors.staff_visible(request.user), pk=pk)
    if not can_manage_token(request.user, person):
        raise PermissionDenied
    if services.token_revoke(user=person, token_key=token_key):
        messages.success(request, _("The API token was revoked."))
    return redirect(reverse("org:staff_detail", args=[person.pk]) + "#api-token")


# ---------------------------------------------------------------- roles


@login_required
def role_list(request):
    _require_org_manager(request.user)
    roles = Role.objects.order_by("id")
    return render(request, "org/role_list.html", {"roles": roles})


@login_required
def role_edit(request, pk):
    _require_org_manager(request.user)
    role = get_object_or_404(Role, pk=pk)
    form = RoleForm(request.POST or None, instance=role)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Changes saved."))
        return redirect("org:role_list")
    return render(
        request,
        "org/role_form.html",
        {"form": form, "role": role, "history": selectors.history_entries(role)},
    )
