import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
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


def database_url(settings_dict: dict) -> str:
    """DATABASE_URL naming the database these settings point at (the test database, once it exists)."""
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    credentials = quote(settings_dict["USER"] or "") + (
        f":{quote(settings_dict['PASSWORD'])}" if settings_dict["PASSWORD"] else ""
    )
    return f"postgres://{credentials}@{settings_dict['HOST']}:{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"


@pytest.fixture
def asgi_live_server(transactional_db):
    """The app under daphne, as deployed (ASGI: pages and the live room's websockets), in a process of its own on
    the test database (pytest-django's `live_server` is WSGI and cannot hold a websocket). The channel layer is
    Redis when REDIS_URL is set, otherwise memory in that process, which is where every push of the test comes
    from (the pages' POSTs)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "actionlearning.settings_test",
        "DATABASE_URL": database_url(connection.settings_dict),
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "actionlearning.asgi:application"],
        cwd=settings.BASE_DIR,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(url + "/healthz/live", timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("daphne did not start") from None
                time.sleep(0.2)
        yield SimpleNamespace(url=url)
    finally:
        server.terminate()
        server.wait(timeout=10)
