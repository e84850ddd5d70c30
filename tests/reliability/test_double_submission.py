"""The same form submitted twice gives one record, or a clear refusal.

Each test loads the page the way a browser does, takes the form as rendered (with its one-time `form_token`
where the form creates something new: core/form_tokens.py), and posts exactly the same thing twice, as a double
click or a browser resending does. The forms whose record is naturally unique (a reply, a check-in, a rating, a
presenter's slot, a membership, a pending invitation) say so or keep one row without a token."""

import re
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from core import form_tokens
from core.errors import ServiceError
from core.models import FormTokenClaim
from learning.models import JournalEntry, LibraryItem
from meetings import flow, live
from meetings.models import (
    Action,
    ActionUpdate,
    AirtimeSlot,
    Attendance,
    Encouragement,
    Issue,
    Meeting,
    ProcessRating,
    Question,
    Reflection,
)
from sets.models import Invitation, LearningSet, Organisation, SetMembership
from tests.factories import ActionFactory, MeetingFactory
from tests.reliability.test_redis_outage import caches_on
from tests.sets.test_views import form_data

ALREADY_SAVED = "Already saved: the form was sent twice, and saved once."
TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def page(response) -> str:
    return response.content.decode()


def token_in(html: str, marker: str = "") -> str:
    """The one-time token of the form that contains `marker` (the first form with a token if no marker)."""
    for form in re.findall(r"<form\b.*?</form>", html, re.DOTALL):
        if marker in form and TOKEN.search(form):
            return TOKEN.search(form).group(1)
    raise AssertionError(f"no form with a token and {marker!r} on the page")


def twice(client, url, data, **extra):
    return client.post(url, data, **extra), client.post(url, data, **extra)


def messages_of(client, response) -> str:
    return page(client.get(response["Location"])) if response.status_code == 302 else page(response)


# Forms that create a new record each time: one-time tokens.


def test_scheduling_a_meeting_twice_schedules_one(client, learning_set, facilitator):
    client.force_login(facilitator)
    url = reverse("meetings:schedule", args=[learning_set.pk])
    form_page = client.get(url)
    day = (timezone.localdate() + timedelta(days=10)).isoformat()
    data = form_data(form_page) | {"date": day, "form_token": token_in(page(form_page))}
    first, second = twice(client, url, data)
    assert Meeting.objects.filter(learning_set=learning_set).count() == 1
    assert first["Location"] == second["Location"] == reverse("meetings:set-meetings", args=[learning_set.pk])
    assert ALREADY_SAVED in messages_of(client, second)


def test_scheduling_again_from_a_fresh_form_is_a_second_meeting(client, learning_set, facilitator):
    """The token stops the *same* form twice, not a facilitator who means to schedule another meeting."""
    client.force_login(facilitator)
    url = reverse("meetings:schedule", args=[learning_set.pk])
    for days in (10, 17):
        form_page = client.get(url)
        day = (timezone.localdate() + timedelta(days=days)).isoformat()
        client.post(url, form_data(form_page) | {"date": day, "form_token": token_in(page(form_page))})
    assert Meeting.objects.filter(learning_set=learning_set).count() == 2


def test_a_refused_form_can_be_corrected_and_sent_with_the_same_token(client, learning_set, facilitator):
    """A service that fails releases the token: the form shown again (same token, as a browser keeps the field
    when only the error changes) saves once it is right."""
    client.force_login(facilitator)
    meeting = MeetingFactory(learning_set=learning_set, starts_at=timezone.now() + timedelta(minutes=5))
    live.add_slot(meeting=meeting, presenter=facilitator, by=facilitator)
    live.control_meeting(meeting_id=meeting.pk, by=facilitator, control="start", version=0)
    live.control_meeting(meeting_id=meeting.pk, by=facilitator, control="next", version=1)
    live.control_meeting(meeting_id=meeting.pk, by=facilitator, control="next", version=2)
    url = reverse("meetings:live-record", args=[meeting.pk])
    token = token_in(page(client.get(reverse("meetings:live", args=[meeting.pk]))), 'value="question"')
    slot = meeting.slots.get()
    refused = client.post(url, {"kind": "question", "slot": slot.pk, "text": "  ", "form_token": token})
    assert "Write the question." in messages_of(client, refused)
    client.post(url, {"kind": "question", "slot": slot.pk, "text": "What have you tried?", "form_token": token})
    assert list(Question.objects.values_list("text", flat=True)) == ["What have you tried?"]


def test_creating_an_organisation_twice_creates_one(client, member):
    client.force_login(member)
    url = reverse("sets:organisation-create")
    token = token_in(page(client.get(url)))
    first, second = twice(client, url, {"name": "Riverside Trust", "timezone": "Europe/London", "form_token": token})
    assert Organisation.objects.filter(name="Riverside Trust").count() == 1
    assert first.status_code == second.status_code == 302
    assert ALREADY_SAVED in messages_of(client, second)


