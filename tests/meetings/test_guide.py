"""The guide: how a meeting runs (members) and facilitating one, each in the reader's language, linked from the
meeting room, the home page and the set page."""

import pytest
from django.urls import reverse

from meetings.views.guide import guide_template
from tests.factories import MeetingFactory

# A sentence of each language's text of each guide, and the language's name for its questioning step.
TEXT = {
    "en-gb": {
        "members": "open questions only</strong>: no advice",
        "facilitating": "Advice dressed as a question",
        "lang": 'lang="en-gb"',
    },
    "de": {
        "members": "nur offene Fragen",
        "facilitating": "Ratschläge im Gewand einer Frage",
        "lang": 'lang="de"',
    },
    "fr": {
        "members": "uniquement des questions ouvertes",
        "facilitating": "Les conseils déguisés en questions",
        "lang": 'lang="fr"',
    },
}
URLS = {"members": "meetings:guide", "facilitating": "meetings:guide-facilitating"}


def page(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("language", TEXT)
@pytest.mark.parametrize("guide", URLS)
def test_each_guide_is_in_the_readers_language(client, member, language, guide):
    member.language = language
    member.save(update_fields=["language"])
    client.force_login(member)
    content = page(client.get(reverse(URLS[guide])))
    assert TEXT[language]["lang"] in content
    assert TEXT[language][guide] in content
    for other, texts in TEXT.items():
        if other != language:
            assert texts[guide] not in content  # one language's text, not two


def test_the_guides_are_for_anyone_logged_in(client, outsider):
    client.force_login(outsider)
    assert "open questions only" in page(client.get(reverse("meetings:guide")))
    assert "The meeting room’s controls" in page(client.get(reverse("meetings:guide-facilitating")))


def test_the_guide_falls_back_to_english():
    assert guide_template("members", "en-gb") == "guide/en/members.html"
    assert guide_template("members", "de") == "guide/de/members.html"
    assert guide_template("facilitating", "fr-ca") == "guide/fr/facilitating.html"
    assert guide_template("facilitating", "es") == "guide/en/facilitating.html"


def test_each_guide_names_every_step_and_control(client, member):
    client.force_login(member)
    members = page(client.get(reverse("meetings:guide")))
    for step in ("Check-in", "Presenting an issue", "Questioning", "Action commitments", "Reflection"):
        assert step in members
    for topic in ("Between meetings", "journal", "Confidentiality", "About myself?"):
        assert topic in members
    facilitating = page(client.get(reverse("meetings:guide-facilitating")))
    for control in ("Next step", "Back", "Pause (time out)", "+5 min", "Hand-over", "Raised hands", "Presence"):
        assert control in facilitating


def test_the_meeting_room_links_each_person_to_their_guide(client, learning_set, member, facilitator):
    meeting = MeetingFactory(learning_set=learning_set)
    room = reverse("meetings:live", args=[meeting.pk])
    client.force_login(member)
    content = page(client.get(room))
    assert f'href="{reverse("meetings:guide")}"' in content
    assert reverse("meetings:guide-facilitating") not in content
    client.force_login(facilitator)
    assert f'href="{reverse("meetings:guide-facilitating")}"' in page(client.get(room))


def test_the_home_and_set_pages_link_to_the_guide(client, learning_set, member, facilitator):
    client.force_login(member)
    home = page(client.get(reverse("sets:home")))
    assert f'href="{reverse("meetings:guide")}"' in home
    assert f'href="{reverse("meetings:guide-facilitating")}"' in home
    assert f'href="{reverse("meetings:guide")}"' in page(client.get(reverse("sets:detail", args=[learning_set.pk])))
    client.force_login(facilitator)
    set_page = page(client.get(reverse("sets:detail", args=[learning_set.pk])))
    assert f'href="{reverse("meetings:guide-facilitating")}"' in set_page
