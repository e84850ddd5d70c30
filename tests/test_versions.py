"""Versioned caching (core/versions.py) and the set and organisation versions every change bumps (sets/versions.py,
meetings/versions.py, learning/versions.py): a cached fragment of a set's page is rebuilt after any change to it."""

from datetime import date, datetime
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation

from core import versions
from learning.models import JournalEntry, LibraryItem
from meetings import actions, live_version
from meetings.models import ActionUpdate, Attendance
from meetings.scheduling import MeetingDetails, schedule_meetings
from sets.models import OrganisationMembership
from sets.services import remove_from_organisation
from sets.versions import organisation_scope, set_scope
from tests.factories import ActionFactory, MeetingFactory, SetMembershipFactory


def test_cached_builds_once_per_version():
    built = []

    def build():
        built.append(1)
        return len(built)

    assert versions.cached("thing", ["set:1"], build) == 1
    assert versions.cached("thing", ["set:1"], build) == 1
    versions.bump("set:1")
    assert versions.cached("thing", ["set:1"], build) == 2
    assert versions.cached("thing", ["set:2"], build) == 3  # another scope, another value
    assert versions.cached("other", ["set:1"], build) == 4  # another name, another value


def test_a_lost_token_is_a_miss_never_a_stale_hit():
    versions.cached("thing", ["set:1"], lambda: "old")
    cache.delete("version:set:1")  # evicted, or Redis restarted empty
    assert versions.cached("thing", ["set:1"], lambda: "new") == "new"


def test_bump_again_after_commit(db, django_capture_on_commit_callbacks):
    """A reader between the write and the commit may cache old rows under the first new token: the second goes."""
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        versions.bump("set:1")
        during = versions.current("set:1")
    assert versions.current("set:1") != during


@pytest.fixture
def token():
    return lambda *scopes: versions.current(*scopes)


def test_set_changes_bump_the_set(learning_set, member, facilitator, token):
    scope = set_scope(learning_set.pk)
    seen = {token(scope)}

    def changed():
        now = token(scope)
        assert now not in seen
        seen.add(now)

    action = ActionFactory(learning_set=learning_set, owner=member)
    changed()
    actions.log_progress(action=action, by=member, status="in_progress", note="Spoke to finance")
    changed()
    actions.encourage(update=ActionUpdate.objects.get(action=action), by=facilitator, text="Well done")
    changed()
    meeting = MeetingFactory(learning_set=learning_set)
    changed()
    Attendance.objects.create(meeting=meeting, user=member)
    changed()
    live_version.room_changed(meeting.pk)  # an UPDATE, past the signals
    changed()
    member.full_name = "Milo Renamed"
    member.save()
    changed()
    SetMembershipFactory(learning_set=learning_set)
    changed()
    JournalEntry.objects.create(author=member, learning_set=learning_set, shared=True)
    changed()
    ActionUpdate.objects.filter(action=action).delete()
    changed()
    learning_set.name = "Renamed set"
    learning_set.save()
    changed()


def test_a_scheduled_series_bumps_the_set(learning_set, facilitator, token):
    """bulk_create sends no signal: the service bumps the set itself."""
    before = token(set_scope(learning_set.pk))
    details = MeetingDetails(local_start=datetime(date.today().year + 1, 3, 2, 9, 30), duration_minutes=120)
    schedule_meetings(learning_set=learning_set, by=facilitator, details=details)
    assert token(set_scope(learning_set.pk)) != before


def test_leaving_the_organisation_bumps_its_sets(organisation, learning_set, member, admin, token):
    before = token(set_scope(learning_set.pk), organisation_scope(organisation.pk))
    membership = OrganisationMembership.objects.get(user=member, organisation=organisation)
    remove_from_organisation(membership=membership, by=admin)
    after = token(set_scope(learning_set.pk), organisation_scope(organisation.pk))
    assert after[0] != before[0] and after[1] != before[1]


def test_the_library_bumps_the_organisation(organisation, member, token):
    before = token(organisation_scope(organisation.pk))
    LibraryItem.objects.create(organisation=organisation, author=member, title="What I learned", text="Listen")
    assert token(organisation_scope(organisation.pk)) != before


def test_for_viewer_names_the_person_language_and_zone(rf, member, facilitator):
    request = rf.get("/")
    request.user = member
    mine = versions.for_viewer(request, "board", 3)
    request.user = facilitator
    assert versions.for_viewer(request, "board", 3) != mine
    request.user = member
    with translation.override("de"):
        assert versions.for_viewer(request, "board", 3) != mine
    with timezone.override("Asia/Tokyo"):
        assert versions.for_viewer(request, "board", 3) != mine
    assert versions.for_viewer(request, "board", 3) == mine


