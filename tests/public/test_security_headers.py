"""Headers and markup that keep injected scripts from running and pages from leaking."""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def csp(response) -> dict[str, list[str]]:
    directives = [part.split() for part in response["Content-Security-Policy"].split(";")]
    return {words[0]: words[1:] for words in directives if words}


def every_public_response(client: Client, urls: list[str]) -> list:
    """The public pages, plus the answers people get when something goes wrong."""
    responses = [client.get(url) for url in urls]
    responses.append(client.get("/search/", {"q": "张"}))  # refused: 400
    responses.append(client.get("/entries/no-such-entry/"))  # 404
    responses.append(client.get("/objections/ABCD-EFGH-JKMN/"))  # 404
    return responses


def test_public_pages_allow_scripts_only_from_the_site_itself(client, public_urls):
    for response in every_public_response(client, public_urls):
        policy = csp(response)
        assert policy["script-src"] == ["'self'"], response.request["PATH_INFO"]
        assert "'unsafe-inline'" not in policy.get("style-src", [])
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]


def test_public_pages_forbid_content_sniffing_and_limit_the_referrer(client, public_urls):
    for response in every_public_response(client, public_urls):
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] in {"same-origin", "no-referrer", "strict-origin"}
        assert response["X-Frame-Options"] == "DENY"


def test_public_pages_carry_no_inline_scripts_styles_or_event_handlers(client, public_urls):
    for response in every_public_response(client, public_urls):
        page = response.content.decode()
        path = response.request["PATH_INFO"]
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page, flags=re.I), path
        assert not re.search(r"<style\b", page, flags=re.I), path
        assert not re.search(r"\sstyle\s*=", page, flags=re.I), path
        assert not re.search(r"\son[a-z]+\s*=", page, flags=re.I), path


def test_the_too_many_requests_page_has_the_same_protection(client, settings):
    settings.SEARCH_RATE = "1/h"
    client.get("/search/", {"q": "张三"})

    response = client.get("/search/", {"q": "张三"})

    assert response.status_code == 429
    assert csp(response)["script-src"] == ["'self'"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_an_objection_status_page_is_not_kept_by_caches(client, public_urls):
    status_url = next(url for url in public_urls if re.fullmatch(r"/objections/[A-Z0-9-]+/", url))

    response = client.get(status_url)

    assert "no-store" in response["Cache-Control"]
    assert "noindex" in response["X-Robots-Tag"]
