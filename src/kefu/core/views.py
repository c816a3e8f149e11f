from functools import cache
from pathlib import Path

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET

from kefu.core import health


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


def csrf_failure(request, reason=""):
    return render(request, "core/csrf_failure.html", status=403)