def test_cached_values_are_sealed_in_the_cache(db):
    """What members bring shows in cached pages: the cache holds it encrypted, as the database does."""
    secret = "MARKER-CACHED-CONFIDENTIAL-7f3a"
    assert versions.cached("board", ["set:1"], lambda: f"<p>{secret}</p>") == f"<p>{secret}</p>"
    tokens, sealed = cache.get(versions.entry_key("board", ["set:1"]))
    assert tokens == versions.current("set:1")
    assert isinstance(sealed, bytes) and secret.encode() not in sealed
    assert versions.cached("board", ["set:1"], lambda: "rebuilt") == f"<p>{secret}</p>"  # a hit, opened


def test_a_value_no_key_opens_is_rebuilt(db, settings):
    versions.cached("board", ["set:1"], lambda: "under the old key")
    settings.SECRET_KEY = "another-secret-key-entirely-for-this-test"
    assert versions.cached("board", ["set:1"], lambda: "rebuilt") == "rebuilt"


def test_a_request_reads_each_token_once_and_sees_its_own_bumps():
    with versions.snapshot():
        first = versions.current("set:1", "set:2")
        with mock.patch.object(cache, "get_many", side_effect=AssertionError("read twice")):
            assert versions.current("set:2", "set:1") == (first[1], first[0])
        versions.bump("set:1")
        assert versions.current("set:1")[0] != first[0]
    versions.bump("set:2")  # outside a request: the next one reads the new token
    with versions.snapshot():
        assert versions.current("set:2")[0] != first[1]


def test_tokens_and_entry_come_back_in_one_round_trip():
    """A request's first read of a scope asks the cache once for its token and the entry together."""
    versions.cached("board", ["set:1", "set:2"], lambda: "built")
    with versions.snapshot(), mock.patch.object(cache, "get_many", wraps=cache.get_many) as get_many:
        assert versions.cached("board", ["set:1", "set:2"], lambda: "rebuilt") == "built"
        assert get_many.call_count == 1
        assert versions.cached("board", ["set:1", "set:2"], lambda: "rebuilt") == "built"  # tokens from the memo
        assert get_many.call_count == 2
        versions.bump("set:2")
        assert versions.cached("board", ["set:1", "set:2"], lambda: "rebuilt") == "rebuilt"


def test_an_entry_built_at_other_tokens_is_a_miss():
    """A slow builder that read the tokens before a bump may store its value after it: the entry names the old
    tokens, so the next read rebuilds instead of showing it."""
    stale_tokens = versions.current("set:1")
    versions.bump("set:1")
    cache.set(versions.entry_key("board", ["set:1"]), (stale_tokens, b"not even sealed"))
    assert versions.cached("board", ["set:1"], lambda: "fresh") == "fresh"
    assert versions.cached("board", ["set:1"], lambda: "again") == "fresh"


def test_prefetched_entries_cost_one_round_trip():
    versions.cached("viewer-set", ["user:1", "set:1"], lambda: "set")
    versions.cached("object", ["set:1"], lambda: "object")
    with versions.snapshot(), mock.patch.object(cache, "get_many", wraps=cache.get_many) as get_many:
        versions.prefetch(("viewer-set", ["user:1", "set:1"]), ("object", ["set:1"]))
        with mock.patch.object(cache, "get", side_effect=AssertionError("a second round trip")):
            assert versions.cached("viewer-set", ["user:1", "set:1"], lambda: "rebuilt") == "set"
            assert versions.cached("object", ["set:1"], lambda: "rebuilt") == "object"
        assert get_many.call_count == 1
        assert versions.cached("missing", ["set:1"], lambda: "built") == "built"  # not prefetched: read as ever


def test_an_expected_entry_rides_with_the_next_round_trip():
    """`expect(hint)`: the entry last cached under the hint comes with the request's next read (the permission
    check's); a guess that no longer holds is read again under its own name, never opened for another."""
    versions.cached("board|bucket=1", ["set:1"], lambda: "first", hint=("board", 1))
    with versions.snapshot(), mock.patch.object(cache, "get_many", wraps=cache.get_many) as get_many:
        versions.expect(("board", 1))
        versions.current("set:2")  # the permission check's round trip
        assert versions.cached("board|bucket=1", ["set:1"], lambda: "rebuilt", hint=("board", 1)) == "first"
        assert get_many.call_count == 1
    with versions.snapshot(), mock.patch.object(cache, "get_many", wraps=cache.get_many) as get_many:
        versions.expect(("board", 1))
        versions.current("set:2")
        # The minute moved on: another name, read (and built) on its own, and remembered for the next request.
        assert versions.cached("board|bucket=2", ["set:1"], lambda: "second", hint=("board", 1)) == "second"
        assert get_many.call_count == 2
    with versions.snapshot():
        versions.expect(("board", 1))
        versions.current("set:2")
        assert versions.cached("board|bucket=2", ["set:1"], lambda: "rebuilt", hint=("board", 1)) == "second"
