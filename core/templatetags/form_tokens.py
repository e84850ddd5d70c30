from django import template
from django.utils.html import format_html

from core.form_tokens import FIELD, new_token

register = template.Library()


@register.simple_tag
def form_token():
    """A hidden one-time token: the form it is in saves once, however many times it is sent (core/form_tokens.py)."""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_token())
