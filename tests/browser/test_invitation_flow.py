"""The whole invitation walk in a real browser: an admin invites, the new member signs up and sees the set."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import User
from sets.models import SetMembership
from tests.browser.conftest import label, log_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_invites_member_who_signs_up_and_sees_the_set(live_server, browser, admin, learning_set, settings):
    settings.SITE_URL = live_server.url
    admin_page = browser.new_page()
    log_in(admin_page, live_server, admin.email, PASSWORD)
    expect(admin_page.get_by_role("heading", name="My sets")).to_be_visible()

    admin_page.goto(live_server.url + reverse("sets:detail", args=[learning_set.pk]))
    admin_page.get_by_role("button", name="Invite people").first.click()
    admin_page.get_by_label(label("Email")).fill("newcomer@example.org")
    admin_page.get_by_label(label("Name")).fill("Nia Newcomer")
    admin_page.get_by_role("button", name="Send the invitation", exact=True).click()
    expect(admin_page.get_by_text("Invitation sent to newcomer@example.org.")).to_be_visible()

    assert [message.to for message in mail.outbox] == [["newcomer@example.org"]]
    link = re.search(r"https?://\S+/invitations/\S+/", mail.outbox[0].body).group(0)

    member_context = browser.new_context(timezone_id="America/New_York")
    member = member_context.new_page()
    member.goto(link)
    expect(
        member.get_by_role("heading", name=f"Join {learning_set.name} at {learning_set.organisation.name}")
    ).to_be_visible()
    member.get_by_role("button", name="Create my account").click()
    expect(member.get_by_label(label("Email"))).to_have_value("newcomer@example.org")
    # The name the admin typed and the browser's time zone are filled in, both changeable.
    expect(member.get_by_label(label("Full name"))).to_have_value("Nia Newcomer")
    expect(member.get_by_label(label("Time zone"))).to_have_value("America/New_York")
    member.get_by_label(label("Password")).fill("a-long-new-password-42")
    member.get_by_label(label("Password (again)")).fill("a-long-new-password-42")
    member.get_by_role("button", name="Sign Up", exact=True).click()

    # The link proved the address: no verification email, straight back to the invitation.
    member.get_by_role("button", name="Accept and join").click()
    expect(member.get_by_role("heading", name=learning_set.name)).to_be_visible()
    expect(member.get_by_text("Please read the set's contract and agree to it.")).to_be_visible()
    assert SetMembership.objects.get(learning_set=learning_set, user__email="newcomer@example.org").role == "member"
    assert User.objects.get(email="newcomer@example.org").full_name == "Nia Newcomer"
    assert User.objects.get(email="newcomer@example.org").timezone == "America/New_York"

    # Logging out and in again, the set is on their home page.
    member.goto(live_server.url + reverse("account_logout"))
    member.get_by_role("button", name="Sign Out").click()
    log_in(member, live_server, "newcomer@example.org", "a-long-new-password-42")
    expect(member.get_by_role("link", name=learning_set.name)).to_be_visible()
    member.get_by_role("link", name=learning_set.name).click()
    expect(member.get_by_role("heading", name=learning_set.name)).to_be_visible()
    member.get_by_role("button", name="I agree to the contract").click()
    expect(member.get_by_text("you have agreed to the set's contract")).to_be_visible()
    member_context.close()
