import re

import pytest
from django.core import mail
from django.urls import reverse

from sets import invitations
from sets.models import Invitation, LearningSet, Organisation, OrganisationMembership, SetMembership, hash_token
from tests.factories import (
    LearningSetFactory,
    OrganisationFactory,
    OrganisationMembershipFactory,
    SetMembershipFactory,
    UserFactory,
)


def page(response) -> str:
    return response.content.decode()


def form_data(response, form_key="form") -> dict:
    """The initial values of a rendered form, as a browser would submit them."""
    form = response.context[form_key]
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if value is None:
            continue
        value = field.prepare_value(value)
        data[name] = value if isinstance(value, list | tuple | int) else str(value)
    return data


def test_anyone_signed_in_creates_an_organisation_and_becomes_its_admin(client, db):
    person = UserFactory()
    client.force_login(person)
    response = client.post(
        reverse("sets:organisation-create"), {"name": "Riverside Trust", "timezone": "Europe/London"}
    )
    organisation = Organisation.objects.get(name="Riverside Trust")
    assert response["Location"] == reverse("sets:organisation", args=[organisation.slug])
    assert OrganisationMembership.objects.get(organisation=organisation, user=person).role == "admin"


def test_set_create_with_the_template_contract(client, organisation, admin):
    client.force_login(admin)
    response = client.get(reverse("sets:create", args=[organisation.slug]))
    data = form_data(response) | {"name": "Pilots", "purpose": "New pilots' set"}
    response = client.post(reverse("sets:create", args=[organisation.slug]), data)
    learning_set = LearningSet.objects.get(name="Pilots")
    assert response["Location"] == reverse("sets:detail", args=[learning_set.pk])
    assert learning_set.reminder_offsets_hours == [48, 2]
    assert learning_set.confidentiality.startswith("What a member brings")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": ""}, "This field is required."),
        ({"quorum": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"term_meetings": "", "term_ends_on": ""}, "Give the set&#x27;s term"),
        ({"reminder_offsets_hours": "abc"}, "Write whole numbers of hours"),
        ({"meeting_duration_minutes": "5"}, "A meeting lasts between 30 minutes and 8 hours."),
    ],
)
def test_set_create_refuses_bad_input_with_a_message(client, organisation, admin, change, message):
    client.force_login(admin)
    data = form_data(client.get(reverse("sets:create", args=[organisation.slug]))) | {"name": "Pilots"} | change
    response = client.post(reverse("sets:create", args=[organisation.slug]), data)
    assert response.status_code == 200
    assert message in page(response)
    assert "Please check what you entered" in page(response)
    assert LearningSet.objects.filter(organisation=organisation).count() == 0


def test_facilitator_edits_the_contract_and_members_must_agree_again(client, learning_set, facilitator, member):
    SetMembership.objects.filter(learning_set=learning_set).update(contract_agreed_version=1)
    client.force_login(facilitator)
    data = form_data(client.get(reverse("sets:contract", args=[learning_set.pk]))) | {"quorum": "4"}
    response = client.post(reverse("sets:contract", args=[learning_set.pk]), data)
    assert response["Location"] == reverse("sets:detail", args=[learning_set.pk])
    assert LearningSet.objects.get(pk=learning_set.pk).contract_version == 2
    client.force_login(member)
    detail = page(client.get(reverse("sets:detail", args=[learning_set.pk])))
    assert "The set's contract has changed since you agreed to it." in detail
    assert detail.count("Not agreed yet") == 2
    client.post(reverse("sets:contract-agree", args=[learning_set.pk]))
    assert SetMembership.objects.get(user=member).contract_agreed_version == 2
    assert "0 of 2 people agreed" not in page(client.get(reverse("sets:detail", args=[learning_set.pk])))


def test_set_page_shows_purpose_contract_and_people(client, learning_set, member, facilitator):
    client.force_login(member)
    content = page(client.get(reverse("sets:detail", args=[learning_set.pk])))
    assert learning_set.purpose in content
    assert "Confidentiality and its limits" in content
    assert content.index("Fay Facilitator") < content.index("Milo Member")  # facilitators first
    assert "Please read the set's contract and agree to it." in content


def test_admin_closes_a_set_after_confirming(client, learning_set, admin):
    client.force_login(admin)
    assert "Close Leaders" in page(client.get(reverse("sets:close", args=[learning_set.pk])))
    client.post(reverse("sets:close", args=[learning_set.pk]))
    learning_set.refresh_from_db()
    assert learning_set.status == "closed"
    assert client.get(reverse("sets:edit", args=[learning_set.pk])).status_code == 403


