"""`{% once %}...{% endonce %}`: a piece of a template that is the same on every page in one language, rendered once.

The layout (templates/base.html) has a few dozen `{% url %}`, `{% static %}` (a manifest lookup each) and
`{% translate %}` calls whose output never changes between requests, only between languages. Inside `{% once %}`
they run once per language and process; later pages reuse the string. What may go inside is checked when the
template is compiled, so nothing per person or per request can end up shared: text, comments, `{% translate %}`
of a literal, `{% url %}` with literal arguments, `{% static %}` of a literal path, and nothing else (no `{{ }}`,
no `{% if %}`, no block, no `{% csrf_token %}`); anything else is a TemplateSyntaxError.

The output is kept on the compiled node (Django's cached template loader keeps one per process), keyed on the
language, the URL prefix and the URL configuration; a changed setting (a test's override) forgets every one.
"""

import threading

from django import template
from django.core.signals import setting_changed
from django.template.base import Node, TextNode, Variable, VariableNode
from django.template.defaulttags import CommentNode, URLNode
from django.templatetags.i18n import TranslateNode
from django.templatetags.static import StaticNode
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django_htmx.templatetags import django_htmx

register = template.Library()


class _Generation:
    value = 0


def _forget_all(**kwargs) -> None:
    _Generation.value += 1


def generation() -> int:
    """Moves on with every changed setting: output kept under an older one is never used again."""
    return _Generation.value


setting_changed.connect(_forget_all, dispatch_uid="once-tag-forget")


def _literal(expression) -> bool:
    """A template argument that is a constant: a quoted string or a number, with no filter."""
    if expression.filters:
        return False
    var = expression.var
    return not isinstance(var, Variable) or var.literal is not None


def _check(node: Node) -> None:
    if isinstance(node, (TextNode, CommentNode)):
        return
    if isinstance(node, TranslateNode) and node.asvar is None and _literal(node.filter_expression):
        return
    if (
        isinstance(node, URLNode)
        and node.asvar is None
        and _literal(node.view_name)
        and all(_literal(arg) for arg in node.args)
        and all(_literal(arg) for arg in node.kwargs.values())
    ):
        return
    if isinstance(node, StaticNode) and node.varname is None and _literal(node.path):
        return
    what = "a variable" if isinstance(node, VariableNode) else type(node).__name__
    raise template.TemplateSyntaxError(
        f"{{% once %}} may hold only text, translations, URLs and static paths with literal arguments, not {what}"
    )


class OnceNode(Node):
    # Not searched for blocks (it may hold none): `{% extends %}` walks the parent's whole tree on every render.
    child_nodelists = ()

    def __init__(self, nodelist):
        self.nodelist = nodelist
        self.rendered: dict[tuple, str] = {}
        self.lock = threading.Lock()

    def render(self, context):
        key = (generation(), get_language(), get_script_prefix(), get_urlconf(), context.autoescape)
        output = self.rendered.get(key)
        if output is None:
            output = mark_safe(self.nodelist.render(context))
            with self.lock:
                if len(self.rendered) > 64:  # old generations (settings changed in tests)
                    self.rendered.clear()
                self.rendered[key] = output
        return output


@register.tag
def once(parser, token):
    if len(token.split_contents()) != 1:
        raise template.TemplateSyntaxError("{% once %} takes no arguments")
    nodelist = parser.parse(("endonce",))
    parser.delete_first_token()
    for node in nodelist:
        _check(node)
    return OnceNode(nodelist)


_htmx_scripts: dict[str, tuple[int, str]] = {}  # the tags, with the generation they were built in


@register.simple_tag(takes_context=True)
def htmx_script_once(context) -> str:
    """django-htmx's `{% htmx_script %}` (a static-file lookup, and with DEBUG its debug script too), built once per
    generation of the settings. Pages carry no CSP nonce (core/middleware.py); one in the context is honoured by
    building the tags for that page alone."""
    nonce = context.get("csp_nonce")
    if nonce is not None:
        return django_htmx.htmx_script(context)
    built = _htmx_scripts.get("built")
    if built is None or built[0] != generation():
        built = _htmx_scripts["built"] = (generation(), django_htmx.htmx_script(context))
    return built[1]
