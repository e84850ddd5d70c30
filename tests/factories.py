from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts.models import User
from sets.models import Invitation, LearningSet, Organisation, OrganisationMembership, SetMembership, hash_token

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        """Users log in only with a verified address (allauth's EmailAddress), as after sign-up."""
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, primary=True, verified=True)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"organisation-{n}")


class OrganisationMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganisationMembership

    organisation = factory.SubFactory(OrganisationFactory)
    user = factory.SubFactory(UserFactory)
    role = OrganisationMembership.Role.MEMBER


class LearningSetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LearningSet

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Set {n}")
    purpose = "Work on real problems from our own work."


class SetMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SetMembership
        skip_postgeneration_save = True

    learning_set = factory.SubFactory(LearningSetFactory)
    user = factory.SubFactory(UserFactory)
    role = SetMembership.Role.MEMBER

    @factory.post_generation
    def in_organisation(self, create, extracted, **kwargs):
        if create:
            OrganisationMembership.objects.get_or_create(
                organisation_id=self.learning_set.organisation_id, user=self.user
            )


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    organisation = factory.SubFactory(OrganisationFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    token_hash = factory.Sequence(lambda n: hash_token(f"token-{n}"))


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "meetings.Meeting"

    learning_set = factory.SubFactory(LearningSetFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    duration_minutes = 150
    place = "Room 4"


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "meetings.Action"

    learning_set = factory.SubFactory(LearningSetFactory)
    owner = factory.SubFactory(UserFactory)
    text = factory.Sequence(lambda n: f"Action number {n}")
