import pytest
from rest_framework.test import APIClient

from kefu.tickets.tests.conftest import catalog, new_ticket  # noqa: F401  (shared fixtures)


def api_token(user) -> str:
    """An API token for ``user``, made the way staff make theirs (the one place to change if
    tokens change)."""
    from kefu.org import services

    return services.token_regenerate(user=user).key


@pytest.fixture
def api():
    """``api(user)``: a DRF test client sending ``user``'s token; ``api(None)`` sends none."""

    def client_for(user) -> APIClient:
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
        return client

    return client_for
