"""What the learning app leaves in the organisation's audit log: publications, withdrawals and exports, never
the words, and never the author of an anonymous learning."""

import pytest
from django.urls import reverse

from core.models import AuditEvent
from learning import services
from learning.models import LibraryItem
from learning.services import EntryContent
from tests.factories import OrganisationMembershipFactory
from tests.learning.test_library import confirm, preview


@pytest.fixture
def entry(member, learning_set):
    return services.write_entry(
        author=member,
        content=EntryContent(title="AUDIT-TITLE-MARKER", body="AUDIT-BODY-MARKER", learning_set=learning_set),
    )


@pytest.mark.parametrize("anonymous", [False, True])
def test_publishing_and_withdrawing_are_logged_without_the_words(client, member, admin, entry, organisation, anonymous):
    client.force_login(member)
    confirm(client, entry, preview(client, entry, anonymous="1" if anonymous else "0"))
    item = LibraryItem.objects.get()
    client.post(reverse("learning:library-withdraw", args=[item.pk]))
    events = AuditEvent.objects.filter(organisation=organisation).order_by("at", "pk")
    assert [(e.verb, e.actor, e.detail) for e in events] == [
        ("learning_published", None if anonymous else member, {"anonymous": anonymous}),
        ("learning_withdrawn", None if anonymous else member, {"anonymous": anonymous}),
    ]
    client.force_login(admin)
    page = client.get(reverse("sets:audit-log", args=[organisation.slug])).content.decode()
    assert "published a learning" in page
    assert "AUDIT-TITLE-MARKER" not in page and "AUDIT-BODY-MARKER" not in page
    assert (member.display_name in page) is not anonymous
    if anonymous:
        assert member.email not in page


def test_downloading_my_data_is_logged_in_each_of_my_organisations(client, member, organisation, other_organisation):
    OrganisationMembershipFactory(organisation=other_organisation, user=member)
    client.force_login(member)
    b"".join(client.get(reverse("learning:export-json")).streaming_content)
    b"".join(client.get(reverse("learning:export-markdown")).streaming_content)
    events = AuditEvent.objects.filter(verb=AuditEvent.Verb.EXPORTED, actor=member)
    assert sorted((e.organisation.slug, e.detail["format"]) for e in events) == [
        ("contoso", "json"),
        ("contoso", "markdown"),
        ("northwind", "json"),
        ("northwind", "markdown"),
    ]
