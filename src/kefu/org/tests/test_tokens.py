"""API tokens: stored only as digests, shown once, listed, revoked, expiring."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from kefu.org import services

pytestmark = pytest.mark.django_db


def api(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def stored_strings() -> list[str]:
    """Every text value held in any table whose name speaks of tokens."""
    values = []
    for model in apps.get_models():
        if "token" not in model._meta.db_table:
            continue
        for row in model.objects.values_list():
            values += [str(v) for v in row]
    return values


def test_the_stored_value_is_not_the_token(org):
    key = services.token_regenerate(user=org.agent).key
    assert api(key).get("/api/v1/staff/").status_code == 200
    stored = stored_strings()
    assert stored  # the token is kept, as something else
    assert not any(key in value or value in key for value in stored if len(value) >= 16)


def test_an_expired_token_is_refused(org, settings):
    key = services.token_regenerate(user=org.agent).key
    later = timezone.now() + timedelta(days=91)
    with time_machine.travel(later, tick=False):
        refused = api(key).get("/api/v1/staff/")
    assert refused.status_code == 401
    assert "过期" in refused.json()["message"]


def test_a_token_works_until_it_expires(org, settings):
    settings.API_TOKEN_TTL = timedelta(days=7)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        key = services.token_create(user=org.agent).key
    with time_machine.travel(start + timedelta(days=7, seconds=-1), tick=False):
        assert api(key).get("/api/v1/staff/").status_code == 200
    with time_machine.travel(start + timedelta(days=7), tick=False):
        assert api(key).get("/api/v1/staff/").status_code == 401


def test_a_revoked_token_is_refused_and_the_others_still_work(org):
    first = services.token_create(user=org.agent)
    second = services.token_create(user=org.agent)
    assert services.token_revoke(user=org.agent, token_key=first.token.token_key) == 1
    refused = api(first.key).get("/api/v1/staff/")
    assert refused.status_code == 401
    assert refused.json()["message"] == "认证令牌无效。"
    assert api(second.key).get("/api/v1/staff/").status_code == 200


def test_a_deactivated_account_cannot_get_a_token(org):
    agent = services.staff_set_active(user=org.agent, active=False, actor=org.admin)
    with pytest.raises(services.ValidationError):
        services.token_create(user=agent)


def test_the_token_is_shown_once_then_only_how_it_starts(client_as, org):
    client = client_as(org.agent)
    created = client.post(f"/org/staff/{org.agent.pk}/tokens/new/")
    assert created.status_code == 200
    page = created.content.decode()
    key = created.context["new_token"]
    assert f"<code>{key}</code>" in page and "不会再次显示" in page
    assert api(key).get("/api/v1/staff/").status_code == 200
    assert not any(key in str(value) for value in client.session.values())
    # coming back to the creation's address (the language switch does) shows the page
    back = client.get(f"/org/staff/{org.agent.pk}/tokens/new/")
    assert back.status_code == 302 and back["Location"] == f"/org/staff/{org.agent.pk}/"
    again = client.get(f"/org/staff/{org.agent.pk}/").content.decode()
    assert key not in again
    assert f"{key[:8]}…" in again  # listed by how it starts, with its dates


def test_the_list_shows_created_expiry_and_last_use(client_as, org):
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        key = services.token_create(user=org.agent).key
    with time_machine.travel(start + timedelta(hours=2), tick=False):
        api(key).get("/api/v1/staff/")
    page = client_as(org.agent).get(f"/org/staff/{org.agent.pk}/").content.decode()
    local = timezone.localtime
    assert local(start).strftime("%Y-%m-%d %H:%M") in page
    assert local(start + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M") in page  # last used
    assert local(start + timedelta(days=90)).strftime("%Y-%m-%d %H:%M") in page  # expiry


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        pytest.param("agent", True, id="owner"),
        pytest.param("admin", True, id="administrator"),
        pytest.param("shift_leader", False, id="the-owner's-shift-leader"),
        pytest.param("gm", False, id="general-manager"),
    ],
)
def test_who_may_revoke_a_token(client_as, org, persona, allowed):
    issued = services.token_create(user=org.agent)
    url = f"/org/staff/{org.agent.pk}/tokens/{issued.token.token_key}/revoke/"
    response = client_as(getattr(org, persona)).post(url)
    if allowed:
        assert response.status_code == 302
        assert api(issued.key).get("/api/v1/staff/").status_code == 401
    else:
        assert response.status_code in (403, 404)
        assert api(issued.key).get("/api/v1/staff/").status_code == 200


def test_someone_else_cannot_create_a_token_for_the_owner(client_as, org):
    from knox.models import AuthToken

    response = client_as(org.shift_leader).post(f"/org/staff/{org.agent.pk}/tokens/new/")
    assert response.status_code == 403
    assert not AuthToken.objects.filter(user=org.agent).exists()


def test_operators_create_list_and_revoke_with_the_kefu_command(org, capsys):
    call_command("apitoken", "create", "agent")
    key = capsys.readouterr().out.strip()
    assert api(key).get("/api/v1/staff/").status_code == 200
    call_command("apitoken", "list", "agent")
    listed = capsys.readouterr().out
    assert key[:15] in listed and key not in listed and "active" in listed
    call_command("apitoken", "revoke", "agent", "--token", key[:8])
    assert "Revoked 1" in capsys.readouterr().out
    assert api(key).get("/api/v1/staff/").status_code == 401


def test_clear_tokens_of_the_old_table_are_hashed_and_keep_working(org):
    """An existing DRF token (kept in clear) becomes a knox digest: the program using it
    goes on working until it expires; no clear key is left in the database."""
    import importlib

    from knox.models import AuthToken

    migration = importlib.import_module("kefu.org.migrations.0004_api_tokens_hashed")
    old_key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, "
            "created timestamp with time zone NOT NULL, user_id bigint NOT NULL)"
            if connection.vendor == "postgresql"
            else "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, "
            "created datetime NOT NULL, user_id bigint NOT NULL)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, %s, %s)",
            [old_key, timezone.now() - timedelta(days=30), org.agent.pk],
        )
    # the function reads only the editor's connection (a real editor cannot open inside
    # the test's transaction on SQLite)
    migration.hash_clear_tokens(apps, SimpleNamespace(connection=connection))
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM authtoken_token")
        assert cursor.fetchone()[0] == 0
        cursor.execute("DROP TABLE authtoken_token")
    token = AuthToken.objects.get(user=org.agent)
    assert token.digest != old_key and token.token_key == old_key[:15]
    assert token.expiry > timezone.now() + timedelta(days=89)
    assert api(old_key).get("/api/v1/staff/").status_code == 200
