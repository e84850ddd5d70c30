"""One way to send email: three templates per message, rendered in the recipient's time zone and language.

The subject and the text body are plain text: rendered without HTML escaping, so "O'Brien & 王芳" arrives as
written. Only the HTML body is escaped.
"""

import zoneinfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context, engines
from django.template.loader import render_to_string
from django.utils import timezone, translation


def render_plain_text(template_name: str, context: dict) -> str:
    """A template rendered as plain text: variables are not HTML-escaped (autoescape off for the whole render)."""
    template = engines["django"].engine.get_template(template_name)
    return template.render(Context(context, autoescape=False))


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
        subject = " ".join(render_plain_text(f"emails/{name}-subject.txt", context).split())
        text = render_plain_text(f"emails/{name}-body.txt", context)
        html = render_to_string(f"emails/{name}-body.html", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to], headers=headers)
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments or []:
        message.attach(filename, content, mimetype)
    message.send()
