"""The access matrix: every URL of the project against every kind of visitor.

A URL the resolver knows but this table does not fails `test_every_url_has_a_row`, so a new view cannot ship
without saying who may see it. Expected: strangers to an organisation or set get 404 (no hint it exists);
people in it without the right role get 403; anonymous visitors are sent to log in, except on public pages.
"""

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from actionlearning.asgi import application
from learning.models import JournalEntry, LibraryItem
from meetings.emails import unsubscribe_token
from meetings.models import Action, ActionUpdate, Issue, Meeting, Reflection
from meetings.routing import websocket_urlpatterns
from sets.models import Invitation, OrganisationMembership, SetMembership, hash_token
from tests.factories import InvitationFactory, UserFactory

ROLES = ["anonymous", "nobody", "outsider", "stranger", "member", "facilitator", "admin"]
LOGIN = "login"  # a redirect to the login page
TOKEN = "matrix-invitation-token"


def statuses(anonymous, nobody, outsider, stranger, member, facilitator, admin) -> dict:
    return dict(zip(ROLES, [anonymous, nobody, outsider, stranger, member, facilitator, admin], strict=True))


def everyone(status) -> dict:
    return dict.fromkeys(ROLES, status)


SIGNED_IN_ONLY = statuses(LOGIN, 200, 200, 200, 200, 200, 200)
ORG_MEMBERS = statuses(LOGIN, 404, 404, 200, 200, 200, 200)
ORG_ADMIN_READ = statuses(LOGIN, 404, 404, 403, 403, 403, 200)
ORG_ADMIN_WRITE = statuses(LOGIN, 404, 404, 403, 403, 403, 302)
SET_READ = statuses(LOGIN, 404, 404, 404, 200, 200, 200)
SET_MANAGE = statuses(LOGIN, 404, 404, 404, 403, 200, 200)
SET_ADMIN_READ = statuses(LOGIN, 404, 404, 404, 403, 403, 200)
SET_ADMIN_WRITE = statuses(LOGIN, 404, 404, 404, 403, 403, 302)
SET_OWN_WRITE = statuses(LOGIN, 404, 404, 404, 302, 302, 403)
SET_FACILITATE = statuses(LOGIN, 404, 404, 404, 403, 200, 403)
SET_FACILITATE_WRITE = statuses(LOGIN, 404, 404, 404, 403, 302, 403)
SET_OWN_READ = statuses(LOGIN, 404, 404, 404, 200, 200, 403)
AUTHOR_ONLY_READ = statuses(LOGIN, 404, 404, 404, 200, 404, 404)  # the member is the author
AUTHOR_ONLY_WRITE = statuses(LOGIN, 404, 404, 404, 302, 404, 404)
REPORT_READ = statuses(LOGIN, 404, 404, 403, 403, 200, 200)

