"""{% sitewide %}: kept per language, and never holding what belongs to one request."""

import pytest
from django.template import TemplateSyntaxError, engines
from django.test import RequestFactory
from django.utils import translation

LOAD = "{% load i18n sitewide %}"


def render(source: str, **request: str) -> str:
    template = engines["django"].from_string(LOAD + source)
    return template.render({"who": "visitor"}, RequestFactory().get("/search/", **request))


def test_it_keeps_one_rendering_per_language():
    template = engines["django"].from_string(
        LOAD + '{% sitewide %}{% translate "Home" %}{% endsitewide %}'
    )
    request = RequestFactory().get("/")

    shown = []
    for language in ("en", "zh-hant", "en", "zh-hans"):
        with translation.override(language):
            shown.append(template.render({}, request))

    assert shown == ["Home", "首頁", "Home", "首页"]


def test_what_belongs_to_the_request_or_the_page_renders_empty_inside():
    page = render("{% sitewide %}[{{ request.path }}{{ csrf_token }}{{ who }}]{% endsitewide %}")

    assert page == "[]"


@pytest.mark.parametrize("tag", ["{% csrf_token %}", "{% block content %}{% endblock %}"])
def test_it_refuses_a_csrf_token_or_a_block(tag):
    with pytest.raises(TemplateSyntaxError, match="sitewide"):
        render("{% sitewide %}" + tag + "{% endsitewide %}")