def test_creating_a_set_twice_creates_one(client, organisation, admin):
    client.force_login(admin)
    url = reverse("sets:create", args=[organisation.slug])
    form_page = client.get(url)
    data = form_data(form_page) | {
        "name": "Pilots",
        "purpose": "New pilots' set",
        "form_token": token_in(page(form_page)),
    }
    first, second = twice(client, url, data)
    assert LearningSet.objects.filter(organisation=organisation, name="Pilots").count() == 1
    assert first.status_code == second.status_code == 302
    assert ALREADY_SAVED in messages_of(client, second)


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_logging_progress_twice_logs_it_once(client, learning_set, member, htmx):
    action = ActionFactory(learning_set=learning_set, owner=member, text="Ask the night shift")
    client.force_login(member)
    html = page(client.get(reverse("meetings:my-actions") if htmx else reverse("meetings:action", args=[action.pk])))
    data = {"status": "in_progress", "note": "Asked two of them", "form_token": token_in(html, "update-form")}
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    first, second = twice(client, reverse("meetings:action-update", args=[action.pk]), data, **extra)
    assert ActionUpdate.objects.filter(action=action).count() == 1
    if htmx:  # the row swapped in by the second answer shows the saved state, not an error
        assert first.status_code == second.status_code == 200
        assert "Progress saved." in page(second)
        assert 'role="alert"' not in page(second)
        assert token_in(page(second)) != data["form_token"]  # the swapped-in row's form is a new one
    else:
        assert ALREADY_SAVED in messages_of(client, second)


@pytest.fixture
def running(learning_set, facilitator, member):
    """A live meeting with the member presenting."""
    meeting = MeetingFactory(learning_set=learning_set, starts_at=timezone.now() + timedelta(minutes=5))
    live.add_slot(meeting=meeting, presenter=member, by=facilitator, issue_title="Handing over between shifts")
    live.control_meeting(meeting_id=meeting.pk, by=facilitator, control="start", version=0)
    return meeting


def go_to(meeting, by, phase):
    """Advance the meeting to the first step of `phase`."""

    meeting.refresh_from_db()
    while flow.current(live.state_of(meeting), live.plan_for(meeting)).phase != phase:
        live.control_meeting(meeting_id=meeting.pk, by=by, control="next", version=meeting.version)
        meeting.refresh_from_db()


def post_live_twice(client, meeting, kind, data, *, token=True):
    html = page(client.get(reverse("meetings:live", args=[meeting.pk])))
    data = {"kind": kind, **data}
    if token:
        data["form_token"] = token_in(html, f'name="kind" value="{kind}"')
    return twice(client, reverse("meetings:live-record", args=[meeting.pk]), data)


def test_capturing_a_question_twice_captures_one(client, running, facilitator, stranger, learning_set):
    go_to(running, facilitator, "questioning")
    client.force_login(facilitator)
    slot = running.slots.get()
    _first, second = post_live_twice(client, running, "question", {"slot": slot.pk, "text": "What have you tried?"})
    assert Question.objects.filter(slot=slot).count() == 1
    assert ALREADY_SAVED in messages_of(client, second)


def test_committing_an_action_twice_commits_one(client, running, facilitator, member):
    go_to(running, facilitator, "commitments")
    client.force_login(member)
    slot = running.slots.get()
    data = {"slot": slot.pk, "text": "Ask the night shift", "due_on": ""}
    _first, second = post_live_twice(client, running, "action", data)
    assert Action.objects.filter(meeting=running).count() == 1
    assert ALREADY_SAVED in messages_of(client, second)


def test_writing_a_reflection_twice_keeps_one(client, running, facilitator, member):
    go_to(running, facilitator, "reflection")
    client.force_login(member)
    data = {"about_situation": "", "about_self": "I rush to solutions", "about_relating": ""}
    _first, second = post_live_twice(client, running, "reflection", data)
    assert Reflection.objects.filter(meeting=running, author=member).count() == 1
    assert ALREADY_SAVED in messages_of(client, second)


def test_bidding_twice_with_an_issue_keeps_one_slot_and_one_issue(client, learning_set, facilitator, member):
    LearningSet.objects.filter(pk=learning_set.pk).update(airtime_mode="bidding")
    meeting = MeetingFactory(learning_set=learning_set, starts_at=timezone.now() + timedelta(days=2))
    client.force_login(member)
    _first, second = post_live_twice(client, meeting, "bid", {"minutes": "40", "issue_title": "Rota gaps"})
    assert AirtimeSlot.objects.filter(meeting=meeting, presenter=member).count() == 1
    assert Issue.objects.filter(owner=member, title="Rota gaps").count() == 1
    assert ALREADY_SAVED in messages_of(client, second)


