"""Pages with what members bring are never kept by the browser: every answer to a logged-in person says
`Cache-Control: private, no-store` unless its view chose its own (core/middleware.py), and static files stay
cacheable. Walks every GET URL of the access matrix (tests/test_access_matrix.py) as someone allowed to see it."""

import pytest
from django.templatetags.static import static
from django.urls import reverse

from tests.test_access_matrix import MATRIX, World

# The logged-in roles tried, the set's own people first: the first one the matrix lets see the page is used.
TRY_ROLES = ("member", "facilitator", "admin", "stranger", "nobody", "outsider")
# Every GET URL that some logged-in person is shown as a page (a URL that redirects everyone, such as "delete my
# account", which asks for the password first, shows no content to keep).
GET_PAGES = sorted(
    name
    for name, (method, _kwargs, _data, expected) in MATRIX.items()
    if method == "get" and any(expected[role] == 200 for role in TRY_ROLES)
)
# Answers whose views set a Cache-Control of their own, kept as they are.
OWN = {"meetings:feed": "private, max-age=300"}


@pytest.fixture
def world(organisation, learning_set, admin, facilitator, member, stranger, outsider, other_set):
    return World(organisation, learning_set, admin, facilitator, member, stranger, outsider, other_set)


@pytest.mark.parametrize("name", GET_PAGES)
def test_every_page_to_a_logged_in_person_says_no_store(client, world, name):
    _method, kwargs, _data, expected = MATRIX[name]
    role = next(role for role in TRY_ROLES if expected[role] == 200)
    client.force_login(world.users[role])
    response = client.get(reverse(name, kwargs=kwargs(world)))
    assert response.status_code == 200, f"{name} as {role}: {response.status_code}"
    cache_control = response.get("Cache-Control", "")
    if name in OWN:
        assert cache_control == OWN[name]
    elif response["Content-Type"].startswith("text/html"):
        assert "no-store" in cache_control and "private" in cache_control, f"{name}: {cache_control!r}"
    else:  # downloads (exports, the CSV report): never stored either
        assert "no-store" in cache_control, f"{name} ({response['Content-Type']}): {cache_control!r}"


def test_static_files_stay_cacheable(client, member):
    client.force_login(member)
    response = client.get(static("css/app.css"))
    assert response.status_code == 200
    assert "no-store" not in response["Cache-Control"] and "max-age" in response["Cache-Control"]
    response.close()


def test_an_anonymous_visitor_s_page_is_left_alone(client, db):
    """The login page sets its own (never_cache); a public page for nobody in particular gets nothing added."""
    response = client.get(reverse("account_login"))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