# name: (method, how to build the URL's arguments, POST data, expected status per role)
MATRIX = {
    "healthz": ("get", lambda w: {}, None, everyone(200)),
    "healthz-live": ("get", lambda w: {}, None, everyone(200)),
    # The footer's language chooser: anyone may pick a language (a cookie); it redirects to `next`.
    "set_language": ("post", lambda w: {}, {"language": "de", "next": "/"}, everyone(302)),
    "sets:home": ("get", lambda w: {}, None, SIGNED_IN_ONLY),
    "sets:organisation-create": ("get", lambda w: {}, None, SIGNED_IN_ONLY),
    "sets:organisation": ("get", lambda w: {"org_slug": w.org.slug}, None, ORG_MEMBERS),
    "sets:people": ("get", lambda w: {"org_slug": w.org.slug}, None, ORG_ADMIN_READ),
    "sets:invite": ("get", lambda w: {"org_slug": w.org.slug}, None, ORG_ADMIN_READ),
    "sets:create": ("get", lambda w: {"org_slug": w.org.slug}, None, ORG_ADMIN_READ),
    "sets:organisation-role": (
        "post",
        lambda w: {"org_slug": w.org.slug, "membership_id": w.stranger_org_membership.pk},
        {"role": "admin"},
        ORG_ADMIN_WRITE,
    ),
    "sets:organisation-member-remove": (
        "get",
        lambda w: {"org_slug": w.org.slug, "membership_id": w.stranger_org_membership.pk},
        None,
        ORG_ADMIN_READ,
    ),
    "sets:two-factor-policy": ("post", lambda w: {"org_slug": w.org.slug}, {}, ORG_ADMIN_WRITE),
    "sets:audit-log": ("get", lambda w: {"org_slug": w.org.slug}, None, ORG_ADMIN_READ),
    "sets:departure-policy": ("post", lambda w: {"org_slug": w.org.slug}, {"policy": "keep"}, ORG_ADMIN_WRITE),
    "learning:leave-organisation": ("get", lambda w: {"org_slug": w.org.slug}, None, ORG_MEMBERS),
    # Deleting one's account asks for the password again first (a fresh login is not one here).
    "learning:delete-account": ("get", lambda w: {}, None, statuses(LOGIN, 302, 302, 302, 302, 302, 302)),
    "sets:invitation-resend": (
        "post",
        lambda w: {"org_slug": w.org.slug, "invitation_id": w.invitation.pk},
        {},
        ORG_ADMIN_WRITE,
    ),
    "sets:invitation-revoke": (
        "post",
        lambda w: {"org_slug": w.org.slug, "invitation_id": w.invitation.pk},
        {},
        ORG_ADMIN_WRITE,
    ),
    "sets:invitation": ("get", lambda w: {"token": TOKEN}, None, everyone(200)),
    "sets:detail": ("get", lambda w: {"set_id": w.set.pk}, None, SET_READ),
    "sets:edit": ("get", lambda w: {"set_id": w.set.pk}, None, SET_MANAGE),
    "sets:contract": ("get", lambda w: {"set_id": w.set.pk}, None, SET_MANAGE),
    "sets:contract-agree": ("post", lambda w: {"set_id": w.set.pk}, {}, SET_OWN_WRITE),
    "sets:close": ("get", lambda w: {"set_id": w.set.pk}, None, SET_ADMIN_READ),
    "sets:add-member": (
        "post",
        lambda w: {"set_id": w.set.pk},
        lambda w: {"user": w.stranger.pk, "role": "member"},
        SET_ADMIN_WRITE,
    ),
    # An admin makes themselves the set's facilitator in one step (the admin here is not in the set).
    "sets:make-me-facilitator": ("post", lambda w: {"set_id": w.set.pk}, {}, SET_ADMIN_WRITE),
    "sets:member-role": (
        "post",
        lambda w: {"set_id": w.set.pk, "membership_id": w.member_membership.pk},
        {"role": "facilitator"},
        SET_ADMIN_WRITE,
    ),
    "sets:member-remove": (
        "get",
        lambda w: {"set_id": w.set.pk, "membership_id": w.member_membership.pk},
        None,
        SET_ADMIN_READ,
    ),
    "accounts:profile": ("get", lambda w: {}, None, SIGNED_IN_ONLY),
    "accounts:calendar-feed": (
        "post",
        lambda w: {},
        {"action": "regenerate"},
        statuses(LOGIN, 302, 302, 302, 302, 302, 302),
    ),
    "meetings:set-meetings": ("get", lambda w: {"set_id": w.set.pk}, None, SET_READ),
    "meetings:schedule": ("get", lambda w: {"set_id": w.set.pk}, None, SET_FACILITATE),
    "meetings:detail": ("get", lambda w: {"meeting_id": w.meeting.pk}, None, SET_READ),
    "meetings:reply": (
        "post",
        lambda w: {"meeting_id": w.meeting.pk},
        {"rsvp": "yes", "note": ""},
        SET_OWN_WRITE,
    ),
    "meetings:edit": ("get", lambda w: {"meeting_id": w.meeting.pk}, None, SET_FACILITATE),
    "meetings:cancel": ("get", lambda w: {"meeting_id": w.meeting.pk}, None, SET_FACILITATE),
    "meetings:my-upcoming": ("get", lambda w: {}, None, SIGNED_IN_ONLY),
    # The meeting room shows what members bring: the set's own people only, never an admin outside it.
    "meetings:live": ("get", lambda w: {"meeting_id": w.meeting.pk}, None, SET_OWN_READ),
    "meetings:live-state": (
        "get",
        lambda w: {"meeting_id": w.meeting.pk},
        None,
        statuses(LOGIN, 404, 404, 404, 200, 200, 404),
    ),
    "meetings:live-control": (
        "post",
        lambda w: {"meeting_id": w.meeting.pk},
        {"control": "start", "version": "0"},
        SET_FACILITATE_WRITE,
    ),
    "meetings:my-actions": ("get", lambda w: {}, None, SIGNED_IN_ONLY),
    # Set-mates read an action; only its owner (the member) or a facilitator of the set logs progress.
    "meetings:action": ("get", lambda w: {"action_id": w.action.pk}, None, SET_OWN_READ),
    "meetings:action-update": (
        "post",
        lambda w: {"action_id": w.action.pk},
        {"status": "in_progress", "note": "going"},
        statuses(LOGIN, 404, 404, 404, 302, 302, 403),
    ),
    "meetings:projector": ("get", lambda w: {"meeting_id": w.meeting.pk}, None, SET_OWN_READ),
    "meetings:live-workspace": ("get", lambda w: {"meeting_id": w.meeting.pk}, None, SET_OWN_READ),
    "meetings:live-record": (
        "post",
        lambda w: {"meeting_id": w.meeting.pk},
        {"kind": "checkin", "note": "fine"},
        statuses(LOGIN, 404, 404, 404, 302, 302, 403),
    ),
    "meetings:record": ("get", lambda w: {"meeting_id": w.meeting.pk}, None, SET_OWN_READ),
    "meetings:agenda": (
        "post",
        lambda w: {"meeting_id": w.meeting.pk},
        lambda w: {"action": "add", "presenter": w.users["member"].pk},
        SET_FACILITATE_WRITE,
    ),
    "meetings:feed": ("get", lambda w: {"token": w.feed_token}, None, everyone(200)),
    "meetings:unsubscribe": ("get", lambda w: {"token": w.unsubscribe_token}, None, everyone(200)),
    # The guide (how a meeting runs; facilitating one): for anyone logged in, in or out of a set.
    "meetings:guide": ("get", lambda w: {}, None, SIGNED_IN_ONLY),
    "meetings:guide-facilitating": ("get", lambda w: {}, None, SIGNED_IN_ONLY),
    # learning: a private journal entry and a reflection exist for their author alone (the facilitator and the
    # admin get 404 like strangers); the shared journal is the set's own people's; the library is the
    # organisation's, and only the author withdraws from it.
    "learning:journal": ("get", lambda w: {}, None, SIGNED_IN_ONLY),
    "learning:entry-new": ("get", lambda w: {}, None, SIGNED_IN_ONLY),
    "learning:entry": ("get", lambda w: {"entry_id": w.entry.pk}, None, AUTHOR_ONLY_READ),
    "learning:entry-edit": ("get", lambda w: {"entry_id": w.entry.pk}, None, AUTHOR_ONLY_READ),
    "learning:entry-share": ("post", lambda w: {"entry_id": w.entry.pk}, {}, AUTHOR_ONLY_WRITE),
    "learning:entry-unshare": ("post", lambda w: {"entry_id": w.entry.pk}, {}, AUTHOR_ONLY_WRITE),
    "learning:entry-delete": ("get", lambda w: {"entry_id": w.entry.pk}, None, AUTHOR_ONLY_READ),
    "learning:entry-publish": ("get", lambda w: {"entry_id": w.entry.pk}, None, AUTHOR_ONLY_READ),
    "learning:reflection-publish": ("get", lambda w: {"reflection_id": w.reflection.pk}, None, AUTHOR_ONLY_READ),
    "learning:set-shared": ("get", lambda w: {"set_id": w.set.pk}, None, SET_OWN_READ),
    "learning:library": ("get", lambda w: {"org_slug": w.org.slug}, None, ORG_MEMBERS),
    "learning:library-item": ("get", lambda w: {"item_id": w.library_item.pk}, None, ORG_MEMBERS),
    "learning:library-withdraw": (
        "post",
        lambda w: {"item_id": w.library_item.pk},
        {},
        statuses(LOGIN, 404, 404, 403, 302, 403, 403),
    ),
    "learning:my-data": ("get", lambda w: {}, None, SIGNED_IN_ONLY),
    "learning:export-json": ("get", lambda w: {}, None, SIGNED_IN_ONLY),
    "learning:export-markdown": ("get", lambda w: {}, None, SIGNED_IN_ONLY),
    # between meetings
    "meetings:home-actions": ("get", lambda w: {}, None, SIGNED_IN_ONLY),
    "meetings:home-shared": ("get", lambda w: {}, None, SIGNED_IN_ONLY),
    "meetings:action-new": ("get", lambda w: {}, None, SIGNED_IN_ONLY),
    # The owner (the member) or a facilitator of the set rewords or re-dates an action.
    "meetings:action-edit": ("get", lambda w: {"action_id": w.action.pk}, None, SET_OWN_READ),
    # Set-mates encourage an update on the member's action: not its owner, not an admin outside the set.
    "meetings:encourage": (
        "post",
        lambda w: {"update_id": w.update.pk},
        {"text": "Well done"},
        statuses(LOGIN, 404, 404, 404, 403, 302, 403),
    ),
    "meetings:my-issues": ("get", lambda w: {}, None, SIGNED_IN_ONLY),
    # An issue is confidential to the set; only its owner (the member) edits it or changes its status.
    "meetings:issue": ("get", lambda w: {"issue_id": w.issue.pk}, None, SET_OWN_READ),
    "meetings:issue-edit": (
        "get",
        lambda w: {"issue_id": w.issue.pk},
        None,
        statuses(LOGIN, 404, 404, 404, 200, 403, 403),
    ),
    "meetings:issue-status": (
        "post",
        lambda w: {"issue_id": w.issue.pk},
        {"status": "resolved"},
        statuses(LOGIN, 404, 404, 404, 302, 403, 403),
    ),
    "meetings:board": ("get", lambda w: {"set_id": w.set.pk}, None, SET_OWN_READ),
    # reports: admins see their organisation's; facilitators the sets they facilitate; other members get 403.
    "reports:dashboard": ("get", lambda w: {"org_slug": w.org.slug}, None, ORG_ADMIN_READ),
    "reports:report": ("get", lambda w: {"org_slug": w.org.slug}, None, REPORT_READ),
    "reports:report-print": ("get", lambda w: {"org_slug": w.org.slug}, None, REPORT_READ),
    "reports:report-csv": ("get", lambda w: {"org_slug": w.org.slug}, None, REPORT_READ),
}

