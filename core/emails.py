"""One way to send email: three templates per message, rendered in the recipient's time zone."""

import zoneinfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation


def send_templated(
    name: str,
    *,
    to: str,
    context: dict,
    tz_name: str = "UTC",
    headers: dict | None = None,
    attachments: list[tuple[str, bytes, str]] | None = None,
    language: str = "",
) -> None:
    """Render `emails/<name>-subject.txt`, `-body.txt` and `-body.html` and send them to one address, with the
    times in `tz_name` (the recipient's zone) and the words in `language` (the recipient's; the site's if empty)."""
    context = {"site_url": settings.SITE_URL, **context}
    with (
        timezone.override(zoneinfo.ZoneInfo(tz_name or "UTC")),
        translation.override(language or settings.LANGUAGE_CODE),
    ):
        subject = " ".join(render_to_string(f"emails/{name}-subject.txt", context).split())
        text = render_to_string(f"emails/{name}-body.txt", context)
        html = render_to_string(f"emails/{name}-body.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to], headers=headers)
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments or []:
        message.attach(filename, content, mimetype)
    message.send()
