from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

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
