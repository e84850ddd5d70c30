"""`{% per_viewer arg ... %}...{% endper_viewer %}`: a piece of the layout that shows only the logged-in person's own
things (their name, their organisations), rendered once per version of that person and kept in this process.

The key is the person, their version token (accounts/versions.py `user_version`: their row, their organisations
and memberships, and any rename of an organisation they belong to bump it), the language, the URL prefix and
configuration, and the arguments, which must name everything else the piece shows differently for (the top bar:
the organisation of the page). So what goes inside may show the person and what their version covers, `{% once %}`
pieces and the arguments, and nothing else: no CSRF token, no message, nothing of the request or of another
person. For someone not logged in it renders as if the tag were not there.

The top bar is a few dozen nodes (a URL reversed for each organisation, the switcher's loop): rendering it on each
request cost a quarter of the layout's template time.
"""

from django import template
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from accounts.versions import user_version
from core.memo import LocalLRU
from core.templatetags.once import generation

register = template.Library()

rendered: LocalLRU[str] = LocalLRU(5000)


class PerViewerNode(template.Node):
    child_nodelists = ("nodelist",)

    def __init__(self, nodelist, args):
        self.nodelist = nodelist
        self.args = args

    def render(self, context):
        request = context.get("request")
        user = getattr(request, "user", None)
        if request is None or user is None or not user.is_authenticated:
            return self.nodelist.render(context)
        key = (
            self.origin.name,  # where the piece is (set by the parser): the same key for the same piece only
            self.token.position,
            generation(),
            user.pk,
            user_version(request, user.pk),
            get_language(),
            get_script_prefix(),
            get_urlconf(),
            context.autoescape,
            *(arg.resolve(context) for arg in self.args),
        )
        output = rendered.get(key)
        if output is None:
            output = mark_safe(self.nodelist.render(context))
            rendered.put(key, output)
        return output


@register.tag
def per_viewer(parser, token):
    args = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    nodelist = parser.parse(("endper_viewer",))
    parser.delete_first_token()
    return PerViewerNode(nodelist, args)
