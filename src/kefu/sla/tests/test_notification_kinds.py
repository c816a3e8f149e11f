"""What the time-limit clock tells people, by kind: a person who muted warnings or overdue
reminders hears none (the order's timeline still records them); the urge (催办) reaches the
handler whatever he muted."""

from datetime import timedelta

import pytest

from kefu.notify.models import Notification, NotificationKind
from kefu.notify.services import notification_mutes_set
from kefu.sla.tests.test_engine import T0, property_preset, signed, sweep  # noqa: F401
from kefu.tickets.tests.conftest import catalog, new_ticket  # noqa: F401

pytestmark = pytest.mark.django_db


def kinds(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_the_clock_names_its_notices_and_leaves_out_muted_ones(
    org,
    signed,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    assert sweep(T0 + timedelta(hours=1))["warnings"] == 1
    assert kinds(org.handler) == [NotificationKind.SLA_WARNING]
    assert Notification.objects.get(recipient=org.handler).subject == signed.number

    mutable = [NotificationKind.PROGRESS, NotificationKind.SLA_WARNING]
    notification_mutes_set(user=org.handler, kinds=[*mutable, NotificationKind.SLA_OVERDUE])
    notification_mutes_set(user=org.head, kinds=[NotificationKind.SLA_OVERDUE])
    assert sweep(T0 + timedelta(minutes=96))["warnings"] == 1
    assert kinds(org.handler) == [NotificationKind.SLA_WARNING]  # the 80 % one: not written
    assert signed.events.filter(kind="sla_warning").count() == 2  # the timeline has both

    with django_capture_on_commit_callbacks(execute=True):
        assert sweep(T0 + timedelta(hours=2, minutes=1))["breaches"] == 1
    # the head muted overdue reminders; the handler is urged all the same
    assert NotificationKind.SLA_OVERDUE not in kinds(org.head)
    assert NotificationKind.URGE in kinds(org.handler)
