"""The layout's caches (accounts/versions.py, accounts/middleware.py, accounts/sessions.py, sets/context_processors.py):
every change shows at once, one person's cached layout never reaches another, and pages work with the cache empty or
Redis down."""

import pickle

import pytest
from django.contrib.auth import HASH_SESSION_KEY
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from accounts import versions as user_versions
from accounts.middleware import SECRET_FIELDS
from accounts.models import User
from core import versions
from sets.models import Organisation, OrganisationMembership
from tests.factories import PASSWORD, OrganisationFactory, OrganisationMembershipFactory
from tests.test_bench_views import bench_urls  # noqa: F401 (the fixture that routes the layout floor)


@pytest.fixture
def home():
    return reverse("learning:journal")  # a light page in the base layout


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what the block queues for after commit (the version bumps), as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def nav(client, home) -> str:
    response = client.get(home)
    assert response.status_code == 200
    return response.text


def test_an_organisation_rename_shows_in_the_switcher_at_once(client, member, organisation, home, committed):
    client.force_login(member)
    assert "Northwind Health" in nav(client, home)
    with committed():
        organisation.name = "Northwind Care"
        organisation.save()
    page = nav(client, home)
    assert "Northwind Care" in page and "Northwind Health" not in page


def test_joining_and_leaving_an_organisation_show_at_once(client, member, other_organisation, home, committed):
    client.force_login(member)
    assert "Contoso" not in nav(client, home)
    with committed():
        joined = OrganisationMembershipFactory(organisation=other_organisation, user=member)
    assert "Contoso" in nav(client, home)
    with committed():
        OrganisationMembership.objects.filter(pk=joined.pk).delete()  # a queryset delete sends the signal too
    assert "Contoso" not in nav(client, home)


def test_an_organisation_deleted_leaves_the_switcher_at_once(client, member, other_organisation, home, committed):
    OrganisationMembershipFactory(organisation=other_organisation, user=member)
    client.force_login(member)
    assert "Contoso" in nav(client, home)
    with committed():
        Organisation.objects.filter(pk=other_organisation.pk).delete()
    assert "Contoso" not in nav(client, home)


def test_a_role_change_bumps_the_persons_version(member, organisation, committed):
    membership = OrganisationMembership.objects.get(user=member, organisation=organisation)
    before = versions.current(f"user:{member.pk}")
    with committed():
        membership.role = OrganisationMembership.Role.ADMIN
        membership.save()
    assert versions.current(f"user:{member.pk}") != before


def test_a_name_and_language_change_show_at_once(client, member, home, committed):
    client.force_login(member)
    page = nav(client, home)
    assert "Milo" in page and '<html lang="en-gb"' in page
    with committed():
        member.full_name = "Mara Member"
        member.language = "de"
        member.save()
    page = nav(client, home)
    assert "Mara" in page and "Milo" not in page
    assert '<html lang="de"' in page and "Meine Vorhaben" in page  # the layout's {% once %} parts, in German too


def test_logging_out_shows_at_once(client, member, home):
    client.force_login(member)
    nav(client, home)
    client.post(reverse("account_logout"))
    response = client.get(home)
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_a_password_change_logs_out_sessions_from_before_it(client, member, home, committed):
    """The cached person carries a digest of the session auth hash; a session made with the old password no longer
    matches it and goes through Django's check, which flushes it."""
    client.force_login(member)
    nav(client, home)  # the person is cached now
    with committed():
        member.set_password("a-whole-new-password-9")
        member.save()
    response = client.get(home)
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_a_stale_cached_person_cannot_log_in_an_old_session(client, member, home):
    """Even with no bump (a lost one), the cached digest is compared with the session's own hash."""
    client.force_login(member)
    nav(client, home)
    session = client.session
    session[HASH_SESSION_KEY] = "0" * 64
    session.save()
    response = client.get(home)
    assert response.status_code == 302


def test_changing_the_password_keeps_this_session_and_ends_the_others(client, member, home):
    other = type(client)()
    client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    other.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    nav(client, home), nav(other, home)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "a-whole-new-password-9", "password2": "a-whole-new-password-9"},
    )
    assert response.status_code == 302
    assert client.get(home).status_code == 200
    assert other.get(home).status_code == 302