def test_invite_one_person_from_the_page(client, organisation, learning_set, admin, django_capture_on_commit_callbacks):
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("sets:invite", args=[organisation.slug]),
            {
                "one-email": "new@example.org",
                "one-full_name": "Nia",
                "one-role": "facilitator",
                "one-learning_set": learning_set.pk,
            },
        )
    assert response["Location"] == reverse("sets:detail", args=[learning_set.pk])
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.set_role, invitation.learning_set) == (
        "new@example.org",
        "facilitator",
        learning_set,
    )
    assert [m.to for m in mail.outbox] == [["new@example.org"]]


def test_invite_one_bad_address_shows_the_error(client, organisation, admin):
    client.force_login(admin)
    response = client.post(
        reverse("sets:invite", args=[organisation.slug]), {"one-email": "nope", "one-role": "member"}
    )
    assert response.status_code == 200
    assert "Enter a valid email address." in page(response)
    assert Invitation.objects.count() == 0


def test_bulk_invite_page_lists_failed_lines_and_keeps_them_in_the_box(client, organisation, learning_set, admin):
    client.force_login(admin)
    response = client.post(
        reverse("sets:invite", args=[organisation.slug]),
        {"many-learning_set": learning_set.pk, "many-lines": "a@example.org, A\nbroken, B\nc@example.org,,facilitator"},
    )
    content = page(response)
    assert response.status_code == 200
    assert "1 line was not invited" in content
    assert "Line 2" in content
    assert re.search(r"<textarea[^>]*>\s*broken, B</textarea>", content)
    assert sorted(Invitation.objects.values_list("email", flat=True)) == ["a@example.org", "c@example.org"]


def test_resend_and_revoke_from_the_people_page(client, organisation, admin, django_capture_on_commit_callbacks):
    invitation = Invitation.objects.create(organisation=organisation, email="x@example.org", token_hash="h1")
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("sets:invitation-resend", args=[organisation.slug, invitation.pk]))
    assert [m.to for m in mail.outbox] == [["x@example.org"]]
    client.post(reverse("sets:invitation-revoke", args=[organisation.slug, invitation.pk]))
    assert Invitation.objects.get(pk=invitation.pk).status == "revoked"
    assert "Revoked" in page(client.get(reverse("sets:people", args=[organisation.slug])))


