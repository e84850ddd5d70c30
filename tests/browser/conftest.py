import re

import pytest
from django.urls import reverse

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, never a downloaded browser; flags that keep it off the (closed) network."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}}


def label(text: str):
    """A field's label as Django renders it ("Email:") or allauth does ("Email")."""

    return re.compile(rf"^{re.escape(text)}:?$")


def log_in(page, live_server, email: str, password: str) -> None:

    page.goto(live_server.url + reverse("account_login"))
    page.get_by_label(label("Email")).fill(email)
    page.get_by_label(label("Password")).fill(password)
    page.get_by_role("button", name="Sign In", exact=True).click()


@pytest.fixture(autouse=True)
def _no_content_security_policy_violations(request, monkeypatch):
    """Every page of every browser test runs under the app's Content Security Policy: a blocked inline script or
    style (something our pages must never have) fails the test that loaded it."""
    if "browser" not in request.fixturenames and "page" not in request.fixturenames:
        yield
        return
    browser = request.getfixturevalue("browser")
    violations: list[str] = []

    def watch(target):
        target.on(
            "console",
            lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
        )
        return target

    new_context, new_page = browser.new_context, browser.new_page
    monkeypatch.setattr(browser, "new_context", lambda *a, **k: watch(new_context(*a, **k)))
    monkeypatch.setattr(browser, "new_page", lambda *a, **k: watch(new_page(*a, **k)))
    yield
    assert violations == []