THIRD_PARTY_PREFIXES = ("admin/", "accounts/")


def project_url_names(resolver=None, namespace="", prefix="") -> set[str]:
    names = set()
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(THIRD_PARTY_PREFIXES):
            continue
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names |= project_url_names(entry, inner, route)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(namespace + entry.name)
    return names


def test_every_url_has_a_row():
    assert project_url_names() == set(MATRIX)


class World:
    """Everything the matrix needs, including what an outsider could see if scoping broke."""

    def __init__(self, organisation, learning_set, admin, facilitator, member, stranger, outsider, other_set):
        self.org, self.set = organisation, learning_set
        self.users = {
            "nobody": UserFactory(full_name="Nobody Anywhere"),
            "outsider": outsider,
            "stranger": stranger,
            "member": member,
            "facilitator": facilitator,
            "admin": admin,
        }
        self.stranger = stranger
        self.stranger_org_membership = OrganisationMembership.objects.get(organisation=organisation, user=stranger)
        self.member_membership = SetMembership.objects.get(learning_set=learning_set, user=member)
        self.invitation = InvitationFactory(organisation=organisation, learning_set=learning_set)
        Invitation.objects.filter(pk=self.invitation.pk).update(token_hash=hash_token(TOKEN))
        self.meeting = Meeting.objects.create(learning_set=learning_set, starts_at=timezone.now() + timedelta(days=7))
        self.action = Action.objects.create(owner=member, learning_set=learning_set, text="MATRIX-ACTION")
        self.update = ActionUpdate.objects.create(action=self.action, author=member, note="MATRIX-UPDATE")
        self.issue = Issue.objects.create(owner=member, learning_set=learning_set, title="MATRIX-ISSUE")
        Meeting.objects.create(learning_set=other_set, starts_at=timezone.now() + timedelta(days=7))
        member.calendar_token = "matrix-feed-token"
        member.save(update_fields=["calendar_token"])
        self.feed_token = member.calendar_token
        self.unsubscribe_token = unsubscribe_token(member.pk, "reminder")
        # learning
        self.entry = JournalEntry.objects.create(author=member, learning_set=learning_set, body="MATRIX-JOURNAL")
        self.reflection = Reflection.objects.create(meeting=self.meeting, author=member, about_self="MATRIX-REFL")
        self.library_item = LibraryItem.objects.create(organisation=organisation, author=member, title="t", text="t")


