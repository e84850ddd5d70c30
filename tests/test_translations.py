"""Every language we offer is whole: its catalogue has no untranslated and no fuzzy entry, its compiled .mo says what
its .po says, no page shown in it still carries English of ours, and the emails arrive in it.

The catalogues are locale/<lang>/LC_MESSAGES/django.po (`make messages` updates them, `make compilemessages`
compiles them; README, "Languages"). The page test renders every GET page of the access matrix
(tests/test_access_matrix.py) in each offered language whose catalogue exists, as someone allowed to see it, and
looks in the visible text for two signs of English: one of our own msgids of three words or more (whose translation
differs), and English function words ("the", "your", ...) that no German or French sentence contains, which also
catches text nobody marked for translation. The fixtures' own data is made in the language under test (a set's
contract starts from the template in its creator's language) and its names are names, not English sentences.
"""

import gettext
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from accounts.timezones import time_range
from core import outbox
from meetings import reminders, scheduling, summary
from meetings.models import Attendance, Meeting, ReminderKind
from sets import contract, invitations
from sets.models import LearningSet
from tests.test_access_matrix import MATRIX, World

LOCALE = Path(settings.BASE_DIR) / "locale"
OFFERED = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
WITH_CATALOGUE = [code for code in OFFERED if (LOCALE / code / "LC_MESSAGES" / "django.po").exists()]

# Words of English sentences that neither German nor French text uses ("in", "an", "was", "will", "die" are German
# words too, and stay out). A page in another language showing one of these shows English.
ENGLISH_WORDS = {
    "the", "your", "you", "and", "with", "this", "that", "are", "is", "not", "of", "to", "for", "what", "when",
    "yet", "be", "it", "has", "have", "been", "from", "our", "we", "they", "their", "no", "or", "by", "at",
}  # fmt: skip
# Shown as they are in every language: the product's name, and words of people's data in the fixtures.
KEPT = {"actionlearning"}


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


def test_german_is_offered_and_has_a_catalogue():
    assert "de" in OFFERED and "de" in WITH_CATALOGUE


@pytest.mark.parametrize("language", WITH_CATALOGUE)
def test_the_catalogue_has_no_untranslated_and_no_fuzzy_entry(language):
    po = catalogue(language)
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert untranslated == [], f"{language}: {len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    assert fuzzy == [], f"{language}: {len(fuzzy)} fuzzy, e.g. {fuzzy[:5]}"
    assert "fuzzy" not in po.metadata_is_fuzzy, f"{language}: the header is fuzzy"


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")


@pytest.mark.parametrize("language", WITH_CATALOGUE)
def test_every_translation_keeps_its_placeholders_and_plural_forms(language):
    for entry in catalogue(language):
        if entry.msgid_plural:
            forms = [entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural)]
            assert all(forms), f"{language}: a plural form of {entry.msgid!r} is empty"
            assert set(PLACEHOLDER.findall(forms[-1])) == set(PLACEHOLDER.findall(entry.msgid_plural)), entry.msgid
        else:
            assert sorted(PLACEHOLDER.findall(entry.msgstr)) == sorted(PLACEHOLDER.findall(entry.msgid)), entry.msgid


@pytest.mark.parametrize("language", WITH_CATALOGUE)
def test_the_compiled_catalogue_says_what_the_po_says(language):
    """The .mo Django reads is compiled from the .po (make compilemessages; make run and make test do it)."""
    mo = LOCALE / language / "LC_MESSAGES" / "django.mo"
    assert mo.exists(), f"{mo.relative_to(settings.BASE_DIR)} is missing: run `make compilemessages`"
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in catalogue(language).translated_entries():
        if entry.msgid_plural:
            got = compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 1) if entry.msgctxt else None
            got = got or compiled.ngettext(entry.msgid, entry.msgid_plural, 1)
            want = entry.msgstr_plural[0]
        else:
            got = compiled.pgettext(entry.msgctxt, entry.msgid) if entry.msgctxt else compiled.gettext(entry.msgid)
            want = entry.msgstr
        if got != want:
            stale.append(entry.msgid)
    assert stale == [], f"{language}: the .mo is older than the .po ({stale[:3]}): run `make compilemessages`"


# Pages


