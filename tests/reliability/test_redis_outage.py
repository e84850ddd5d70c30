"""Redis gone while members use the site: the cache (and with it sessions, the live poll's shortcut and allauth's
rate-limit counters) lives in Redis, so every page must still answer when Redis is down, hanging, or restarted
empty on the same port. Each test runs its own redis-server on a spare port (tests/reliability/servers.py) and
stops only that one."""

import logging
import time
from datetime import timedelta

import pytest
import redis
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCacheClient
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

import core.cache
from core.cache import FailSoftRedisCache
from meetings import live
from meetings.live_version import version_cache_key
from tests.factories import PASSWORD, ActionFactory, MeetingFactory

FAIL_SOFT = "core.cache.FailSoftRedisCache"
PLAIN = "django.core.cache.backends.redis.RedisCache"
TIMEOUTS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}


def caches_on(server, backend=FAIL_SOFT, **options):
    opts = {**TIMEOUTS, **options} if backend == FAIL_SOFT else {}
    return override_settings(CACHES={"default": {"BACKEND": backend, "LOCATION": server.url(1), "OPTIONS": opts}})


@pytest.fixture
def running_meeting(learning_set, facilitator, member):
    """A live meeting in the member's set, and an open action of theirs: every member page has something to show."""
    meeting = MeetingFactory(learning_set=learning_set, starts_at=timezone.now() + timedelta(minutes=5))
    live.add_slot(meeting=meeting, presenter=member, by=facilitator, issue_title="Handing over between shifts")
    live.control_meeting(meeting_id=meeting.pk, by=facilitator, control="start", version=0)
    ActionFactory(learning_set=learning_set, owner=member, text="Ask the night shift what they need")
    meeting.refresh_from_db()
    return meeting


def member_pages(meeting) -> dict[str, str]:
    set_id = meeting.learning_set_id
    return {
        "home": reverse("sets:home"),
        "my actions": reverse("meetings:my-actions"),
        "set page": reverse("sets:detail", args=[set_id]),
        "set meetings": reverse("meetings:set-meetings", args=[set_id]),
        "meeting page": reverse("meetings:detail", args=[meeting.pk]),
        "live room": reverse("meetings:live", args=[meeting.pk]),
        "live state (unchanged)": reverse("meetings:live-state", args=[meeting.pk]) + f"?v={meeting.version}",
        "live state (changed)": reverse("meetings:live-state", args=[meeting.pk]) + "?v=0",
    }


EXPECTED = {"live state (unchanged)": 304}


def statuses(client, pages) -> dict[str, int]:
    return {name: client.get(path).status_code for name, path in pages.items()}


def all_fine(pages) -> dict[str, int]:
    return {name: EXPECTED.get(name, 200) for name in pages}


def test_django_s_plain_redis_cache_makes_an_outage_an_error_on_every_page(
    client, redis_server, running_meeting, member
):
    """Why the cache is ours: with Django's RedisCache, a logged-in member's next page fails once Redis is gone."""
    with caches_on(redis_server, PLAIN):
        client.force_login(member)
        assert client.get(reverse("meetings:my-actions")).status_code == 200
        redis_server.stop()
        with pytest.raises(redis.exceptions.ConnectionError):
            client.get(reverse("meetings:my-actions"))


def test_pages_work_while_redis_is_gone_and_after_it_comes_back_empty(
    client, redis_server, running_meeting, member, caplog
):
    pages = member_pages(running_meeting)
    with caches_on(redis_server), caplog.at_level(logging.WARNING, "core.cache"):
        client.force_login(member)
        assert statuses(client, pages) == all_fine(pages)
        assert cache.get(version_cache_key(running_meeting.pk)) == running_meeting.version  # Redis was in use

        redis_server.stop()
        for _ in range(3):  # several rounds: the outage is logged once, not once per call
            assert statuses(client, pages) == all_fine(pages)
        assert client.session["_auth_user_id"] == str(member.pk)  # the session came from the database
        # A write during the outage: the facilitator's next step is in the database; the poll sees it.
        facilitator = running_meeting.learning_set.memberships.get(role="facilitator").user
        live.control_meeting(meeting_id=running_meeting.pk, by=facilitator, control="next", version=1)
        moved = client.get(pages["live state (unchanged)"])
        assert moved.status_code == 200 and b"Handing over between shifts" in moved.content
        unreachable = [r for r in caplog.records if "unreachable" in r.getMessage()]
        assert len(unreachable) == 1

        redis_server.start()  # same port, empty
        time.sleep(2.1)  # RETRY_AFTER: the cache asks Redis again
        running_meeting.refresh_from_db()
        pages = member_pages(running_meeting)
        assert statuses(client, pages) == all_fine(pages)
        assert cache.get(version_cache_key(running_meeting.pk)) == 2  # Redis is used again
        assert [r.getMessage().startswith("The Redis cache is back after") for r in caplog.records] == [False, True]


def test_a_hanging_redis_costs_a_page_a_timeout_at_most(client, redis_server, running_meeting, member):
    """A Redis that accepts connections and never answers (frozen with SIGSTOP): pages still answer, and the
    short socket timeout is paid once per RETRY_AFTER window, not once per cache call."""
    pages = member_pages(running_meeting)
    with caches_on(redis_server):
        client.force_login(member)
        redis_server.freeze()
        try:
            started = time.monotonic()
            timings = {}
            for name, path in pages.items():
                began = time.monotonic()
                assert client.get(path).status_code == EXPECTED.get(name, 200), name
                timings[name] = round(time.monotonic() - began, 2)
            total = time.monotonic() - started
        finally:
            redis_server.thaw()
    # Several cache calls a page: one timeout per call would take 1.5 s a page and 12 s in all.
    assert max(timings.values()) < 2.5, timings
    assert total < 5.0, timings