def test_a_deactivated_person_is_logged_out(client, member, home, committed):
    client.force_login(member)
    nav(client, home)
    with committed():
        member.is_active = False
        member.save()
    assert client.get(home).status_code == 302


def test_one_persons_layout_never_reaches_another(client, member, outsider, home):
    other = type(client)()
    client.force_login(member)
    other.force_login(outsider)
    for _ in range(2):  # cold, then from the cache
        mine, theirs = nav(client, home), nav(other, home)
        assert "Milo" in mine and "Northwind Health" in mine
        assert "Otto" not in mine and "Contoso" not in mine
        assert "Otto" in theirs and "Contoso" in theirs
        assert "Milo" not in theirs and "Northwind Health" not in theirs


def test_the_cached_person_holds_no_secret(client, member, home):
    member.calendar_token = "CALENDAR-SECRET-TOKEN"
    member.save()
    user_versions.local_values.clear()  # only this test's values
    client.force_login(member)
    nav(client, home)
    blobs = list(user_versions.local_values.values.values())
    assert blobs
    for blob in blobs:
        assert b"CALENDAR-SECRET-TOKEN" not in blob
        assert member.password.encode() not in blob
        assert member.get_session_auth_hash().encode() not in blob
    person = next(
        value[0]
        for value in map(pickle.loads, blobs)
        if isinstance(value, tuple) and isinstance(value[0], User) and value[0].pk == member.pk
    )
    assert set(SECRET_FIELDS) <= person.get_deferred_fields()
    assert person.calendar_token == "CALENDAR-SECRET-TOKEN"  # deferred: read from the database when a page needs it


def test_pages_work_with_the_cache_emptied_between_requests(client, member, home):
    client.force_login(member)
    for _ in range(3):
        user_versions.local_values.clear()
        cache.clear()
        page = nav(client, home)
        assert "Milo" in page and "Northwind Health" in page


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "core.cache.FailSoftRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there: Redis is down
            "OPTIONS": {"socket_connect_timeout": 0.05, "socket_timeout": 0.05, "RETRY_AFTER": 60},
        }
    }
)
def test_pages_work_with_redis_down(client, member, home, committed):
    client.force_login(member)
    assert "Northwind Health" in nav(client, home)
    with committed():
        org = member.organisation_memberships.get().organisation
        org.name = "Northwind Care"
        org.save()
    page = nav(client, home)
    assert "Milo" in page and "Northwind Care" in page


@pytest.mark.usefixtures("bench_urls")
def test_the_layout_floor_runs_no_query_once_the_person_is_cached(client, member, django_assert_num_queries):
    client.force_login(member)
    client.get("/bench/layout/")
    with django_assert_num_queries(0):
        assert client.get("/bench/layout/").status_code == 200


def test_a_second_organisation_in_the_switcher(client, member, home, committed):
    with committed():
        OrganisationMembershipFactory(organisation=OrganisationFactory(name="Acme", slug="acme"), user=member)
    client.force_login(member)
    page = nav(client, home)
    assert page.index("Acme") < page.index("Northwind Health")  # by name


def test_the_top_bar_kept_per_person_follows_the_page_s_organisation(client, member, organisation, home, committed):
    """The top bar is rendered once per version of the person (accounts/templatetags/viewer.py) and per
    organisation of the page: the switcher names and marks the page's organisation, and only there."""
    with committed():
        OrganisationMembershipFactory(organisation=OrganisationFactory(name="Acme", slug="acme"), user=member)
    client.force_login(member)
    org_page = reverse("sets:organisation", args=[organisation.slug])
    for _ in range(2):  # rendered, then kept
        on_home, on_org = nav(client, home), nav(client, org_page)
        assert 'aria-current="page"' not in on_home.split("</header>")[0]
        header = on_org.split("</header>")[0]
        assert header.count('aria-current="page"') == 1
        assert f'href="{org_page}" aria-current="page"' in header
