"""Every POST is refused without a CSRF token, and no GET changes data: for every URL of the project.

The access matrix (tests/test_access_matrix.py) lists every URL with who may use it; these tests take each URL
as someone who may, so a refusal here is the CSRF check (or the method), never the permission check.
"""

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from core.models import AuditEvent
from tests.test_access_matrix import LOGIN, MATRIX, World

# Public, tokened one-click endpoints that mail programs POST to without a session or a CSRF token (RFC 8058).
CSRF_EXEMPT = {"meetings:unsubscribe": "one-click unsubscribe from an email's List-Unsubscribe-Post header"}
# The roles tried, most powerful in the set first: the first one the matrix lets in is used.
TRY_ROLES = ("facilitator", "admin", "member", "stranger", "nobody", "outsider")


def allowed_role(expected: dict) -> str | None:
    if expected["anonymous"] not in (LOGIN, 403, 404):
        return "anonymous"
    return next((role for role in TRY_ROLES if expected[role] in (200, 302)), None)


@pytest.fixture
def world(organisation, learning_set, admin, facilitator, member, stranger, outsider, other_set):
    return World(organisation, learning_set, admin, facilitator, member, stranger, outsider, other_set)


def snapshot() -> dict:
    """Every row of every table but the sessions (a GET may refresh its own session) and the audit log (reading
    some things, such as a data export, must leave a trace there)."""
    return {
        model._meta.label: sorted(map(repr, model._base_manager.values_list()))
        for model in apps.get_models()
        if model not in (Session, AuditEvent)
    }


NAMES = sorted(MATRIX)


@pytest.mark.parametrize("name", NAMES)
def test_a_post_without_a_csrf_token_is_refused_and_changes_nothing(world, name):
    method, kwargs, data, expected = MATRIX[name]
    role = allowed_role(expected)
    assert role is not None, f"{name}: nobody may use it?"
    client = Client(enforce_csrf_checks=True)
    if role != "anonymous":
        client.force_login(world.users[role])
    payload = data(world) if callable(data) else (data or {})
    before = snapshot()
    response = client.post(reverse(name, kwargs=kwargs(world)), payload)
    if name in CSRF_EXEMPT:
        return
    if response.status_code == 405:  # a GET-only view: nothing to forge
        assert method == "get", f"{name} is a POST in the matrix but refuses POST"
    else:
        assert response.status_code == 403, f"{name} as {role}: {response.status_code}"
        assert b"CSRF verification failed" in response.content
    assert snapshot() == before


@pytest.mark.parametrize("name", [n for n in NAMES if MATRIX[n][0] == "get"])
def test_a_get_changes_no_data(world, name):
    _method, kwargs, _data, expected = MATRIX[name]
    client = Client()
    for role in [r for r in ("anonymous", *TRY_ROLES) if expected[r] not in (LOGIN, 403, 404)]:
        if role != "anonymous":
            client.force_login(world.users[role])
        before = snapshot()
        response = client.get(reverse(name, kwargs=kwargs(world)))
        assert response.status_code < 500
        assert snapshot() == before, f"GET {name} as {role} changed data"


def test_the_check_itself_would_see_a_forged_post(world):
    """The same POST with the token goes through: the refusals above are the CSRF check, not something else."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["member"])
    client.get(reverse("meetings:detail", args=[world.meeting.pk]))  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(
        reverse("meetings:reply", args=[world.meeting.pk]), {"rsvp": "yes", "note": ""}, HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 302
    assert world.meeting.attendances.get(user=world.users["member"]).rsvp == "yes"
