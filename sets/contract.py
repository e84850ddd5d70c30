"""The template a new set's contract starts from. The set edits it; these are only sensible first words."""

from django.utils.translation import gettext_lazy as _

CONFIDENTIALITY = _(
    "What a member brings stays in the set. We do not repeat who said what, or the details of anyone's issue, "
    "outside the set without their permission. The limits: if someone is at risk of serious harm, or something "
    "illegal is disclosed, the facilitator may need to act, and will say so first."
)
ATTENDANCE = _(
    "We come to every meeting. When we cannot, we send apologies to the facilitator at least 48 hours before. "
    "Missing two meetings in a row means a conversation with the facilitator about whether the set still fits."
)
PUNCTUALITY = _(
    "We start and finish on time. Phones are silent and laptops closed, except to take notes on our own actions."
)
ISSUE_SCOPE = _(
    "A real, current problem from our own work that we can act on, that matters to us, and that has no obvious "
    "answer. Not a puzzle for the set to solve or a decision someone else must take."
)
OTHER = _(
    "In questioning we ask open questions only: no advice, anecdotes or judgement. Each member decides their own "
    "actions and reports on them at the next meeting."
)

# Hours before a meeting when reminders go out.
DEFAULT_REMINDER_OFFSETS = [48, 2]


def default_reminder_offsets() -> list[int]:
    return list(DEFAULT_REMINDER_OFFSETS)


# The fields whose change asks every member to agree again.
CONTRACT_FIELDS = (
    "confidentiality",
    "attendance",
    "punctuality",
    "issue_scope",
    "other_ground_rules",
    "quorum",
    "airtime_mode",
    "term_meetings",
    "term_ends_on",
)
