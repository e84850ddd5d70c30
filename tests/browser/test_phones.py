"""At 375 px (a small phone) no page scrolls sideways: wide tables become one card per row, nothing hidden
escapes its box, and the report's charts keep legible labels (their figure scrolls in its own box instead, which
the keyboard reaches)."""

import pytest
from django.urls import reverse

from core import audit
from core.models import AuditEvent
from sets import invitations
from tests.browser.conftest import log_in
from tests.factories import PASSWORD
from tests.reports.test_views import grow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}
MIN_CHART_FONT_PX = 10


@pytest.fixture
def busy_organisation(organisation, admin, learning_set, facilitator, member):
    grow(organisation, 2)
    for n in range(3):
        invitations.invite(
            organisation=organisation,
            learning_set=learning_set,
            request=invitations.InvitationRequest(
                email=f"a.rather.long.address.number{n}@department.example.org", full_name="Zoë O'Brien & 王芳"
            ),
            by=admin,
        )
    audit.record(AuditEvent.Verb.ADDED_TO_SET, actor=admin, learning_set=learning_set, subject=member, role="member")
    return organisation


def phone_pages(organisation, learning_set) -> list[str]:
    slug = organisation.slug
    return [
        reverse("sets:home"),
        reverse("sets:organisation", args=[slug]),
        reverse("sets:people", args=[slug]),
        reverse("sets:audit-log", args=[slug]),
        reverse("sets:detail", args=[learning_set.pk]),
        reverse("reports:dashboard", args=[slug]),
        reverse("reports:report", args=[slug]),
        reverse("reports:report", args=[slug]) + f"?set={learning_set.pk}",
    ]


def test_no_page_scrolls_sideways_on_a_phone(live_server, browser, busy_organisation, admin, learning_set):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    log_in(page, live_server, admin.email, PASSWORD)
    page.wait_for_url(live_server.url + reverse("sets:home"))
    for path in phone_pages(busy_organisation, learning_set):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll_width <= inner_width, f"{path} is {scroll_width} px wide on a {inner_width} px screen"
        # Tables are not cut off at the right edge of a box that scrolls: every stacked table fits the screen.
        cut_off = page.evaluate(
            "Array.from(document.querySelectorAll('table.stack-on-phone'))"
            ".filter(t => t.getBoundingClientRect().right > window.innerWidth + 0.5).length"
        )
        assert cut_off == 0, f"{path}: {cut_off} tables run past the right edge"
        # A box that scrolls sideways is reached with the keyboard: focusable itself, or holding something that is.
        unreachable = page.evaluate(
            "Array.from(document.querySelectorAll('main *')).filter(e =>"
            " /auto|scroll/.test(getComputedStyle(e).overflowX) && e.scrollWidth > e.clientWidth"
            " && e.tabIndex < 0 && !e.querySelector('a[href], button, input, select, textarea, [tabindex]'))"
            ".map(e => e.outerHTML.slice(0, 80))"
        )
        assert unreachable == [], f"{path}: boxes that scroll but take no keyboard focus: {unreachable}"
        # Chart labels stay legible: the SVG's text, as drawn, is at least MIN_CHART_FONT_PX.
        smallest = page.evaluate(
            "Math.min(Infinity, ...Array.from(document.querySelectorAll('svg.chart text')).map(t => {"
            " const svg = t.ownerSVGElement;"
            " return parseFloat(getComputedStyle(t).fontSize) * svg.getBoundingClientRect().width"
            " / svg.viewBox.baseVal.width; }))"
        )
        assert smallest >= MIN_CHART_FONT_PX, f"{path}: chart labels drawn at {smallest:.1f} px"
    context.close()


def test_the_people_page_is_cards_on_a_phone_and_a_table_on_a_desk(live_server, browser, busy_organisation, admin):
    url = live_server.url + reverse("sets:people", args=[busy_organisation.slug])
    displays = {}
    for name, viewport in {"phone": PHONE, "desk": {"width": 1280, "height": 900}}.items():
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        log_in(page, live_server, admin.email, PASSWORD)
        page.wait_for_url(live_server.url + reverse("sets:home"))
        page.goto(url)
        displays[name] = page.evaluate("getComputedStyle(document.querySelector('#members ~ div tr')).display")
        context.close()
    assert displays == {"phone": "block", "desk": "table-row"}
