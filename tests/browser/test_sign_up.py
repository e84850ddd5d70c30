"""The sign-up form proposes the browser's own time zone (static/js/timezone.js), visible and changeable."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import User
from tests.browser.conftest import label

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("zone", ["Asia/Singapore", "Europe/London"])
def test_the_sign_up_form_proposes_the_browsers_zone(live_server, browser, zone):
    context = browser.new_context(timezone_id=zone)
    page = context.new_page()
    page.goto(live_server.url + reverse("account_signup"))
    expect(page.get_by_label(label("Time zone"))).to_have_value(zone)
    context.close()


def test_a_proposed_zone_can_be_changed_before_signing_up(live_server, browser):
    context = browser.new_context(timezone_id="Asia/Singapore")
    page = context.new_page()
    page.goto(live_server.url + reverse("account_signup"))
    page.get_by_label(label("Email")).fill("zoe@example.org")
    page.get_by_label(label("Full name")).fill("Zoë O'Brien")
    page.get_by_label(label("Time zone")).select_option("Asia/Tokyo")
    page.get_by_label(label("Password"), exact=True).fill("a-long-new-password-42")
    page.get_by_label(label("Password (again)")).fill("a-long-new-password-42")
    page.get_by_role("button", name="Sign Up", exact=True).click()
    expect(page.get_by_role("heading", name="Verify Your Email Address")).to_be_visible()
    assert User.objects.get(email="zoe@example.org").timezone == "Asia/Tokyo"
    context.close()