def test_a_new_person_signs_up_from_the_link_and_joins(
    client, organisation, learning_set, admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invitations.invite(
            organisation=organisation,
            learning_set=learning_set,
            request=invitations.InvitationRequest(email="nia@example.org", full_name="Nia"),
            by=admin,
        )
    link = re.search(r"/invitations/[^/\s]+/", mail.outbox[0].body).group(0)
    content = page(client.get(link))
    assert "Create my account" in content
    signup = client.get(reverse("account_signup") + f"?next={link}")
    assert signup.context["form"]["email"].value() == "nia@example.org"
    response = client.post(
        reverse("account_signup") + f"?next={link}",
        {
            "email": "nia@example.org",
            "full_name": "Nia New",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
    )
    assert response["Location"] == link  # no verification email: the link proved the address
    assert len(mail.outbox) == 1
    response = client.post(link)
    assert response["Location"] == reverse("sets:detail", args=[learning_set.pk])
    assert SetMembership.objects.get(learning_set=learning_set, user__email="nia@example.org").role == "member"


def test_an_existing_user_logs_in_and_accepts(client, organisation, learning_set, admin):
    person = UserFactory(email="known@example.org")
    Invitation.objects.create(
        organisation=organisation,
        learning_set=learning_set,
        email="known@example.org",
        set_role="member",
        token_hash=hash_token("t1"),
    )
    link = reverse("sets:invitation", args=["t1"])
    assert "Log in to accept" in page(client.get(link))
    assert client.post(link)["Location"].startswith(reverse("account_login"))
    client.force_login(person)
    client.post(link)
    assert SetMembership.objects.filter(learning_set=learning_set, user=person, left_at=None).exists()


def test_someone_logged_in_with_another_address_is_told_and_refused(client, organisation, learning_set):
    Invitation.objects.create(organisation=organisation, email="right@example.org", token_hash=hash_token("t2"))
    client.force_login(UserFactory(email="wrong@example.org"))
    link = reverse("sets:invitation", args=["t2"])
    assert "This invitation is for right@example.org" in page(client.get(link))
    client.post(link)
    assert not OrganisationMembership.objects.filter(user__email="wrong@example.org").exists()


def test_an_unknown_invitation_token_is_a_404(client, db):
    assert client.get(reverse("sets:invitation", args=["nope"])).status_code == 404


def test_admin_changes_roles_and_removes_people(client, organisation, learning_set, admin, member, stranger):
    client.force_login(admin)
    stranger_membership = OrganisationMembership.objects.get(organisation=organisation, user=stranger)
    client.post(reverse("sets:organisation-role", args=[organisation.slug, stranger_membership.pk]), {"role": "admin"})
    assert OrganisationMembership.objects.get(pk=stranger_membership.pk).role == "admin"
    membership = SetMembership.objects.get(user=member)
    client.post(reverse("sets:member-role", args=[learning_set.pk, membership.pk]), {"role": "facilitator"})
    assert SetMembership.objects.get(pk=membership.pk).role == "facilitator"
    assert "Their actions and reflections stay" in page(
        client.get(reverse("sets:member-remove", args=[learning_set.pk, membership.pk]))
    )
    client.post(reverse("sets:member-remove", args=[learning_set.pk, membership.pk]))
    assert SetMembership.objects.get(pk=membership.pk).left_at is not None
    client.force_login(member)
    assert client.get(reverse("sets:detail", args=[learning_set.pk])).status_code == 404


def test_admin_adds_someone_from_the_organisation(client, learning_set, admin, stranger):
    client.force_login(admin)
    client.post(reverse("sets:add-member", args=[learning_set.pk]), {"user": stranger.pk, "role": "member"})
    assert SetMembership.objects.filter(learning_set=learning_set, user=stranger, left_at=None).exists()


def test_the_last_admin_is_told_why_they_cannot_step_down(client, organisation, admin):
    client.force_login(admin)
    membership = OrganisationMembership.objects.get(user=admin)
    response = client.post(
        reverse("sets:organisation-role", args=[organisation.slug, membership.pk]), {"role": "member"}, follow=True
    )
    assert "An organisation needs at least one admin." in page(response)
    assert OrganisationMembership.objects.get(pk=membership.pk).role == "admin"


def test_a_person_in_two_organisations_sees_both_and_each_page_only_its_own_sets(client, learning_set, member):
    other = OrganisationFactory(name="Second Org")
    other_set = LearningSetFactory(organisation=other, name="Second set")
    SetMembershipFactory(learning_set=other_set, user=member)
    LearningSetFactory(organisation=other, name="Not mine")
    client.force_login(member)
    home = page(client.get(reverse("sets:home")))
    assert "Northwind Health" in home and "Second Org" in home
    first = page(client.get(reverse("sets:organisation", args=[learning_set.organisation.slug])))
    second = page(client.get(reverse("sets:organisation", args=[other.slug])))
    assert learning_set.name.replace("'", "&#x27;") in first and "Second set" not in first
    assert "Second set" in second and learning_set.name.replace("'", "&#x27;") not in second
    assert "Not mine" not in second  # a member sees only their own sets


def test_healthz_reports_database_and_broker(client, db):
    response = client.get(reverse("healthz"))
    body = response.json()
    assert response.status_code == 200
    assert body["database"] == "ok"
    assert body["broker"] in {"ok", "down"}
    assert client.get(reverse("healthz-live")).json() == {"status": "ok"}


@pytest.mark.parametrize("extra", [0, 6])
def test_page_query_counts_do_not_grow(
    client, organisation, learning_set, admin, member, extra, django_assert_max_num_queries
):
    for n in range(extra):
        other = LearningSetFactory(organisation=organisation)
        SetMembershipFactory(learning_set=other, user=member)
        SetMembershipFactory(learning_set=learning_set)
        OrganisationMembershipFactory(organisation=organisation)
        Invitation.objects.create(organisation=organisation, email=f"p{n}@example.org", token_hash=f"h{n}")
    client.force_login(member)
    with django_assert_max_num_queries(6):
        assert client.get(reverse("sets:home")).status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get(reverse("sets:organisation", args=[organisation.slug])).status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get(reverse("sets:detail", args=[learning_set.pk])).status_code == 200
    client.force_login(admin)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("sets:people", args=[organisation.slug])).status_code == 200
