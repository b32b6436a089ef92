"""{% sitewide %}…{% endsitewide %}: markup the same on every page in a language, rendered once.

The header's links, the language names and the footer depend only on the active language, the
URLconf, the translations and the static files' manifest, none of which changes while a
process runs; rendering them on every request cost the search page about as much as reading
its results. Each block keeps its markup per language in the process.

What is inside sees an empty context, so nothing that belongs to one request — the CSRF
token, the path, the user — can be kept and shown to another: such a variable renders empty,
and `{% csrf_token %}` or a `{% block %}` (which a child page would fill) is refused outright.
"""

from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import Context, Library, Node, NodeList, TemplateSyntaxError
from django.template.base import Parser, Token
from django.template.defaulttags import CsrfTokenNode
from django.template.loader_tags import BlockNode
from django.urls import get_script_prefix
from django.utils import translation
from django.utils.safestring import SafeString

register = Library()
# Bumped when settings change (tests): markup rendered under the old ones is not reused.
_generation = 0


@receiver(setting_changed)
def _settings_changed(**kwargs: Any) -> None:
    global _generation
    _generation += 1


class SitewideNode(Node):
    def __init__(self, nodelist: NodeList) -> None:
        self.nodelist = nodelist
        self.rendered: dict[tuple[object, ...], SafeString] = {}

    def render(self, context: Context) -> SafeString:
        key = (_generation, translation.get_language(), get_script_prefix(), context.autoescape)
        markup = self.rendered.get(key)
        if markup is None:
            isolated = Context(
                autoescape=context.autoescape, use_l10n=context.use_l10n, use_tz=context.use_tz
            )
            isolated.template = context.template
            markup = self.rendered[key] = self.nodelist.render(isolated)
        return markup


@register.tag
def sitewide(parser: Parser, token: Token) -> SitewideNode:
    nodelist = parser.parse(("endsitewide",))
    parser.delete_first_token()
    if nodelist.get_nodes_by_type(CsrfTokenNode) or nodelist.get_nodes_by_type(BlockNode):
        raise TemplateSyntaxError(
            "{% sitewide %} is kept for every request: it cannot hold {% csrf_token %} or "
            "{% block %}."
        )
    return SitewideNode(nodelist)