class VisibleText(HTMLParser):
    """The words a person sees or hears: text outside script and style, and the attributes read out or shown."""

    SHOWN_ATTRIBUTES = {"placeholder", "aria-label", "title", "alt", "data-label"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0
        self._zone_option = False

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._hidden += 1
        # A time zone's place names are IANA's ("Europe/Isle_of_Man"), the same in every language.
        self._zone_option = tag == "option" and "/" in (dict(attrs).get("value") or "")
        for name, value in attrs:
            if value and (name in self.SHOWN_ATTRIBUTES or (name == "value" and dict(attrs).get("type") == "submit")):
                self.parts.append(value)

    def handle_endtag(self, tag):
        self._zone_option = False
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and not self._zone_option and data.strip():
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def english_phrases(language: str) -> list[str]:
    """Our msgids of three words or more whose translation differs, cut at their placeholders: the pieces of three
    words or more that would show if the page were in English."""
    phrases = set()
    for entry in catalogue(language).translated_entries():
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for msgid in filter(None, (entry.msgid, entry.msgid_plural)):
            for piece in PLACEHOLDER.split(msgid):
                piece = " ".join(piece.split()).strip(" ,.:;·()")
                if len(piece.split()) >= 3 and all(piece not in text for text in translations):
                    phrases.add(piece)
    return sorted(phrases, key=len, reverse=True)


def english_in(text: str, phrases: list[str], data: set[str]) -> list[str]:
    for value in data:
        text = text.replace(value, " ")
    found = [phrase for phrase in phrases if phrase in text]
    words = re.findall(r"[^\W\d_]+", text)  # whole words, accented letters too ("noté" is not "not")
    for index, word in enumerate(words):
        if word.lower() in ENGLISH_WORDS and word not in KEPT:
            found.append("… " + " ".join(words[max(0, index - 3) : index + 4]) + " …")
    return found


TRY_ROLES = ("member", "facilitator", "admin", "stranger", "nobody", "outsider")
GET_PAGES = sorted(
    name
    for name, (method, _kwargs, _data, expected) in MATRIX.items()
    if method == "get" and any(expected[role] == 200 for role in TRY_ROLES)
)


@pytest.fixture
def world_in(organisation, learning_set, admin, facilitator, member, stranger, outsider, other_set):
    """The access matrix's world, made by people working in `language` (the set's contract starts from the
    template in that language, as it does for a set created in it), all of whom chose that language."""

    def make(language: str) -> World:
        with translation.override(language):
            template = {name: str(getattr(contract, constant)) for name, constant in CONTRACT_TEMPLATE.items()}
        LearningSet.objects.filter(pk=learning_set.pk).update(purpose="Nordwind 2027", **template)
        learning_set.refresh_from_db()
        world = World(organisation, learning_set, admin, facilitator, member, stranger, outsider, other_set)
        for user in world.users.values():
            user.language = language
            user.save(update_fields=["language"])
        return world

    return make


CONTRACT_TEMPLATE = {
    "confidentiality": "CONFIDENTIALITY",
    "attendance": "ATTENDANCE",
    "punctuality": "PUNCTUALITY",
    "issue_scope": "ISSUE_SCOPE",
    "other_ground_rules": "OTHER",
}


# Values of the fixtures (people's names, the set's and organisation's names, what they wrote) are theirs, not ours.
def fixture_data(world: World) -> set[str]:
    values = {world.org.name, world.set.name, "MATRIX-ACTION", "MATRIX-UPDATE", "MATRIX-ISSUE", "MATRIX-JOURNAL"}
    values |= {user.display_name for user in world.users.values()} | {user.email for user in world.users.values()}
    return {value for value in values if value}


@pytest.mark.parametrize("language", WITH_CATALOGUE)
@pytest.mark.parametrize("name", GET_PAGES)
def test_no_page_mixes_languages(client, world_in, name, language):
    world = world_in(language)
    _method, kwargs, _data, expected = MATRIX[name]
    role = next(role for role in TRY_ROLES if expected[role] == 200)
    client.force_login(world.users[role])
    response = client.get(reverse(name, kwargs=kwargs(world)), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, f"{name} as {role}: {response.status_code}"
    if not response["Content-Type"].startswith("text/html"):
        return  # downloads: JSON, Markdown, CSV, calendars (their words are tested with their modules)
    html = response.content.decode()
    if "<html" in html:
        assert f'<html lang="{language}"' in html, f"{name}: not lang={language}"
    found = english_in(visible_text(html), english_phrases(language), fixture_data(world))
    assert found == [], f"{name} as {role} in {language} shows English: {found[:8]}"


# Emails


def send_each_kind(*, admin, member, learning_set, capture) -> None:
    """Every kind of email the app sends, to `member` (the invitation to a new address, from `admin`), each
    written to the outbox by the service that writes it in production and sent as the worker sends it."""

    def details(days: int) -> scheduling.MeetingDetails:
        start = (timezone.now() + timedelta(days=days)).replace(tzinfo=None, second=0, microsecond=0)
        return scheduling.MeetingDetails(local_start=start, duration_minutes=120)

    with capture(execute=True):
        invitations.invite(
            organisation=learning_set.organisation,
            learning_set=learning_set,
            request=invitations.InvitationRequest(email="neu@example.org", full_name="Neu"),
            by=admin,
        )
    with capture(execute=True):
        [meeting] = scheduling.schedule_meetings(learning_set=learning_set, by=admin, details=details(3))
    with capture(execute=True):
        scheduling.reschedule_meeting(meeting=meeting, by=admin, details=details(4))
    meeting.refresh_from_db()
    Meeting.objects.filter(pk=meeting.pk).update(announced_at=None)  # reminders not covered by the change email
    meeting.refresh_from_db()
    for kind in ReminderKind.values:
        with capture(execute=True):
            outbox.enqueue([reminders.reminder_message(meeting, member.pk, member.email, kind, 24 * 10)])
    with capture(execute=True):
        scheduling.cancel_meeting(meeting=meeting, by=admin)
    held = Meeting.objects.create(
        learning_set=learning_set, starts_at=timezone.now() - timedelta(hours=3), status=Meeting.Status.ENDED
    )
    Meeting.objects.filter(pk=held.pk).update(ended_at=timezone.now())
    held.refresh_from_db()
    Attendance.objects.create(meeting=held, user=member, present=True)
    with capture(execute=True):
        summary.write_meeting_summaries(meeting=held, now=timezone.now())


URL = re.compile(r"https?://\S+")


@pytest.mark.parametrize("language", WITH_CATALOGUE)
def test_every_email_arrives_in_the_recipient_s_language(
    world_in, language, mailoutbox, django_capture_on_commit_callbacks
):
    world = world_in(language)
    member, admin = world.users["member"], world.users["admin"]
    send_each_kind(admin=admin, member=member, learning_set=world.set, capture=django_capture_on_commit_callbacks)
    phrases, data = english_phrases(language), fixture_data(world)
    mine = [message for message in mailoutbox if message.to in ([member.email], ["neu@example.org"])]
    # the invitation, three calendar emails, a reminder, a nudge and the summary
    assert len(mine) == 7, [message.subject for message in mine]
    for message in mine:
        html = next(content for content, mimetype in message.alternatives if mimetype == "text/html")
        for part, text in (("subject", message.subject), ("text", message.body), ("html", visible_text(html))):
            found = english_in(URL.sub(" ", text), phrases, data)
            assert found == [], f"{message.subject!r} ({part}) in {language} shows English: {found[:8]}"
        for _name, content, _mimetype in message.attachments:
            calendar = content.decode() if isinstance(content, bytes) else content
            assert [phrase for phrase in phrases if phrase in calendar] == [], calendar
            assert "action learning set" not in calendar


def test_an_english_reader_still_gets_english(world_in, mailoutbox, django_capture_on_commit_callbacks):
    """The other side: the same emails to someone who chose nothing are in the site's language."""
    world = world_in("de")
    member = world.users["member"]
    member.language = ""
    member.save(update_fields=["language"])
    send_each_kind(
        admin=world.users["admin"], member=member, learning_set=world.set, capture=django_capture_on_commit_callbacks
    )
    subjects = [message.subject for message in mailoutbox if message.to == [member.email]]
    assert any("meeting" in subject for subject in subjects), subjects


def test_a_meeting_s_day_is_written_as_its_language_writes_it():
    starts = datetime(2026, 6, 2, 9, 30, tzinfo=UTC)
    with timezone.override(UTC):
        with translation.override("de"):
            assert time_range(starts, starts + timedelta(hours=2)).startswith("Dienstag, 2. Juni 2026, 09:30–11:30")
        with translation.override("en-gb"):
            assert time_range(starts, starts + timedelta(hours=2)).startswith("Tuesday 2 June 2026, 09:30–11:30")
