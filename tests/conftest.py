import os

import pytest

# Playwright runs an event loop in the test thread; Django's ORM is still used synchronously there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from channels.layers import channel_layers
from django.core.cache import cache
from django.db import connection

from core import apps as core_apps
from meetings import queries as meetings_queries
from sets import permissions
from sets.models import OrganisationMembership, SetMembership
from tests.factories import (
    LearningSetFactory,
    OrganisationFactory,
    OrganisationMembershipFactory,
    SetMembershipFactory,
)


@pytest.fixture(autouse=True)
def _clear_cache():
    """allauth's rate-limit counters live in the cache (Redis in CI): start every test from zero. So does the
    process's memory of which set an object is in and whose a feed token is: a test database may give a rolled-back
    row's id again, and tests share tokens."""

    cache.clear()
    permissions.sets_of_objects.clear()
    meetings_queries.feed_owners.clear()
    yield


@pytest.fixture(autouse=True)
def _process_started_long_ago(monkeypatch):
    """/healthz says "starting" in a process's first minutes (core/heartbeat.py): tests see a process that has
    been up for a day, whatever the clock of the test run, unless they move `core.apps.STARTED_AT` themselves."""
    monkeypatch.setattr(core_apps, "STARTED_AT", core_apps.STARTED_AT - 86400)


@pytest.fixture
def organisation(db):
    return OrganisationFactory(name="Northwind Health", slug="northwind")


@pytest.fixture
def learning_set(organisation):
    return LearningSetFactory(organisation=organisation, name="Leaders' set")


@pytest.fixture
def admin(organisation):
    """The organisation's admin; not in any set."""
    return OrganisationMembershipFactory(
        organisation=organisation, role=OrganisationMembership.Role.ADMIN, user__full_name="Ada Admin"
    ).user


@pytest.fixture
def facilitator(learning_set):
    return SetMembershipFactory(
        learning_set=learning_set, role=SetMembership.Role.FACILITATOR, user__full_name="Fay Facilitator"
    ).user


@pytest.fixture
def member(learning_set):
    return SetMembershipFactory(learning_set=learning_set, user__full_name="Milo Member").user


@pytest.fixture
def stranger(organisation):
    """In the same organisation, but not in the set."""
    return OrganisationMembershipFactory(organisation=organisation, user__full_name="Sam Stranger").user


@pytest.fixture
def other_organisation(db):
    return OrganisationFactory(name="Contoso", slug="contoso")


@pytest.fixture
def other_set(other_organisation):
    return LearningSetFactory(organisation=other_organisation, name="Contoso set", purpose="OTHER-ORG-SECRET")


@pytest.fixture
def outsider(other_set):
    """Admin of another organisation and member of its set: sees nothing of ours."""
    user = SetMembershipFactory(learning_set=other_set, user__full_name="Otto Outsider").user
    OrganisationMembership.objects.filter(user=user).update(role=OrganisationMembership.Role.ADMIN)
    return user


@pytest.fixture
def sockets_leave_no_connection():
    """For tests that drive the ASGI app's websockets in this process: the consumer's database work runs in other
    asgiref contexts, whose connections Django's teardown cannot see, so PostgreSQL would refuse to drop the test
    database at the end. Ends this test database's other sessions (the test's own; nothing else uses it). Each
    test also gets channel layers of its own: a Redis layer's locks belong to the event loop that first took them,
    and a consumer the last test's loop left waiting on one would make the next test's loop fail ("bound to a
    different event loop")."""
    channel_layers.backends = {}
    yield
    channel_layers.backends = {}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )


def pytest_collection_modifyitems(config, items):
    """Browser tests run last. Playwright's sync API keeps an event loop running in the test thread from the first
    browser test to the end of the session, and asgiref's async_to_sync (which the websocket tests use to drive the
    ASGI app) refuses to run where a loop is running. The order is otherwise kept."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
