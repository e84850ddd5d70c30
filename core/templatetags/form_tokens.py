from django import template
from django.utils.html import format_html

from core.form_tokens import FIELD, new_token
from core.fragments import FORM_TOKEN_SLOT, SLOTS_FLAG

register = template.Library()


@register.simple_tag(takes_context=True)
def form_token(context):
    """A hidden one-time token: the form it is in saves once, however many times it is sent (core/form_tokens.py).
    In a cached fragment (core/fragments.py), a slot that each request fills with a new token."""
    token = FORM_TOKEN_SLOT if context.get(SLOTS_FLAG) else new_token()
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, token)
