"""Request body parsers of the API."""

from django.conf import settings
from rest_framework import parsers

from kefu.api.errors import RequestTooLarge


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` before
    reading it (DRF reads JSON from the stream, past the limit Django applies to forms)."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if request is not None and limit is not None:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                raise RequestTooLarge()
        return super().parse(stream, media_type, parser_context)