@pytest.fixture
def world(organisation, learning_set, admin, facilitator, member, stranger, outsider, other_set):
    return World(organisation, learning_set, admin, facilitator, member, stranger, outsider, other_set)


CASES = [(name, role) for name in sorted(MATRIX) for role in ROLES]


@pytest.mark.parametrize(("name", "role"), CASES, ids=[f"{n}-{r}" for n, r in CASES])
def test_access(client, world, name, role):
    method, kwargs, data, expected = MATRIX[name]
    url = reverse(name, kwargs=kwargs(world))
    if role != "anonymous":
        client.force_login(world.users[role])
    payload = data(world) if callable(data) else data
    response = client.post(url, payload or {}) if method == "post" else client.get(url)
    want = expected[role]
    if want == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == want, f"{name} as {role}: {response.status_code}, expected {want}"


# Websockets: the same visitors, each socket judged as the page it belongs to. A refused socket is closed with a
# code standing for the page's answer (meetings/consumers.py) before it joins anything; None: let in.
SOCKET_CLOSE = {LOGIN: 4401, 404: 4404, 403: 4403, 200: None}
# name: (how to build the socket's path, the page whose row it follows)
SOCKETS = {
    "room-socket": (lambda w: f"/ws/meetings/{w.meeting.pk}/", "meetings:live"),
}


