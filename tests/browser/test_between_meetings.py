"""Between meetings in two browsers: a member logs progress from the home page without a reload; a set-mate
leaves a word of support on the board and sees it there; the member sees it on the action's timeline; the member
writes a journal entry and shares it with the set, and the set-mate finds it on their home and reads it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from meetings.models import ActionUpdate, Attendance, Encouragement
from tests.browser.conftest import label, log_in
from tests.factories import PASSWORD, ActionFactory, MeetingFactory, SetMembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_progress_from_home_and_support_from_the_board(live_server, browser, learning_set, facilitator, member):
    mate = SetMembershipFactory(learning_set=learning_set, user__full_name="Mia Mate").user
    MeetingFactory(learning_set=learning_set, starts_at=timezone.now() - timedelta(days=7), status="ended")
    meeting = MeetingFactory(learning_set=learning_set, starts_at=timezone.now() + timedelta(days=7))
    action = ActionFactory(
        owner=member,
        learning_set=learning_set,
        text="Talk to the night team about handovers",
        due_on=timezone.localdate() + timedelta(days=7),
    )

    # The member, on their phone: home page, reply to the next meeting and log progress, all in place.
    member_context = browser.new_context(viewport={"width": 375, "height": 800})
    home = member_context.new_page()
    log_in(home, live_server, member.email, PASSWORD)
    home.goto(live_server.url + reverse("sets:home"))
    home_url = home.url
    next_meeting = home.locator(f"#next-meeting-{meeting.pk}")
    # The server wrote "in 6 days, 23 hours"; the page's countdown keeps it current in the browser.
    expect(next_meeting.locator(".countdown")).to_have_text("in 7 days")
    next_meeting.get_by_role("button", name="I'll be there").click()
    expect(next_meeting.get_by_text("Thank you: your reply is saved.")).to_be_visible()
    expect(home.locator(f"#next-meeting-{meeting.pk}")).to_contain_text("You'll be there")
    row = home.locator(".action-row", has_text="Talk to the night team about handovers")
    row.get_by_text("Log progress…").click()
    row.get_by_label("Progress", exact=True).fill("Met two of the shift leads on Tuesday")
    row.get_by_role("button", name="Log progress").click()
    expect(home.get_by_text("Progress saved.")).to_be_visible()
    expect(home.locator(".action-row").first).to_contain_text("last update")
    assert home.url == home_url  # never reloaded
    home.screenshot(path="test-results/between-home-375.png", full_page=True)
    assert Attendance.objects.get(meeting=meeting, user=member).rsvp == "yes"
    update = ActionUpdate.objects.get(action=action)
    assert update.note == "Met two of the shift leads on Tuesday"

    # A set-mate opens the board, sees the update, and leaves a word of support in place.
    board = browser.new_page()
    log_in(board, live_server, mate.email, PASSWORD)
    board.goto(live_server.url + reverse("sets:detail", args=[learning_set.pk]))
    board.get_by_role("button", name="Set board").click()
    card = board.locator(f"#person-{member.pk}")
    expect(card).to_contain_text("Met two of the shift leads on Tuesday")
    board_url = board.url
    card.get_by_text("Leave a word of support").click()
    card.get_by_label("Word of support").fill("Great start, keep going!")
    card.get_by_role("button", name="Send").click()
    expect(card.locator(".support-list")).to_contain_text("Great start, keep going!")
    expect(card.get_by_text("Your word of support is there for them to see.")).to_be_visible()
    assert board.url == board_url
    board.screenshot(path="test-results/between-board-1280.png", full_page=True)
    assert Encouragement.objects.get().author == mate

    # The member sees it on the action's timeline.
    home.goto(live_server.url + reverse("meetings:action", args=[action.pk]))
    expect(home.locator(".timeline")).to_contain_text("Great start, keep going! — Mia Mate")

    # The member writes in their journal and shares the entry with the set; the set-mate finds it on their home.
    home.goto(live_server.url + reverse("learning:entry-new"))
    home.get_by_label(label("Title")).fill("What the night team taught me")
    home.get_by_label(label("About myself")).fill("I listen better when I ask first.")
    home.get_by_label(label("Set")).select_option(label=learning_set.name)
    home.get_by_role("button", name="Save entry").click()
    home.get_by_role("button", name=f"Share with {learning_set.name}").click()
    expect(home.get_by_text("Shared with the set on")).to_be_visible()
    board.goto(live_server.url + reverse("sets:home"))
    news = board.locator(".shared-list li", has_text="shared a journal entry")
    expect(news).to_contain_text("Milo Member")
    news.get_by_role("link", name="read it").click()
    expect(board.get_by_text("I listen better when I ask first.")).to_be_visible()
    member_context.close()
