"""In a real browser: an organisation admin opens the dashboard from the organisation page, then the
participation report, switches it to one set, and downloads the CSV. Screenshots (the report at 1280 px, the
one-set report at 375 px) go to $SCREENSHOT_DIR, or the test's tmp_path, for a person to look at."""

import csv
import os
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from reports.export import CSV_COLUMNS
from tests.browser.conftest import log_in
from tests.factories import PASSWORD
from tests.reports.test_views import grow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_admin_opens_the_dashboard_and_the_report_switches_set_and_downloads_the_csv(
    live_server, browser, organisation, admin, shots
):
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    grow(organisation, 2)  # "Grown 0" and "Grown 1": four people each, two held meetings in the last 90 days
    log_in(page, live_server, admin.email, PASSWORD)
    expect(page.get_by_role("link", name="My actions")).to_be_visible()  # logged in
    page.goto(live_server.url + reverse("sets:organisation", args=[organisation.slug]))
    page.get_by_role("button", name="Dashboard and reports").click()
    expect(page.get_by_role("heading", name="Organisation dashboard")).to_be_visible()
    expect(page.get_by_text("active sets (0 closed)")).to_be_visible()

    page.get_by_role("button", name="Participation report").click()
    expect(page.get_by_role("heading", name="Participation report")).to_be_visible()
    expect(page.get_by_text("The whole organisation")).to_be_visible()
    expect(page.get_by_role("img", name="Attendance, progress and action completion by month")).to_be_visible()
    # Three of four present at each meeting: 75% for the organisation.
    expect(page.get_by_text("attendance: 12 present, 0 apologies, 4 absent")).to_be_visible()
    page.screenshot(path=shots / "report-1280.png", full_page=True)

    page.get_by_label("Set", exact=True).select_option(label="Grown 1")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".lead")).to_contain_text("Grown 1")
    people = page.get_by_role("table", name="Figures by person and set")
    expect(people.get_by_role("row")).to_have_count(5)  # a header and four people
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path=shots / "report-set-375.png", full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith(f"participation-{organisation.slug}-")
    with open(download.path(), newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0] == [name for name, _help in CSV_COLUMNS]
    assert len(rows) == 5 and {row[0] for row in rows[1:]} == {"Grown 1"}
