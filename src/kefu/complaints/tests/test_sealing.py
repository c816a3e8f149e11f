"""A tip-off's reporter stays sealed whatever the way in: the address, the category fields
about the reporter and the files' names too, on every page, export, API answer and
history; only a confidential handler reads them, and each reading is logged."""

from datetime import timedelta
from io import BytesIO

import pytest
import time_machine
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from kefu.complaints.models import ComplaintCase, IdentityAccess, ReporterIdentity
from kefu.tickets.models import Attachment, Ticket, TicketEvent
from kefu.tickets.tests.rendered import rendered_form

pytestmark = pytest.mark.django_db

NAME, PHONE, ADDRESS = "钱秘密", "13766668888", "城西区保密花园9栋"
SEEN_AT, ACCUSED = "我家楼下车库", "物业收费处"
FILE = "钱秘密的举报信.jpg"
SECRETS = (NAME, PHONE, ADDRESS, SEEN_AT, "钱秘密的举报信")


@pytest.fixture
def fields_category(tips):
    """The tip-off category asks where the reporter saw it (about the reporter: sealed)
    and whom it is about (marked as not identifying: readable for handling)."""
    from kefu.tickets import services

    return services.category_update(
        category=tips.category,
        extra_fields=[
            {"name": "seen_at", "label": "发现地点"},
            {"name": "accused", "label": "被举报单位", "identifies_reporter": False},
        ],
    )


