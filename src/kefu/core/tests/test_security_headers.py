"""What every response says to browsers and proxies about keeping and running its content."""

import pytest
from rest_framework.test import APIClient

from kefu.org import services

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("/", id="workspace"),
        pytest.param("/org/staff/me/", id="redirect"),
        pytest.param("/tickets/", id="queue"),
        pytest.param("/org/staff/?export=xlsx", id="export"),
    ],
)
def test_signed_in_pages_are_never_stored(client_as, org, url):
    response = client_as(org.agent).get(url)
    assert response.status_code in (200, 302)
    assert "no-store" in response["Cache-Control"]


def test_api_answers_to_a_token_are_never_stored(org):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {services.token_create(user=org.agent).key}")
    response = client.get("/api/v1/staff/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
