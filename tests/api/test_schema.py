"""The OpenAPI document, the docs page, and schemathesis against a live server."""

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client

from blacklist.platforms.clients import api_client_create
from blacklist.snapshots import services as snapshots
from tests.factories.listings import register_of_every_kind

CONTRACT_PATHS = {
    "/api/v1/programmes/": {"get"},
    "/api/v1/notices/": {"get"},
    "/api/v1/notices/{id}/": {"get"},
    "/api/v1/entries/": {"get"},
    "/api/v1/entries/{public_id}/": {"get"},
    "/api/v1/checks/": {"post"},
    "/api/v1/keys/": {"get"},
    "/api/v1/changes/": {"get"},
    "/api/v1/monitors/": {"get", "post", "delete"},
    "/api/v1/monitors/{ref}/": {"delete"},
    "/api/v1/exports/": {"get"},
    "/api/v1/exports/{id}/download/": {"get"},
}

# Needs no key: the public keys that verify receipts.
PUBLIC_PATHS = {"/api/v1/keys/"}


@pytest.fixture
def schema(db) -> dict:
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_the_schema_describes_every_endpoint_of_the_contract(schema):
    assert schema["openapi"].startswith("3.")
    assert {path: set(ops) for path, ops in schema["paths"].items()} == CONTRACT_PATHS


def test_the_schema_declares_the_key_scheme_and_every_error(schema):
    scheme = schema["components"]["securitySchemes"]["ApiKey"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            if path in PUBLIC_PATHS:
                assert operation["security"] == [], (path, method)
                assert codes == {"200", "405", "406"}, (path, method)
                continue
            assert {"ApiKey": []} in operation["security"], (path, method)
            assert {"200", "401", "403", "405", "406", "429"} <= codes, (path, method)
            assert "Retry-After" in operation["responses"]["429"]["headers"]
            # 400 where the caller sends something, 404 where a path names an object
            has_input = "requestBody" in operation or any(
                p["in"] == "query" for p in operation.get("parameters", [])
            )
            assert ("400" in codes) == has_input, (path, method)
            assert ("404" in codes) == ("{" in path or "cursor" in str(operation)), (path, method)
    checks = schema["paths"]["/api/v1/checks/"]["post"]
    assert {"413", "415"} <= set(checks["responses"])
    assert "Needs the scope `lookup`" in checks["description"]
    assert "Needs the scope `feed`" in schema["paths"]["/api/v1/changes/"]["get"]["description"]
    for name in ("CheckRequest", "CheckSubjectRequest"):
        assert schema["components"]["schemas"][name]["additionalProperties"] is False


def test_monitors_are_described_with_their_scope_and_bodies(schema):
    monitors = schema["paths"]["/api/v1/monitors/"]
    for method in ("get", "post", "delete"):
        assert "Needs the scope `feed`" in monitors[method]["description"], method
    assert "monitor.hit" in monitors["post"]["description"]
    assert {"413", "415", "429"} <= set(monitors["post"]["responses"])
    removal = monitors["delete"]["requestBody"]["content"]["application/json"]["schema"]
    assert removal == {"$ref": "#/components/schemas/MonitorRemovalRequest"}
    schemas = schema["components"]["schemas"]
    for name in ("MonitorRegistrationRequest", "MonitorSubjectRequest", "MonitorRemovalRequest"):
        assert schemas[name]["additionalProperties"] is False
    assert set(schemas["MonitorRegistrationResponse"]["properties"]) == {
        "registered",
        "updated",
        "unchanged",
        "already_listed",
        "last_seq",
    }
    assert {p["name"] for p in monitors["get"]["parameters"]} == {"ref", "cursor", "page_size"}


def test_the_entries_filters_are_documented(schema):
    names = {p["name"] for p in schema["paths"]["/api/v1/entries/"]["get"]["parameters"]}
    assert {
        "notice",
        "programme",
        "status",
        "region",
        "name",
        "id_number",
        "listed",
        "term_start_from",
        "term_start_to",
        "term_end_from",
        "term_end_to",
        "changed_since",
        "cursor",
        "page_size",
    } <= names


def test_the_schema_passes_the_openapi_validator(db):
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    assert "/api/v1/checks/" in out.getvalue()


def test_the_docs_page_loads_its_scripts_from_the_portal_without_inline_code(db):
    page = Client().get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert not re.search(r"<script>(?!\s*</script>)", html) and "<style" not in html
    sources = re.findall(r'<script src="([^"]+)"', html)
    assert len(sources) == 3
    assert all(not src.startswith("http") for src in sources)
    init = Client().get(sources[-1].replace("&amp;", "&"))
    assert init.status_code == 200 and "SwaggerUIBundle" in init.content.decode()
    for src in sources[:2]:
        assert finders.find(src.removeprefix("/static/")), src


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_schemathesis_finds_no_server_error_and_no_answer_outside_the_schema(
    live_server, tmp_path, settings
):
    """Property-based requests from the schema alone, on a live server with every kind of
    notice, entry and objection, and snapshot files of every audience.

    `positive_data_acceptance` is left out on purpose: an ID number carries a check digit and
    `as_of` must not lie in the future, which a schema cannot express; those get a 400.
    """
    settings.MEDIA_ROOT = tmp_path / "media"
    register_of_every_kind()
    snapshots.snapshots_build(reason="test")
    _, key = api_client_create(
        name="schemathesis", scopes=["lookup", "feed", "identity"], rate_per_minute=100_000
    )
    st = Path(sys.executable).with_name("st")
    result = subprocess.run(
        [
            str(st),
            "run",
            f"{live_server.url}/api/schema/",
            "--header",
            f"Authorization: Api-Key {key}",
            "--checks",
            "all",
            "--exclude-checks",
            "positive_data_acceptance",
            "--max-examples",
            os.getenv("SCHEMATHESIS_EXAMPLES", "25"),
            "--workers",
            "1",
            "--seed",
            "20261125",
            "--report-dir",
            str(tmp_path),
        ],
        cwd=tmp_path,  # schemathesis keeps a cache in its working folder
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
