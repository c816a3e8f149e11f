from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_POST

from kefu.core import health
from kefu.core.selectors import workspace_summary

SUPPORTED_LANGUAGES = {code for code, _name in settings.LANGUAGES}


@login_required
def home(request):
    """我的工作台: the user's starting page."""
    return render(request, "core/home.html", {"summary": workspace_summary(request.user)})


@cache
def _favicon() -> bytes:
    return (Path(__file__).resolve().parent / "static" / "kefu" / "favicon.ico").read_bytes()


@require_GET
@cache_control(max_age=7 * 24 * 3600, public=True)
def favicon(request):
    """``/favicon.ico``, which browsers ask for on their own whatever the page links."""
    return HttpResponse(_favicon(), content_type="image/x-icon")


@never_cache
@require_GET
def healthz(request):
    status, body = health.health_report()
    return JsonResponse(body, status=status)


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


def csrf_failure(request, reason=""):
    return render(request, "core/csrf_failure.html", status=403)
