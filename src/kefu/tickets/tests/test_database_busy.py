"""A request that meets a busy or unreachable database answers 503 with Retry-After: JSON
for the API, a page in Chinese with a way back for people; never a 500 or a hang.

The real deadline is exercised in test_frozen_writer (SQLite) and below on PostgreSQL (a
row lock held by another connection); the other tests make the database's error appear
where it would, in a service or in the session."""

from __future__ import annotations

import time

import pytest
from django.db import OperationalError, connection
from django.test import Client

from kefu.core.sessions import SessionStore
from kefu.org.services import token_regenerate
from kefu.tickets import services
from kefu.tickets.models import TicketEvent

BUSY = {
    "code": "database_busy",
    "message": "系统繁忙，本次操作未保存，请稍后重试。",
    "errors": [],
}


def locked(*args, **kwargs):
    raise OperationalError("database is locked")


@pytest.mark.django_db
def test_an_api_write_that_meets_a_busy_database_answers_503_in_json(
    org, catalog, client, monkeypatch, settings
):
    token = token_regenerate(user=org.agent).key
    monkeypatch.setattr(services, "ticket_create", locked)
    response = client.post(
        "/api/v1/tickets/",
        {"category": catalog.repair.code, "channel": "hotline", "title": "漏水"},
        content_type="application/json",
        headers={"Authorization": f"Token {token}"},
    )
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == str(settings.DB_LOCK_TIMEOUT)
    assert response.json() == BUSY


@pytest.mark.django_db
def test_a_page_write_that_meets_a_busy_database_answers_a_page_with_a_way_back(
    org, new_ticket, client_as, monkeypatch, settings
):
    ticket = new_ticket()
    events = TicketEvent.objects.filter(ticket=ticket).count()
    client = client_as(org.agent)
    monkeypatch.setattr(services, "ticket_add_note", locked)
    response = client.post(
        f"/tickets/{ticket.pk}/note/",
        {"note": "客户再次来电"},
        headers={"Referer": f"http://testserver/tickets/{ticket.pk}/?tab=notes"},
    )
    page = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == str(settings.DB_LOCK_TIMEOUT)
    assert "<h1>系统繁忙</h1>" in page
    assert "系统繁忙，本次操作未保存，请稍后重试。" in page
    assert f'href="/tickets/{ticket.pk}/?tab=notes"' in page
    assert TicketEvent.objects.filter(ticket=ticket).count() == events


@pytest.mark.django_db
def test_the_way_back_never_leaves_the_site(org, new_ticket, client_as, monkeypatch):
    ticket = new_ticket()
    client = client_as(org.agent)
    monkeypatch.setattr(services, "ticket_add_note", locked)
    response = client.post(
        f"/tickets/{ticket.pk}/note/",
        {"note": "x"},
        headers={"Referer": "https://evil.example/phish"},
    )
    assert response.status_code == 503
    assert 'href="/"' in response.content.decode()
    assert "evil.example" not in response.content.decode()


@pytest.mark.django_db
def test_a_database_error_outside_any_view_answers_503_too(org, monkeypatch):
    """Loading the session happens in middleware, before any view: a database that is down
    then still answers 503, not Django's 500 page."""
    client = Client(raise_request_exception=False)
    client.force_login(org.agent)
    monkeypatch.setattr(SessionStore, "load", locked)
    response = client.get("/tickets/")
    assert response.status_code == 503
    assert "系统繁忙" in response.content.decode()
    response = client.get("/api/v1/tickets/")
    assert (response.status_code, response.json()) == (503, BUSY)


@pytest.mark.django_db
def test_a_session_refresh_the_database_cannot_take_is_skipped(org, monkeypatch):
    store = SessionStore()
    store["_auth_user_id"] = str(org.agent.pk)
    store.create()
    again = SessionStore(session_key=store.session_key)
    assert again["_auth_user_id"] == str(org.agent.pk)  # read: not modified
    monkeypatch.setattr("django.contrib.sessions.models.Session.save", locked)
    again.save()  # only the expiry's refresh: skipped, no error
    again["choice"] = 1
    with pytest.raises(OperationalError):  # a change must be saved or fail
        again.save()


@pytest.mark.django_db(transaction=True)
def test_postgresql_a_row_lock_held_elsewhere_gives_503_within_the_deadline(
    org, new_ticket, client_as
):
    """PostgreSQL's analogue of the frozen writer: another connection holds the order's
    row lock and does not commit; a note on that order waits at most lock_timeout."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's lock_timeout is tested on PostgreSQL (DATABASE_URL)")
    import psycopg
    from django.conf import settings

    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone()[0] == f"{settings.DB_LOCK_TIMEOUT}s"
    ticket = new_ticket()
    client = client_as(org.agent)
    holder = psycopg.connect(**connection.get_connection_params())
    try:
        holder.execute("SELECT id FROM tickets_ticket WHERE id = %s FOR UPDATE", [ticket.pk])
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '1s'")  # the test's deadline: one second
        started = time.monotonic()
        response = client.post(f"/tickets/{ticket.pk}/note/", {"note": "客户再次来电"})
        taken = time.monotonic() - started
    finally:
        holder.rollback()
        holder.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert response.status_code == 503
    assert "系统繁忙" in response.content.decode()
    assert taken < 1 + 4
