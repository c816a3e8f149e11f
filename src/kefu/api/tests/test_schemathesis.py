"""The API keeps the promises of its OpenAPI schema: a bounded, derandomised schemathesis run
over every operation, as an administrator and as an agent, on demo data. No server error, no
status, content type or body the schema does not declare."""

from __future__ import annotations

import time

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks

from kefu.api.tests.conftest import api_token
from kefu.org.models import User

pytestmark = [pytest.mark.schemathesis, pytest.mark.django_db]

#: examples per operation and persona: enough to reach every field, few enough for minutes
EXAMPLES = 10
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]
# Not checked: positive_data_acceptance. The schema cannot say which codes exist (a category,
# a department, a customer id in a filter) nor which moves an order's state allows, and the API
# answers those with 400, which that check counts as refusing valid input.


@pytest.fixture
def wsgi_app():
    """Django's WSGI application, in the test's transaction: requests keep the test's
    connection open, as Django's test client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def run_operation(operation, token: str) -> str | None:
    """Fuzz one operation; the first failure's report, or None."""

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def fuzz(case):
        case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)

    try:
        fuzz()
    except (Exception, BaseExceptionGroup) as exc:  # every failure is collected and reported
        return f"{operation.label}: {exc}"
    return None


def test_every_operation_keeps_the_schema(wsgi_app):
    started = time.monotonic()
    call_command("demo", no_serve=True)
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", wsgi_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    failures = []
    for username in ("admin", "agent"):
        token = api_token(User.objects.get(username=username))
        for operation in operations:
            failure = run_operation(operation, token)
            if failure:
                failures.append(f"[{username}] {failure}")
    elapsed = time.monotonic() - started
    print(f"schemathesis: {len(operations)} operations × 2 personas in {elapsed:.0f} s")
    assert not failures, "\n\n".join(failures)
