"""{% once %} (core/templatetags/once.py): static parts of the layout rendered once per language, and nothing per
request allowed inside."""

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.utils import translation


def compiled(body: str) -> Template:
    return Template("{% load i18n static once %}" + body)


@pytest.mark.parametrize(
    "body",
    [
        "{% once %}{{ user.email }}{% endonce %}",
        "{% once %}{% if user %}x{% endif %}{% endonce %}",
        "{% once %}{% csrf_token %}{% endonce %}",
        "{% once %}{% url 'sets:organisation' org.slug %}{% endonce %}",
        "{% once %}{% translate name %}{% endonce %}",
        "{% once %}{% static path %}{% endonce %}",
        "{% once %}{% url 'sets:home' as home %}{% endonce %}",
        "{% once %}{% translate 'Journal'|upper %}{% endonce %}",
    ],
)
def test_nothing_per_request_is_allowed_inside(body):
    with pytest.raises(TemplateSyntaxError):
        compiled(body)


def test_it_renders_what_the_template_would_in_each_language():
    body = "<a href=\"{% url 'sets:home' %}\">{% translate 'My actions' %}</a>{% static 'css/app.css' %}"
    once = compiled("{% once %}" + body + "{% endonce %}")
    plain = compiled(body)
    for language in ("en-gb", "de", "fr", "de"):
        with translation.override(language):
            assert once.render(Context()) == plain.render(Context())
    with translation.override("de"):
        assert "Meine Vorhaben" in once.render(Context())


def test_the_output_is_kept_per_language():
    once = compiled("{% once %}{% translate 'Journal' %}{% endonce %}")
    node = next(node for node in once.nodelist if type(node).__name__ == "OnceNode")
    with translation.override("en-gb"):
        assert once.render(Context()) == "Journal"
        (key,) = node.rendered
        node.rendered[key] = "KEPT"
        assert once.render(Context()) == "KEPT"
    with translation.override("fr"):
        assert once.render(Context()) != "KEPT"


def test_the_htmx_script_is_django_htmx_s_own_kept_per_settings(settings):
    once = Template("{% load once %}{% htmx_script_once %}")
    plain = Template("{% load django_htmx %}{% htmx_script %}")
    for debug in (False, True, False):
        settings.DEBUG = debug  # a changed setting: built again
        assert once.render(Context()) == plain.render(Context())
        assert ("django-htmx.js" in once.render(Context())) is debug