def _by_staff_form(org, tips, client_as):
    """The agent's intake form as rendered; the category's fields as the page loads them
    when the category is chosen."""
    client = client_as(org.agent)
    form = rendered_form(client.get("/tickets/new/").content.decode(), "intake-form")
    fragment = client.get(f"/tickets/new/fields/?category={tips.category.pk}").content.decode()
    extra = rendered_form(f'<form data-testid="extra">{fragment}</form>', "extra")
    assert set(extra.fields) == {"extra_seen_at", "extra_accused"}
    data = {**form.fields, **extra.fields}
    data.update(
        channel="hotline",
        calling_number=PHONE,
        contact_name=NAME,
        contact_phone=PHONE,
        address=ADDRESS,
        category=tips.category.pk,
        title="收费员多收停车费",
        extra_seen_at=SEEN_AT,
        extra_accused=ACCUSED,
        submit="dispatch",
    )
    response = client.post("/tickets/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Ticket.objects.get(title="收费员多收停车费")


def _by_public_form(org, tips, client_as):
    from django.test import Client

    client = Client()
    with time_machine.travel(timezone.now() - timedelta(seconds=30)):
        page = client.get("/public/report/").content.decode()
    data = rendered_form(page, "public-report-form").fields
    data.update(
        category=tips.category.pk,
        title="收费员多收停车费",
        description="每次多收五元",
        contact_name=NAME,
        contact_phone=PHONE,
        address=ADDRESS,
    )
    response = client.post("/public/report/", data)
    assert response.status_code == 200
    assert "tickets/public_report_done.html" in [t.name for t in response.templates]
    # an agent takes it on and dispatches it, as from the 待认领 queue
    from kefu.tickets import services
    from kefu.tickets.states import Action

    ticket = services.ticket_claim(
        ticket=Ticket.objects.get(title="收费员多收停车费"), actor=org.agent
    )
    return services.ticket_transition(ticket=ticket, action=Action.DISPATCH, actor=org.agent)


def _by_api(org, tips, client_as):
    response = client_as(org.agent).post(
        "/api/v1/tickets/",
        {
            "category": tips.category.code,
            "channel": "sms",
            "title": "收费员多收停车费",
            "contact_name": NAME,
            "contact_phone": PHONE,
            "address": ADDRESS,
            "extra": {"seen_at": SEEN_AT, "accused": ACCUSED},
            "dispatch": True,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    for secret in SECRETS:
        assert secret not in response.content.decode()
    return Ticket.objects.get(title="收费员多收停车费")


INTAKES = {"staff_form": _by_staff_form, "public_form": _by_public_form, "api": _by_api}


def xlsx_text(response) -> str:
    book = load_workbook(BytesIO(response.content))
    return " ".join(
        str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
    )


def history_text() -> str:
    """Every value kept by django-simple-history, in every history table."""
    values = []
    for model in apps.get_models():
        if model.__name__.startswith("Historical"):
            for row in model.objects.values():
                values.extend(str(v) for v in row.values())
    return " ".join(values)


def assert_sealed_for(client, ticket: Ticket) -> None:
    case = ticket.complaint_case
    urls = [
        f"/tickets/{ticket.pk}/",
        f"/api/v1/tickets/{ticket.number}/",
        f"/api/v1/tickets/{ticket.number}/timeline/",
        "/api/v1/tickets/?page_size=100",
        f"/complaints/{case.pk}/",
        f"/complaints/{case.pk}/print/",
    ]
    for url in urls:
        response = client.get(url)
        body = response.content.decode()
        for secret in SECRETS:
            assert secret not in body, (url, secret)
    # the caller panel (search by phone) does not lead from the reporter's number to it
    panel = client.get(f"/tickets/new/caller/?contact_phone={PHONE}").content.decode()
    assert ticket.number not in panel and 'data-testid="caller-no-orders"' in panel
    export = client.get("/tickets/?queue=all&export=xlsx")
    assert export.status_code == 200
    text = xlsx_text(export)
    for secret in SECRETS:
        assert secret not in text, secret


@pytest.mark.parametrize("intake", sorted(INTAKES))
def test_a_tip_off_shows_no_reporter_to_agents_managers_and_the_gm(
    org, catalog, tips, fields_category, client_as, intake
):
    ticket = INTAKES[intake](org, tips, client_as)
    # the reporter (or the agent for them) adds a photo to the order
    upload = SimpleUploadedFile(FILE, b"\xff\xd8\xff", content_type="image/jpeg")
    attached = client_as(tips.keeper).post(f"/tickets/{ticket.pk}/attach/", {"file": upload})
    assert attached.status_code == 302
    ticket.refresh_from_db()

    for persona in (org.agent, catalog.officer, org.gm, org.admin):
        assert_sealed_for(client_as(persona), ticket)
    events = " ".join(f"{e.note} {e.data}" for e in TicketEvent.objects.filter(ticket=ticket))
    history = history_text()
    for secret in SECRETS:
        assert secret not in events and secret not in history
    assert ticket.identity_sealed
    assert (ticket.address, ticket.contact_name, ticket.contact_phone) == ("", "", "")
    assert "seen_at" not in ticket.extra
    if intake != "public_form":  # the public form asks no category fields
        assert ticket.extra == {"accused": ACCUSED}  # kept for handling
    attachment = Attachment.objects.get(ticket=ticket)
    assert attachment.name == "附件1.jpg" and "钱秘密" not in attachment.file.name
    sealed = ReporterIdentity.objects.get(case=ticket.complaint_case).sealed
    for secret in SECRETS:
        assert secret not in sealed


@pytest.mark.parametrize("intake", sorted(INTAKES))
def test_the_confidential_handler_reads_all_of_it_and_the_reading_is_logged(
    org, catalog, tips, fields_category, client_as, intake
):
    ticket = INTAKES[intake](org, tips, client_as)
    upload = SimpleUploadedFile(FILE, b"\xff\xd8\xff", content_type="image/jpeg")
    client_as(org.agent).post(f"/tickets/{ticket.pk}/attach/", {"file": upload})
    case = ticket.complaint_case
    client = client_as(tips.keeper)
    shown = client.post(f"/complaints/{case.pk}/reporter/", {"reveal-purpose": "回电告知结果"})
    body = shown.content.decode()
    expected = (NAME, PHONE, ADDRESS, FILE) + ((SEEN_AT,) if intake != "public_form" else ())
    for secret in expected:
        assert secret in body, secret
    viewed = IdentityAccess.objects.get(case=case, kind="viewed")
    assert (viewed.user, viewed.purpose, viewed.channel) == (tips.keeper, "回电告知结果", "page")
    api = client.post(
        f"/api/v1/complaints/{case.pk}/reporter/",
        {"purpose": "核实"},
        content_type="application/json",
    )
    assert api.status_code == 200
    data = api.json()
    assert (data["address"], data["attachments"]) == (
        ADDRESS,
        [{"name": "附件1.jpg", "original": FILE}],
    )
    assert IdentityAccess.objects.filter(case=case, kind="viewed").count() == 2
    refused = client_as(org.gm).post(f"/complaints/{case.pk}/reporter/", {"reveal-purpose": "x"})
    for secret in SECRETS:
        assert secret not in refused.content.decode()
    assert IdentityAccess.objects.filter(case=case, kind="refused", user=org.gm).count() == 1


def test_a_repeat_call_keeps_the_callers_number_off_the_timeline(org, tips, tip_off, client_as):
    case = tip_off(contact_name="", contact_phone="", calling_number="")
    client_as(org.agent).post(
        f"/tickets/{case.ticket_id}/repeat/", {"channel": "hotline", "calling_number": PHONE}
    )
    timeline = client_as(org.gm).get(f"/api/v1/tickets/{case.ticket.number}/timeline/")
    assert timeline.status_code == 200 and PHONE not in timeline.content.decode()
    from kefu.complaints import services

    identity = services.identity_reveal(case=case, actor=tips.keeper, purpose="核实", channel="t")
    assert identity["contacts"] == [PHONE] and identity["anonymous"] is False


# ---------------------------------------------------------------- orders written unsealed


def _unsealed_tip_off(org, tips, *, number: str, with_case: bool = False) -> Ticket:
    """A tip-off as older versions or a bulk insert wrote it: the reporter in clear."""
    ticket = Ticket.objects.create(
        number=number,
        ticket_type=tips.category.ticket_type,
        category=tips.category,
        channel="hotline",
        title="举报维修人员私自收费",
        contact_name=NAME,
        contact_phone=PHONE,
        calling_number=PHONE,
        address=ADDRESS,
        extra={"seen_at": SEEN_AT},
        created_at=timezone.now() - timedelta(days=40),
    )
    TicketEvent.objects.create(
        ticket=ticket,
        kind="repeat",
        data={"channel": "hotline", "calling_number": PHONE},
        created_at=ticket.created_at,
    )
    Attachment.objects.create(
        ticket=ticket, file="tickets/x.jpg", name=FILE, size=3, content_type="image/jpeg"
    )
    return ticket


def test_sealing_older_tip_offs_opens_their_case_files_and_seals_everything(
    org, tips, fields_category, client_as
):
    from kefu.complaints.sealing import tip_offs_seal

    ticket = _unsealed_tip_off(org, tips, number="JB-OLD-1")
    assert PHONE in client_as(org.gm).get(f"/tickets/{ticket.pk}/").content.decode()

    assert tip_offs_seal() == 1
    assert tip_offs_seal() == 0  # nothing left: running it again changes nothing

    ticket.refresh_from_db()
    assert ticket.identity_sealed and (ticket.address, ticket.extra) == ("", {})
    case = ComplaintCase.objects.get(ticket=ticket)
    assert case.series == "tip_off" and case.register_no.startswith("JB")
    assert Attachment.objects.get(ticket=ticket).name == "附件1.jpg"
    assert_sealed_for(client_as(org.gm), ticket)
    from kefu.complaints import services

    identity = services.identity_reveal(case=case, actor=tips.keeper, purpose="核实", channel="t")
    assert (identity["contact_name"], identity["address"]) == (NAME, ADDRESS)
    assert identity["extra"] == {"发现地点": SEEN_AT}
    assert identity["contacts"] == [PHONE]
    assert identity["attachments"] == [{"name": "附件1.jpg", "original": FILE}]
    assert IdentityAccess.objects.filter(case=case, kind="sealed", channel="backfill").exists()


def test_sealing_older_tip_offs_completes_an_identity_sealed_before(org, tips, tip_off):
    """Orders sealed before the address was: name and phone sealed, the address in clear."""
    from kefu.complaints.sealing import tip_offs_seal

    case = tip_off(address=ADDRESS)
    Ticket.objects.filter(pk=case.ticket_id).update(address=ADDRESS, identity_sealed=False)
    assert tip_offs_seal() == 1
    from kefu.complaints import services

    identity = services.identity_reveal(case=case, actor=tips.keeper, purpose="核实", channel="t")
    assert (identity["contact_name"], identity["address"]) == ("赵举报", ADDRESS)
    assert Ticket.objects.get(pk=case.ticket_id).address == ""
    assert ComplaintCase.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_seals_the_tip_offs_of_an_existing_database(org, tips, client_as):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    ticket = _unsealed_tip_off(org, tips, number="JB-OLD-2")
    executor = MigrationExecutor(connection)
    executor.migrate([("complaints", "0003_authority_role_choices")])
    assert Ticket.objects.get(pk=ticket.pk).contact_phone == PHONE

    executor = MigrationExecutor(connection)
    executor.migrate([("complaints", "0004_seal_tip_off_reporters")])
    # back to the current schema, so that the models below read every column they have
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    ticket.refresh_from_db()
    assert ticket.identity_sealed and (ticket.contact_phone, ticket.address) == ("", "")
    assert not Ticket.objects.filter(ticket_type__code="tip_off", identity_sealed=False).exists()
    case = ComplaintCase.objects.get(ticket=ticket)
    assert ReporterIdentity.objects.get(case=case).anonymous is False
    assert_sealed_for(client_as(org.gm), ticket)
    events = " ".join(f"{e.note} {e.data}" for e in TicketEvent.objects.filter(ticket=ticket))
    for secret in SECRETS:
        assert secret not in events


def test_no_tip_off_of_the_demo_shows_its_reporter_to_the_general_manager(client):
    """The demo writes a year of history in bulk (DEMO_PERCENT scales it down in tests)."""
    from django.core.management import call_command

    from kefu.org.models import User

    call_command("demo", no_serve=True)
    tip_offs = Ticket.objects.filter(ticket_type__code="tip_off")
    assert tip_offs.count() > 3
    exposed = tip_offs.exclude(contact_name="", contact_phone="", calling_number="", address="")
    assert list(exposed.values_list("number", "contact_name", "address")) == []
    assert not tip_offs.filter(identity_sealed=False).exists()
    assert ComplaintCase.objects.filter(ticket__in=tip_offs).count() == tip_offs.count()
    client.force_login(User.objects.get(username="gm"))
    for ticket in tip_offs.order_by("pk")[:5]:
        page = client.get(f"/tickets/{ticket.pk}/")
        assert page.status_code == 200 and 'data-testid="identity-sealed"' in page.content.decode()
    # the confidential handler of the demo reads them, logged
    client.force_login(User.objects.get(username="admin"))
    case = tip_offs.order_by("pk").first().complaint_case
    shown = client.post(f"/complaints/{case.pk}/reporter/", {"reveal-purpose": "核实"})
    assert 'data-testid="reporter-identity"' in shown.content.decode()
    assert IdentityAccess.objects.filter(case=case, kind="viewed").count() == 1


@pytest.mark.parametrize("direction", ["into_tip_off", "tip_off_into_other"])
def test_a_tip_off_is_never_merged_with_another_order(org, tip_off, new_ticket, direction):
    """Merging would put the other order's caller beside the tip-off's number."""
    from django.core.exceptions import ValidationError

    from kefu.tickets import services as tickets
    from kefu.tickets.models import Ticket

    sealed = tip_off().ticket
    other = new_ticket(contact_name="赵举报", contact_phone="13711112222", dispatch=True)
    duplicate, survivor = (other, sealed) if direction == "into_tip_off" else (sealed, other)
    with pytest.raises(ValidationError) as refused:
        tickets.ticket_merge(ticket=duplicate, into=survivor, actor=org.agent)
    assert "保密" in refused.value.message_dict["into"][0]
    assert Ticket.objects.get(pk=duplicate.pk).merged_into_id is None
    assert not Ticket.objects.get(pk=survivor.pk).events.filter(kind="merge").exists()