def test_logging_in_works_while_redis_is_gone_and_rate_limits_fail_open(client, redis_server, member):
    """allauth counts failed logins in the cache. With Redis up, 5 failures lock the account for 5 minutes; with
    Redis gone nothing is counted, so the right password still gets in (documented in docs/reliability.md)."""
    login = reverse("account_login")
    with caches_on(redis_server):
        for _ in range(5):
            assert client.post(login, {"login": member.email, "password": "wrong"}).status_code == 200
        locked = client.post(login, {"login": member.email, "password": PASSWORD})
        assert "Too many failed login attempts" in locked.content.decode()

        redis_server.stop()
        for _ in range(8):
            assert client.post(login, {"login": member.email, "password": "wrong"}).status_code == 200
        response = client.post(login, {"login": member.email, "password": PASSWORD})
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(member.pk)
        assert client.get(reverse("sets:home")).status_code == 200


def test_a_key_whose_write_failed_is_deleted_once_redis_answers_again(redis_server, monkeypatch, db):
    """After a network split (Redis kept its data, but missed a write), the old value must not be served: the
    live poll would otherwise answer "unchanged" from a version that has moved on."""

    with caches_on(redis_server, RETRY_AFTER=0.2):
        key = version_cache_key(12345)
        cache.set(key, 5)

        def split(*args, **kwargs):
            raise redis.exceptions.ConnectionError("network split")

        monkeypatch.setattr(RedisCacheClient, "set", split)
        cache.set(key, 6)  # lost, silently
        assert cache.get(key) is None  # while "down", a miss without asking Redis
        monkeypatch.undo()
        assert redis.Redis.from_url(redis_server.url(1)).get(cache.make_key(key)) is not None  # 5 is still there
        time.sleep(0.25)
        assert cache.get(key) is None  # gone, not 5
        cache.set(key, 7)
        assert cache.get(key) == 7


def test_the_fail_soft_cache_answers_every_call_like_a_miss_when_redis_is_gone(redis_server):
    """Django's cache API, call by call, against a Redis that is gone: no exception, the answers of a cache that
    has nothing."""
    redis_server.stop()
    backend = FailSoftRedisCache(redis_server.url(1), {"OPTIONS": {**TIMEOUTS, "RETRY_AFTER": 0}})
    assert backend.get("k", "default") == "default"
    assert backend.get_many(["k", "l"]) == {}
    assert backend.has_key("k") is False
    assert backend.add("k", 1) is True  # granted: callers use add() as a lock (see the module)
    assert backend.set("k", 1) is None
    assert backend.set_many({"k": 1, "l": 2}) == ["k", "l"]
    assert backend.touch("k") is False
    assert backend.delete("k") is False
    assert backend.delete_many(["k"]) is None
    assert backend.get_or_set("k", 3) == 3
    with pytest.raises(ValueError):
        backend.incr("k")
    assert backend.clear() is False


def test_an_outage_with_reads_only_is_logged_once_and_back_only_when_it_is(redis_server, caplog):
    """Trying Redis again after the back-off and finding it still down is the same outage: no second "unreachable"
    and no "back" until a call really reaches Redis."""
    backend = FailSoftRedisCache(redis_server.url(1), {"OPTIONS": {**TIMEOUTS, "RETRY_AFTER": 0.05}})
    assert backend.get("k") is None
    redis_server.stop()
    with caplog.at_level(logging.WARNING, "core.cache"):
        for _ in range(5):
            assert backend.get("k", "miss") == "miss"
            time.sleep(0.06)
        assert [r.getMessage().split(" (")[0] for r in caplog.records] == ["The Redis cache is unreachable"]
        redis_server.start()
        time.sleep(0.06)
        assert backend.get("k", "miss") == "miss"
        assert backend.add("k", 1) is True and backend.get("k") == 1  # really in Redis again
    messages = [r.getMessage().split(" (")[0].split(" after")[0] for r in caplog.records]
    assert messages == ["The Redis cache is unreachable", "The Redis cache is back"]


def test_too_many_failed_writes_empty_the_cache_when_redis_is_back(redis_server, monkeypatch, db):
    monkeypatch.setattr(core.cache, "MAX_UNSYNCED_KEYS", 3)
    backend = FailSoftRedisCache(redis_server.url(1), {"OPTIONS": {**TIMEOUTS, "RETRY_AFTER": 0.05}})
    backend.set("old", "stale value")

    def split(*args, **kwargs):
        raise redis.exceptions.ConnectionError("network split")

    original = RedisCacheClient.set
    monkeypatch.setattr(RedisCacheClient, "set", split)
    for n in range(5):
        backend.set(f"key-{n}", n)  # more failed writes than can be remembered
    backend.set("old", "new value")
    monkeypatch.setattr(RedisCacheClient, "set", original)
    time.sleep(0.06)
    assert backend.get("old") is None  # emptied, not the stale value


def test_the_cache_keeps_one_redis_client_per_pool_and_it_survives_a_restart(redis_server):
    """core/cache.py reuses the `redis.Redis` object Django would make for every call: the same object serves
    reads and writes, and it reconnects by itself once a restarted Redis answers again."""
    with caches_on(redis_server):
        first = cache._cache.get_client("a")
        assert cache._cache.get_client("b", write=True) is first
        cache.set("kept", 1)
        redis_server.stop()
        assert cache.get("kept") is None
        redis_server.start()
        time.sleep(2.1)  # RETRY_AFTER
        cache.set("kept", 2)
        assert cache.get("kept") == 2 and cache._cache.get_client("c") is first
