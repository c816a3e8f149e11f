from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.org.permissions import can_manage_org
from kefu.site import presets
from kefu.site.forms import PresetForm
from kefu.site.models import PresetApplication
from kefu.site.selectors import workspace_summary

SUPPORTED_LANGUAGES = {code for code, _name in settings.LANGUAGES}


@login_required
def home(request):
    """我的工作台: the user's starting page."""
    return render(request, "site/home.html", {"summary": workspace_summary(request.user)})


@require_POST
def set_language(request):
    """Switch the interface language; remembered on the user's record and in a cookie."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language not in SUPPORTED_LANGUAGES:
        return response
    if request.user.is_authenticated:
        from kefu.org.services import staff_update

        staff_update(user=request.user, language=language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        httponly=True,
    )
    return response


@login_required
def preset_page(request):
    """行业预置: pick an industry (and the company it is for), preview what changes, apply."""
    if not can_manage_org(request.user):
        raise PermissionDenied
    form = PresetForm(request.POST or None)
    report = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            apply = request.POST.get("action") == "apply"
            try:
                report = presets.preset_apply(
                    industry=form.cleaned_data["industry"],
                    company=form.cleaned_data["company"],
                    actor=request.user,
                    dry_run=not apply,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if apply:
                    if report.application is None:
                        messages.info(request, _("Nothing changed: the settings already match."))
                        return redirect("site:presets")
                    messages.success(request, _("Industry preset applied."))
                    return redirect(f"{request.path}?shown={report.application.pk}")
        if not form.is_valid() or form.errors:
            status = 400
    shown = None
    if request.GET.get("shown", "").isdigit():
        shown = PresetApplication.objects.filter(pk=int(request.GET["shown"])).first()
    return render(
        request,
        "site/presets.html",
        {
            "form": form,
            "report": report,
            "shown": shown,
            "shown_changes": [presets.Change(**c) for c in shown.changes] if shown else [],
            "installation_industry": presets.INDUSTRIES.get(presets.installation_industry()),
            "company_industries": [
                (company, presets.INDUSTRIES.get(code, code))
                for company, code in presets.company_industries().items()
            ],
            "applications": presets.preset_applications(),
            "installation_wide": [presets.PARTS[p] for p in presets.INSTALLATION_WIDE],
        },
        status=status,
    )