# Forms whose record is unique by nature: the second submission changes nothing or is refused clearly.


def test_replying_twice_keeps_one_reply(client, learning_set, member):
    meeting = MeetingFactory(learning_set=learning_set)
    client.force_login(member)
    twice(client, reverse("meetings:reply", args=[meeting.pk]), {"rsvp": "yes", "note": "Will be late"})
    assert list(Attendance.objects.filter(meeting=meeting).values_list("user", "rsvp", "note")) == [
        (member.pk, "yes", "Will be late")
    ]


def test_checking_in_twice_keeps_one_check_in(client, running, member):
    client.force_login(member)
    post_live_twice(client, running, "checkin", {"note": "Tired but here"}, token=False)
    assert list(Attendance.objects.filter(meeting=running).values_list("user", "checkin_note")) == [
        (member.pk, "Tired but here")
    ]


def test_rating_twice_keeps_one_rating(client, running, facilitator, member):
    go_to(running, facilitator, "reflection")
    client.force_login(member)
    data = {"rating": "8", "went_well": "Good questions", "do_better": ""}
    post_live_twice(client, running, "rating", data, token=False)
    assert list(ProcessRating.objects.filter(meeting=running).values_list("author", "rating")) == [(member.pk, 8)]


def test_adding_a_presenter_twice_is_refused_clearly(client, learning_set, facilitator, member):
    meeting = MeetingFactory(learning_set=learning_set)
    client.force_login(facilitator)
    data = {"action": "add", "presenter": member.pk, "issue_title": "Rota gaps"}
    _first, second = twice(client, reverse("meetings:agenda", args=[meeting.pk]), data)
    assert AirtimeSlot.objects.filter(meeting=meeting).count() == 1
    assert Issue.objects.filter(title="Rota gaps").count() == 1
    assert "Milo Member already has a slot." in messages_of(client, second)


def test_inviting_the_same_person_twice_is_refused_clearly(client, organisation, learning_set, admin):
    client.force_login(admin)
    url = reverse("sets:invite", args=[organisation.slug])
    data = {"one-email": "new.person@example.org", "one-full_name": "New Person", "one-role": "member"}
    data["one-learning_set"] = learning_set.pk
    _first, second = twice(client, url, data)
    assert Invitation.objects.filter(email="new.person@example.org").count() == 1
    assert "new.person@example.org already has a pending invitation; resend it instead." in page(second)


def test_bulk_inviting_twice_invites_each_person_once(client, organisation, learning_set, admin):
    client.force_login(admin)
    url = reverse("sets:invite", args=[organisation.slug])
    data = {"many-lines": "ann@example.org, Ann\nbob@example.org, Bob", "many-learning_set": learning_set.pk}
    _first, second = twice(client, url, data)
    assert sorted(Invitation.objects.values_list("email", flat=True)) == ["ann@example.org", "bob@example.org"]
    assert page(second).count("already has a pending invitation") == 2


def test_adding_someone_to_a_set_twice_keeps_one_membership(client, learning_set, admin, stranger):
    client.force_login(admin)
    url = reverse("sets:add-member", args=[learning_set.pk])
    twice(client, url, {"user": stranger.pk, "role": "member"})
    assert SetMembership.objects.filter(learning_set=learning_set, user=stranger).count() == 1


# The claim itself: one winner when both submissions arrive at once.


@pytest.mark.django_db(transaction=True)
def test_two_submissions_at_the_same_moment_claim_the_token_once(member):
    """Claims are rows (core/form_tokens.py): each thread is a request with its own database connection, so the
    test commits for real (transaction=True) and every thread closes its connection."""
    token = form_tokens.new_token()
    barrier = threading.Barrier(8)
    results = []

    def submit():
        barrier.wait()
        try:
            results.append(form_tokens.claim(token, user=member))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]


def test_tokens_are_per_person_and_odd_tokens_are_ignored(member, facilitator):
    token = form_tokens.new_token()
    assert form_tokens.claim(token, user=member) is True
    assert form_tokens.claim(token, user=facilitator) is True  # someone else's form
    assert form_tokens.claim(token, user=member) is False
    for odd in ("", "short", "x" * 500, "<script>", "a b c d e f g h i j k"):
        assert form_tokens.claim(odd, user=member) is True  # no protection, and no cache key made from it
        assert form_tokens.claim(odd, user=member) is True


# The create forms of the between-meetings pages and the journal.


def test_adding_an_own_action_twice_adds_one(client, learning_set, member):
    client.force_login(member)
    html = page(client.get(reverse("meetings:action-new")))
    data = {"learning_set": learning_set.pk, "text": "Call the rota team", "due_on": "", "form_token": token_in(html)}
    _first, second = twice(client, reverse("meetings:action-new"), data)
    assert Action.objects.filter(owner=member).count() == 1
    assert ALREADY_SAVED in messages_of(client, second)


