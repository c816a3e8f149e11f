from django.conf import settings
from django.utils import translation
from django.utils.cache import add_never_cache_headers

LANGUAGE_COOKIE = settings.LANGUAGE_COOKIE_NAME
SUPPORTED = {code for code, _name in settings.LANGUAGES}


class LanguageMiddleware:
    """Chinese by default; English only when the user (or, before login, the cookie) asks.

    The browser's Accept-Language is deliberately ignored: staff on English-language
    systems still work in Chinese unless they choose otherwise.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = settings.LANGUAGE_CODE
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language in SUPPORTED:
            language = user.language
        elif request.COOKIES.get(LANGUAGE_COOKIE) in SUPPORTED:
            language = request.COOKIES[LANGUAGE_COOKIE]
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class NoStoreWhenSignedInMiddleware:
    """Answers to a signed-in user (session or API token) are never kept by a browser or a
    proxy: ``Cache-Control: no-store``, so the back button or a shared machine's cache does
    not show a customer's data after logout.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response
