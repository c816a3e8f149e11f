"""The one counter mechanism: consecutive values, blocks, rollback, raising to a floor, and
no duplicates or gaps under concurrency (PostgreSQL)."""

import threading

import pytest
from django.apps import apps
from django.db import connection, connections, transaction

from kefu.core.counters import counter_at_least, counter_next


@pytest.fixture
def counters():
    # any counter table will do; the kernel itself holds none
    return apps.get_model("tickets", "NumberCounter")


@pytest.mark.django_db
def test_a_counter_starts_at_one_and_counts_per_key(counters):
    assert [counter_next(counters, "A:all") for _ in range(3)] == [1, 2, 3]
    assert counter_next(counters, "B:all") == 1
    assert counters.objects.get(key="A:all").value == 3


@pytest.mark.django_db
def test_a_block_of_numbers_returns_its_last(counters):
    assert counter_next(counters, "C:all", count=5) == 5
    assert counter_next(counters, "C:all") == 6
    assert counter_next(counters, "C:all", count=0) == 6
    with pytest.raises(ValueError, match="negative"):
        counter_next(counters, "C:all", count=-1)


@pytest.mark.django_db
def test_a_rollback_takes_the_number_back(counters):
    counter_next(counters, "D:all")

    def take_and_fail():
        with transaction.atomic():
            assert counter_next(counters, "D:all") == 2
            raise RuntimeError

    with pytest.raises(RuntimeError):
        take_and_fail()
    assert counter_next(counters, "D:all") == 2


@pytest.mark.django_db
def test_raising_to_a_floor_never_lowers(counters):
    assert counter_at_least(counters, "E:all", 40) == 40
    assert counter_at_least(counters, "E:all", 10) == 40
    assert counter_next(counters, "E:all") == 41


WRITERS = 30


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_callers_get_every_number_once(counters):
    if connection.vendor != "postgresql":
        pytest.skip("concurrency of counters is tested on PostgreSQL (DATABASE_URL)")
    barrier = threading.Barrier(WRITERS)
    taken: list[int] = []
    errors = []

    def take(n):
        count = 1 + n % 3  # single numbers and blocks of two and three, interleaved
        try:
            barrier.wait(timeout=30)
            with transaction.atomic():
                last = counter_next(counters, "F:all", count=count)
            taken.extend(range(last - count + 1, last + 1))
        except Exception as exc:  # collected and reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    total = sum(1 + n % 3 for n in range(WRITERS))
    assert sorted(taken) == list(range(1, total + 1))
    assert counters.objects.get(key="F:all").value == total