def test_a_word_of_support_sent_twice_is_left_once(client, learning_set, member, facilitator):
    action = ActionFactory(learning_set=learning_set, owner=member, text="Ask the night shift")
    update = ActionUpdate.objects.create(action=action, author=member, note="Asked two")
    client.force_login(facilitator)
    html = page(client.get(reverse("meetings:action", args=[action.pk])))
    data = {"text": "Well done", "form_token": token_in(html, "Word of support")}
    _first, second = twice(client, reverse("meetings:encourage", args=[update.pk]), data, HTTP_HX_REQUEST="true")
    assert Encouragement.objects.filter(update=update).count() == 1
    assert second.status_code == 200 and 'role="alert"' not in page(second)


def test_writing_a_journal_entry_twice_writes_one(client, member):
    client.force_login(member)
    html = page(client.get(reverse("learning:entry-new")))
    data = {"title": "Listening", "body": "I asked first", "form_token": token_in(html)}
    _first, second = twice(client, reverse("learning:entry-new"), data)
    assert JournalEntry.objects.filter(author=member).count() == 1
    assert ALREADY_SAVED in messages_of(client, second)


def test_confirming_a_library_publication_twice_publishes_one(client, member, learning_set):
    """The preview's Publish button sent twice (a double click, or Back and Publish again): one library item."""
    entry = JournalEntry.objects.create(author=member, learning_set=learning_set, body="I asked first")
    client.force_login(member)
    url = reverse("learning:entry-publish", args=[entry.pk])
    preview = page(
        client.post(url, {"title": "Listen first", "text": "Ask before you tell.", "anonymous": "0", "step": "preview"})
    )
    signed = re.search(r'name="token" value="([^"]+)"', preview).group(1)
    data = {"step": "confirm", "token": signed, "form_token": token_in(preview, 'value="confirm"')}
    first, second = twice(client, url, data)
    assert LibraryItem.objects.filter(author=member).count() == 1
    assert first["Location"] == reverse("learning:library-item", args=[LibraryItem.objects.get().pk])
    assert second["Location"] == reverse("learning:entry", args=[entry.pk])
    assert ALREADY_SAVED in messages_of(client, second)


# Claims live in the database: a Redis outage or restart changes nothing (tests/reliability/servers.py).


def test_a_form_sent_twice_while_redis_is_down_saves_once(client, redis_server, member):
    """The cache grants every `add` while Redis is down (core/cache.py); claims in the cache used to fail open."""
    with caches_on(redis_server):
        client.force_login(member)
        html = page(client.get(reverse("learning:entry-new")))
        redis_server.stop()
        data = {"title": "Listening", "body": "I asked first", "form_token": token_in(html)}
        _first, second = twice(client, reverse("learning:entry-new"), data)
        assert JournalEntry.objects.filter(author=member).count() == 1
        assert ALREADY_SAVED in messages_of(client, second)


def test_a_form_sent_again_after_redis_restarts_empty_saves_once(client, redis_server, member):
    with caches_on(redis_server):
        client.force_login(member)
        html = page(client.get(reverse("learning:entry-new")))
        data = {"title": "Listening", "body": "I asked first", "form_token": token_in(html)}
        client.post(reverse("learning:entry-new"), data)
        redis_server.stop()
        redis_server.start()  # the same port, empty: whatever the cache held is forgotten
        second = client.post(reverse("learning:entry-new"), data)
        assert JournalEntry.objects.filter(author=member).count() == 1
        assert ALREADY_SAVED in messages_of(client, second)


def test_claims_older_than_a_day_are_swept(member):
    token = form_tokens.new_token()
    assert form_tokens.claim(token, user=member) is True
    stored = FormTokenClaim.objects.get()
    assert token not in stored.token_hash  # a hash, never the token
    assert form_tokens.sweep(now=stored.claimed_at + timedelta(hours=23)) == 0
    assert form_tokens.claim(token, user=member) is False
    assert form_tokens.sweep(now=stored.claimed_at + timedelta(hours=25)) == 1
    assert form_tokens.claim(token, user=member) is True


def test_a_service_that_fails_leaves_no_claim(member):
    calls = []

    @form_tokens.once_per_form_token
    def create(*, by, fail):
        calls.append(fail)
        if fail:
            raise ServiceError("Write something.")
        return "saved"

    token = form_tokens.new_token()
    with pytest.raises(ServiceError):
        create(by=member, fail=True, form_token=token)
    assert not FormTokenClaim.objects.exists()
    assert create(by=member, fail=False, form_token=token) == "saved"
    with pytest.raises(form_tokens.DuplicateSubmission):
        create(by=member, fail=False, form_token=token)
    assert calls == [True, False]
