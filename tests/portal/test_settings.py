"""Start-up configuration: production refuses to run on generated keys, passes Django's
deployment checks, and a switch set to a value that is neither on nor off stops the start."""

import json
import os
import secrets
import subprocess
import sys

import pytest
from cryptography.hazmat.primitives import serialization
from django.conf import settings

from blacklist.lib import signing
from blacklist.lib.sealing import generate_encryption_key

CHECK = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "ERROR"]
# What the suite's own process has set (DEBUG=1 among them), and the settings under test.
NOT_INHERITED = (
    "SECRET_KEY",
    "ID_LOOKUP_KEY",
    "FIELD_ENCRYPTION_KEYS",
    "RECEIPT_SIGNING_KEY",
    "RECEIPT_RETIRED_PUBLIC_KEYS",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_COOKIES",
    "CLIENT_IP_HEADER",
    "TRUSTED_PROXY_COUNT",
    "RATELIMIT_IP_META_KEY",
    "DATABASE_REPLICA_URLS",
)


def run_with(env: dict[str, str], command: list[str] = CHECK) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    return subprocess.run(
        command, cwd=settings.BASE_DIR, env=base | env, capture_output=True, text=True, timeout=60
    )


def production(tmp_path, **extra: str) -> dict[str, str]:
    """Production's environment with strong keys (DEBUG as in production: not set)."""
    return {
        "VAR_DIR": str(tmp_path),
        "ALLOWED_HOSTS": "portal.example",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ID_LOOKUP_KEY": secrets.token_urlsafe(32),
        "FIELD_ENCRYPTION_KEYS": generate_encryption_key(),
        "RECEIPT_SIGNING_KEY": signing.generate_signing_key(),
        **extra,
    }


def test_production_refuses_to_start_without_keys(tmp_path):
    result = run_with({"DEBUG": "0", "VAR_DIR": str(tmp_path), "ALLOWED_HOSTS": "portal.example"})
    assert result.returncode != 0
    assert "SECRET_KEY, ID_LOOKUP_KEY, FIELD_ENCRYPTION_KEYS, RECEIPT_SIGNING_KEY" in result.stderr
    assert not (tmp_path / "dev-keys.json").exists()


def test_production_refuses_to_start_without_the_receipt_signing_key(tmp_path):
    environment = production(tmp_path)
    del environment["RECEIPT_SIGNING_KEY"]

    result = run_with({"DEBUG": "0", **environment})

    assert result.returncode != 0
    assert "these settings are missing: RECEIPT_SIGNING_KEY" in result.stderr


def test_production_starts_with_keys_from_the_environment(tmp_path):
    retired = signing.load_private_key(signing.generate_signing_key()).public_key()
    result = run_with(
        {
            "DEBUG": "0",
            "VAR_DIR": str(tmp_path),
            "ALLOWED_HOSTS": "portal.example",
            "SECRET_KEY": "x" * 60 + "production-secret-key-with-enough-entropy",
            "ID_LOOKUP_KEY": "lookup-key-for-tests",
            "FIELD_ENCRYPTION_KEYS": ",".join(generate_encryption_key() for _ in "ab"),
            "RECEIPT_SIGNING_KEY": pem_private_key(),
            "RECEIPT_RETIRED_PUBLIC_KEYS": signing.public_key_text(retired),
        }
    )
    assert result.returncode == 0, result.stderr


def pem_private_key() -> str:
    """A signing key as `openssl genpkey -algorithm ed25519` writes it: PEM is accepted too."""
    key = signing.load_private_key(signing.generate_signing_key())
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@pytest.mark.parametrize(
    "wrong",
    [
        {"RECEIPT_SIGNING_KEY": "not-a-key"},
        {"RECEIPT_SIGNING_KEY": generate_encryption_key()[:-4]},  # 29 bytes
        {"RECEIPT_RETIRED_PUBLIC_KEYS": "not-a-key"},
    ],
    ids=["signing", "signing-short", "retired"],
)
def test_production_refuses_a_malformed_receipt_key(tmp_path, wrong):
    result = run_with(production(tmp_path, **wrong))

    name = next(iter(wrong))
    assert result.returncode != 0
    assert f"{name}" in result.stderr and "Ed25519" in result.stderr


def test_production_refuses_a_malformed_encryption_key(tmp_path):
    result = run_with(
        {
            "DEBUG": "0",
            "VAR_DIR": str(tmp_path),
            "SECRET_KEY": "s" * 60,
            "ID_LOOKUP_KEY": "lookup",
            "FIELD_ENCRYPTION_KEYS": "not-a-key",
        }
    )
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS" in result.stderr


