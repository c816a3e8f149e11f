"""The per-process copy of configuration: kept, dropped, and seen to move elsewhere."""

import pytest
from django.db import connection
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext

from kefu.core.configcache import ConfigCache
from kefu.notify.models import MessageChannel, MessageTemplate

pytestmark = pytest.mark.django_db(transaction=True)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def texts():
    MessageTemplate.objects.create(
        code="hello", name="问候", channel=MessageChannel.SMS, text="您好"
    )
    cache = ConfigCache(
        lambda: [MessageTemplate],
        lambda: dict(MessageTemplate.objects.filter(code="hello").values_list("code", "text")),
    )
    cache.clock = Clock()
    return cache


def reads(cache) -> tuple[dict, int]:
    with CaptureQueriesContext(connection) as ctx:
        value = cache.get()
    return value, len(ctx.captured_queries)


def edit_elsewhere(cache, **fields) -> None:
    """Change the template as another process would: history written, no signal here."""
    post_save.disconnect(cache.clear, sender=MessageTemplate)
    try:
        template = MessageTemplate.objects.get(code="hello")
        for name, value in fields.items():
            setattr(template, name, value)
        template.save()
    finally:
        post_save.connect(cache.clear, sender=MessageTemplate, weak=False)


def test_a_copy_is_handed_out_without_queries_until_checked_again(texts):
    assert reads(texts) == ({"hello": "您好"}, 2)  # the stamp, then the table
    assert reads(texts) == ({"hello": "您好"}, 0)
    texts.clock.now += ConfigCache.CHECK_EVERY
    assert reads(texts) == ({"hello": "您好"}, 1)  # the stamp has not moved


def test_a_save_in_this_process_drops_the_copy_at_once(texts):
    texts.get()
    template = MessageTemplate.objects.get(code="hello")
    template.text = "您好，欢迎致电"
    template.save()
    assert reads(texts)[0] == {"hello": "您好，欢迎致电"}


def test_a_change_in_another_process_is_seen_once_the_stamp_is_checked(texts):
    texts.get()
    edit_elsewhere(texts, text="新的问候")
    assert texts.get() == {"hello": "您好"}  # within CHECK_EVERY: the copy stands
    texts.clock.now += ConfigCache.CHECK_EVERY
    assert texts.get() == {"hello": "新的问候"}


def test_a_write_without_history_is_seen_after_max_age(texts):
    texts.get()
    MessageTemplate.objects.filter(code="hello").update(text="批量改写")
    texts.clock.now += ConfigCache.CHECK_EVERY
    assert texts.get() == {"hello": "您好"}
    texts.clock.now += ConfigCache.MAX_AGE
    assert texts.get() == {"hello": "批量改写"}


def test_nothing_read_inside_a_transaction_is_kept(texts):
    from django.db import transaction

    with transaction.atomic():
        assert texts.get() == {"hello": "您好"}
    assert reads(texts)[1] == 2
