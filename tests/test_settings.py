"""Start-up configuration: production refuses to run on generated keys."""

import os
import subprocess
import sys

from django.conf import settings

from blacklist.identity import generate_encryption_key

CHECK = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "ERROR"]


def run_with(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        # the keys under test, and what the browser tests set for their own process
        if k
        not in ("SECRET_KEY", "ID_LOOKUP_KEY", "FIELD_ENCRYPTION_KEYS", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    return subprocess.run(
        CHECK, cwd=settings.BASE_DIR, env=base | env, capture_output=True, text=True, timeout=60
    )


def test_production_refuses_to_start_without_keys(tmp_path):
    result = run_with({"DEBUG": "0", "VAR_DIR": str(tmp_path), "ALLOWED_HOSTS": "portal.example"})
    assert result.returncode != 0
    assert "SECRET_KEY, ID_LOOKUP_KEY, FIELD_ENCRYPTION_KEYS" in result.stderr
    assert not (tmp_path / "dev-keys.json").exists()


def test_production_starts_with_keys_from_the_environment(tmp_path):
    result = run_with(
        {
            "DEBUG": "0",
            "VAR_DIR": str(tmp_path),
            "ALLOWED_HOSTS": "portal.example",
            "SECRET_KEY": "x" * 60 + "production-secret-key-with-enough-entropy",
            "ID_LOOKUP_KEY": "lookup-key-for-tests",
            "FIELD_ENCRYPTION_KEYS": ",".join(generate_encryption_key() for _ in "ab"),
        }
    )
    assert result.returncode == 0, result.stderr


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


def test_development_generates_its_keys_once(tmp_path):
    env = {"DEBUG": "1", "VAR_DIR": str(tmp_path)}
    first = run_with(env)
    keys = (tmp_path / "dev-keys.json").read_text()
    second = run_with(env)
    assert first.returncode == second.returncode == 0
    assert (tmp_path / "dev-keys.json").read_text() == keys


def test_the_clock_is_china_standard_time():
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.LANGUAGE_CODE == "zh-hans"