def test_development_settings_write_nothing_and_ask_for_the_keys(tmp_path):
    var = tmp_path / "var"
    result = run_with({"DEBUG": "1", "VAR_DIR": str(var)})

    assert result.returncode != 0
    assert "python -m devtools.devenv" in result.stderr
    assert not var.exists()


def test_development_keys_are_made_once_by_the_devenv_command(tmp_path):
    var = tmp_path / "var"
    env = {"DEBUG": "1", "VAR_DIR": str(var)}
    made = run_with(env, [sys.executable, "-m", "devtools.devenv"])
    keys = (var / "dev-keys.json").read_text()
    again = run_with(env, [sys.executable, "-m", "devtools.devenv"])
    started = run_with(env)

    assert made.returncode == again.returncode == started.returncode == 0, started.stderr
    assert "created" in made.stdout and again.stdout == ""
    assert (var / "dev-keys.json").read_text() == keys
    assert set(json.loads(keys)) == {
        "SECRET_KEY",
        "ID_LOOKUP_KEY",
        "FIELD_ENCRYPTION_KEYS",
        "RECEIPT_SIGNING_KEY",
    }
    assert (var / "dev-keys.json").stat().st_mode & 0o777 == 0o600
    assert (var / "broker" / "queue").is_dir()


def test_the_devenv_command_adds_a_new_key_to_an_older_key_file_and_keeps_the_others(tmp_path):
    var = tmp_path / "var"
    env = {"DEBUG": "1", "VAR_DIR": str(var)}
    run_with(env, [sys.executable, "-m", "devtools.devenv"])
    held = json.loads((var / "dev-keys.json").read_text())
    older = {name: key for name, key in held.items() if name != "RECEIPT_SIGNING_KEY"}
    (var / "dev-keys.json").write_text(json.dumps(older))

    refused = run_with(env)
    added = run_with(env, [sys.executable, "-m", "devtools.devenv"])
    started = run_with(env)

    assert refused.returncode != 0 and "python -m devtools.devenv" in refused.stderr
    assert added.returncode == started.returncode == 0, started.stderr
    now = json.loads((var / "dev-keys.json").read_text())
    assert now.items() >= older.items() and now["RECEIPT_SIGNING_KEY"]
    assert (var / "dev-keys.json").stat().st_mode & 0o777 == 0o600


def test_the_clock_is_china_standard_time():
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.LANGUAGE_CODE == "zh-hans"


def test_debug_is_off_unless_set(tmp_path):
    result = run_with({"VAR_DIR": str(tmp_path), "ALLOWED_HOSTS": "portal.example"})

    assert result.returncode != 0
    assert "DEBUG is off and these settings are missing" in result.stderr
    assert not (tmp_path / "dev-keys.json").exists()


def test_production_settings_pass_the_deployment_checks_without_a_warning(tmp_path):
    result = run_with(production(tmp_path), [*CHECK[:-1], "WARNING"])

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    "choice",
    [
        {"SECURE_SSL_REDIRECT": "0"},
        {"SECURE_HSTS_INCLUDE_SUBDOMAINS": "off"},
        {"SECURE_HSTS_PRELOAD": "yes"},
        {"CLIENT_IP_HEADER": "X-Real-IP"},
        {"TRUSTED_PROXY_COUNT": "2"},
    ],
    ids=lambda choice: next(iter(choice)),
)
def test_the_documented_production_choices_stay_clean(tmp_path, choice):
    result = run_with(production(tmp_path, **choice), [*CHECK[:-1], "WARNING"])

    assert result.returncode == 0, result.stderr


# Requests through the real middleware of a production process, as the TLS proxy forwards
# them (a view that needs neither the database nor collected static files).
REQUESTS = """
import django, json
django.setup()
from django.test import Client
client = Client(HTTP_HOST="portal.example")
plain = client.get("/i18n/setlang/")
secure = client.get("/i18n/setlang/", headers={"X-Forwarded-Proto": "https"})
print(json.dumps({"plain": [plain.status_code, plain.get("Location")],
                  "secure": secure.status_code,
                  "hsts": secure.get("Strict-Transport-Security")}))
"""


