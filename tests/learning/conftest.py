from datetime import timedelta

import pytest
from django.utils import timezone

from meetings.models import Reflection
from tests.factories import MeetingFactory, SetMembershipFactory


@pytest.fixture
def mate(learning_set):
    """Another member of the member's set."""
    return SetMembershipFactory(learning_set=learning_set, user__full_name="Mae Mate").user


@pytest.fixture
def past_meeting(learning_set):
    return MeetingFactory(learning_set=learning_set, starts_at=timezone.now() - timedelta(days=3), status="ended")


def make_reflection(meeting, author, text, *, shared=False, **extra):
    return Reflection.objects.create(meeting=meeting, author=author, about_self=text, shared=shared, **extra)
