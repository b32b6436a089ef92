"""Prepare a checkout for development: `python -m devtools.devenv` (run by `make run` and
`make test`).

Writes what the settings only read: the development keys in `var/dev-keys.json` (kept, so a
development database stays readable across restarts) and the folders of the embedded
defaults (SQLite file, filesystem broker, static files). Runs without Django, as the settings
refuse to load in development mode until the keys exist. Safe to run again: nothing that
exists is changed; a key file made before a key was added gets that key and keeps the others.
"""

import base64
import json
import os
import secrets
from pathlib import Path

from blacklist.lib.signing import generate_signing_key

BASE_DIR = Path(__file__).resolve().parent.parent
BROKER_FOLDERS = ("queue", "processed", "control")


def var_dir() -> Path:
    return Path(os.getenv("VAR_DIR", BASE_DIR / "var"))


def development_keys() -> dict[str, str]:
    return {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ID_LOOKUP_KEY": secrets.token_urlsafe(32),
        "FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        # signs check receipts (Ed25519, the 32 bytes of the private key in base64url)
        "RECEIPT_SIGNING_KEY": generate_signing_key(),
    }


def prepare(var: Path) -> list[Path]:
    """Create what is missing under `var`; return what was created (or completed: a key
    file that lacked a key)."""
    created = []
    for folder in [var, var / "static", *(var / "broker" / name for name in BROKER_FOLDERS)]:
        if not folder.exists():
            folder.mkdir(parents=True, exist_ok=True)  # two runs at once may both make it
            created.append(folder)
    keys = var / "dev-keys.json"
    if not keys.exists():
        # Written whole under another name, then linked into place, so a run started at the
        # same moment reads either no file or the whole of the first one made (never a half).
        partial = _write_private(var, development_keys())
        try:
            os.link(partial, keys)
            created.append(keys)
        except FileExistsError:
            pass  # another run made them first: theirs stand
        finally:
            partial.unlink()
    elif _add_missing_keys(var, keys):
        created.append(keys)
    return created


def _add_missing_keys(var: Path, keys: Path) -> bool:
    """Add the keys a newer portal needs to an older file, keeping those it holds (the
    development database stays readable); the whole file is replaced at once."""
    held = json.loads(keys.read_text())
    missing = {name: key for name, key in development_keys().items() if name not in held}
    if not missing:
        return False
    partial = _write_private(var, held | missing)
    os.replace(partial, keys)
    return True


def _write_private(var: Path, keys: dict[str, str]) -> Path:
    partial = var / f".dev-keys-{os.getpid()}.json"
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # private
    with os.fdopen(descriptor, "w") as file:
        json.dump(keys, file, indent=2)
    return partial


if __name__ == "__main__":
    for path in prepare(var_dir()):
        print(f"created {path}")
