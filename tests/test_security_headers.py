"""Headers and settings: the Content Security Policy, framing, referrer, cookies, and Django's deploy checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from csp.decorators import csp_exempt, csp_update
from django.http import HttpResponse
from django.urls import reverse

from core.middleware import StaticPolicyCSPMiddleware
from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parent.parent


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


@pytest.mark.parametrize("name", ["sets:home", "meetings:my-actions", "account_login"])
def test_pages_carry_a_strict_content_security_policy(client, member, name):
    if name != "account_login":
        client.force_login(member)
    response = client.get(reverse(name))
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval', no other host
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_pages_have_no_inline_script_or_style(client, member, learning_set):
    """What the policy would block in a browser, caught here too: only <script src>, no style attributes."""
    client.force_login(member)
    for url in (reverse("sets:home"), reverse("sets:detail", args=[learning_set.pk]), reverse("accounts:profile")):
        content = client.get(url).content.decode()
        assert "<script>" not in content and "<script " not in content.replace("<script src=", "")
        assert " style=" not in content
        assert " on" + "click=" not in content


def test_the_session_cookie_is_http_only_and_secure_in_production(client, member, settings):
    settings.SESSION_COOKIE_SECURE = True
    response = client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert (cookie["httponly"], cookie["secure"], cookie["samesite"]) == (True, True, "Lax")


def test_hsts_is_sent_over_https_in_production_settings(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    response = client.get(reverse("healthz-live"), secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_manage_py_check_deploy_is_clean_with_a_production_environment():
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SECURE_", "SESSION_", "CSRF_", "DJANGO_"))
    }
    env |= {
        "DEBUG": "false",
        "ALLOWED_HOSTS": "actionlearning.example.org",
        "SITE_URL": "https://actionlearning.example.org",
        "SECRET_KEY": "a-long-random-production-key-" + "x7Qp2" * 10,
        "DJANGO_SETTINGS_MODULE": "actionlearning.settings",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_policy_built_once_still_honours_a_views_own_policy(rf):
    """core.middleware.StaticPolicyCSPMiddleware reuses one header, except for a response that carries its own
    (django-csp's decorators) or an exemption."""

    def plain(request):
        return HttpResponse("ok")

    for view, check in (
        (plain, lambda header: directives(header)["img-src"] == ["'self'", "data:"]),
        (csp_update({"img-src": "https://img.example.org"})(plain), lambda h: "https://img.example.org" in h),
    ):
        middleware = StaticPolicyCSPMiddleware(view)
        for _ in range(2):
            assert check(middleware(rf.get("/"))["Content-Security-Policy"])
    assert "Content-Security-Policy" not in StaticPolicyCSPMiddleware(csp_exempt()(plain))(rf.get("/"))