def test_every_socket_route_has_a_row():
    assert {pattern.name for pattern in websocket_urlpatterns} == set(SOCKETS)


SOCKET_CASES = [(name, role) for name in sorted(SOCKETS) for role in ROLES]


@pytest.mark.django_db(transaction=True)  # the consumer reads the database from another thread's view of it
@pytest.mark.usefixtures("sockets_leave_no_connection")
@pytest.mark.parametrize(("name", "role"), SOCKET_CASES, ids=[f"{n}-{r}" for n, r in SOCKET_CASES])
def test_socket_access(world, name, role):
    build_path, page = SOCKETS[name]
    headers = [(b"origin", b"http://localhost")]
    if role != "anonymous":
        client = Client()
        client.force_login(world.users[role])
        headers.append(
            (b"cookie", f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode())
        )
    communicator = WebsocketCommunicator(application, build_path(world), headers=headers)

    async def close_code():
        connected, _ = await communicator.connect()
        assert connected
        first = await communicator.receive_output(timeout=5)
        await communicator.disconnect()
        return first["code"] if first["type"] == "websocket.close" else None

    want = SOCKET_CLOSE[MATRIX[page][3][role]]
    got = async_to_sync(close_code)()
    assert got == want, f"{name} as {role}: closed with {got}, expected {want}"


def test_third_party_pages_are_behind_login(client, db):
    assert client.get(reverse("account_login")).status_code == 200
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_another_organisations_set_id_is_a_404_that_reveals_nothing(client, admin, learning_set, other_set):
    client.force_login(admin)
    for url in (
        reverse("sets:detail", args=[other_set.pk]),
        reverse("meetings:set-meetings", args=[other_set.pk]),
        reverse("sets:edit", args=[other_set.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert b"OTHER-ORG-SECRET" not in response.content
        assert other_set.name.encode() not in response.content


def test_another_organisations_meeting_is_a_404(client, admin, other_set):
    meeting = Meeting.objects.create(learning_set=other_set, starts_at=timezone.now() + timedelta(days=3))
    client.force_login(admin)
    assert client.get(reverse("meetings:detail", args=[meeting.pk])).status_code == 404
    assert client.post(reverse("meetings:reply", args=[meeting.pk]), {"rsvp": "yes"}).status_code == 404