def answers(env: dict[str, str]) -> dict:
    result = run_with(
        {**env, "DJANGO_SETTINGS_MODULE": "portal.settings"},
        [sys.executable, "-c", REQUESTS],
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_redirects_to_https_and_sends_hsts_for_a_year(tmp_path):
    seen = answers(production(tmp_path))

    assert seen["plain"] == [301, "https://portal.example/i18n/setlang/"]
    assert seen["secure"] == 302
    assert seen["hsts"] == "max-age=31536000; includeSubDomains"


def test_hsts_and_the_redirect_follow_the_environment(tmp_path):
    seen = answers(
        production(
            tmp_path,
            SECURE_SSL_REDIRECT="0",
            SECURE_HSTS_SECONDS="600",
            SECURE_HSTS_INCLUDE_SUBDOMAINS="0",
            SECURE_HSTS_PRELOAD="1",
        )
    )

    assert seen["plain"] == [302, "/"]
    assert seen["hsts"] == "max-age=600; preload"


@pytest.mark.parametrize(
    "setting", ["DEBUG=ture", "SECURE_SSL_REDIRECT=of", "SECURE_COOKIES=2", "DEBUG=enabled"]
)
def test_a_switch_that_is_neither_on_nor_off_stops_the_start(tmp_path, setting):
    name, _, value = setting.partition("=")
    result = run_with(production(tmp_path, **{name: value}))

    assert result.returncode != 0
    assert f"{name}={value!r}: use one of 1, true, yes, on (on) or 0, false, no, off" in (
        result.stderr
    )


@pytest.mark.parametrize(
    "wrong, says",
    [
        ({"RATELIMIT_IP_META_KEY": "HTTP_X_REAL_IP"}, "RATELIMIT_IP_META_KEY is no longer read"),
        (
            {"CLIENT_IP_HEADER": "X-Real-IP", "TRUSTED_PROXY_COUNT": "1"},
            "Set CLIENT_IP_HEADER or TRUSTED_PROXY_COUNT, not both",
        ),
    ],
)
def test_a_proxy_setting_that_cannot_work_stops_the_start(tmp_path, wrong, says):
    result = run_with(production(tmp_path, **wrong))

    assert result.returncode != 0
    assert says in result.stderr


# The databases a process is configured with (parsing a URL connects to nothing).
DATABASES = """
import django, json
django.setup()
from django.conf import settings
print(json.dumps({"replicas": settings.DATABASE_REPLICAS, "databases": {
    alias: [c["ENGINE"], c["HOST"], c["PORT"], c["NAME"], c["TEST"].get("MIRROR")]
    for alias, c in settings.DATABASES.items()}}))
"""
PRIMARY = "postgres://portal@db.internal:5432/portal"


def databases(env: dict[str, str]) -> dict:
    result = run_with(
        {**env, "DJANGO_SETTINGS_MODULE": "portal.settings"},
        [sys.executable, "-c", DATABASES],
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_replicas_every_alias_is_the_primary(tmp_path):
    seen = databases(production(tmp_path, DATABASE_URL=PRIMARY))

    assert seen["replicas"] == []
    assert list(seen["databases"]) == ["default"]


def test_each_replica_url_is_an_alias_that_mirrors_the_primary_in_tests(tmp_path):
    replicas = "postgres://portal@replica-a:5432/portal, postgres://portal@replica-b:5433/portal"
    seen = databases(production(tmp_path, DATABASE_URL=PRIMARY, DATABASE_REPLICA_URLS=replicas))

    postgresql = "django.db.backends.postgresql"
    assert seen["replicas"] == ["replica1", "replica2"]
    assert seen["databases"] == {
        "default": [postgresql, "db.internal", 5432, "portal", None],
        "replica1": [postgresql, "replica-a", 5432, "portal", "default"],
        "replica2": [postgresql, "replica-b", 5433, "portal", "default"],
    }


@pytest.mark.parametrize(
    "primary, replica, says",
    [
        (PRIMARY, "sqlite:///replica.sqlite3", "replicas are PostgreSQL servers"),
        ("sqlite:///portal.sqlite3", "postgres://portal@replica-a/portal", "needs a PostgreSQL"),
    ],
)
def test_a_replica_that_cannot_be_one_stops_the_start(tmp_path, primary, replica, says):
    result = run_with(production(tmp_path, DATABASE_URL=primary, DATABASE_REPLICA_URLS=replica))

    assert result.returncode != 0
    assert says in result.stderr


def test_postgresql_sessions_add_the_planner_settings_to_options_the_url_gives(monkeypatch):
    from portal.settings import database_settings

    monkeypatch.delenv("DATABASE_SESSION_SETTINGS", raising=False)
    given = database_settings("postgres://u@db/portal?options=-c%20statement_timeout%3D5000")
    assert given["OPTIONS"]["options"] == (
        "-c statement_timeout=5000 -c jit=off -c random_page_cost=1.1"
    )
    monkeypatch.setenv("DATABASE_SESSION_SETTINGS", "")
    assert "options" not in database_settings("postgres://u@db/portal").get("OPTIONS", {})
    assert "options" not in database_settings("sqlite:///x.sqlite3")["OPTIONS"]
