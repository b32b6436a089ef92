"""Prepare a checkout for development: `python -m devtools.devenv` (run by `make run` and
`make test`).

Writes what the settings only read: the development keys in `var/dev-keys.json` (kept, so a
development database stays readable across restarts) and the folders of the embedded
defaults (SQLite file, filesystem broker, static files). Runs without Django, as the settings
refuse to load in development mode until the keys exist. Safe to run again: nothing that
exists is changed.
"""

import base64
import json
import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BROKER_FOLDERS = ("queue", "processed", "control")


def var_dir() -> Path:
    return Path(os.getenv("VAR_DIR", BASE_DIR / "var"))


def development_keys() -> dict[str, str]:
    return {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ID_LOOKUP_KEY": secrets.token_urlsafe(32),
        "FIELD_ENCRYPTION_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
    }


def prepare(var: Path) -> list[Path]:
    """Create what is missing under `var`; return what was created."""
    created = []
    for folder in [var, var / "static", *(var / "broker" / name for name in BROKER_FOLDERS)]:
        if not folder.exists():
            folder.mkdir(parents=True, exist_ok=True)  # two runs at once may both make it
            created.append(folder)
    keys = var / "dev-keys.json"
    if not keys.exists():
        # Written whole under another name, then linked into place, so a run started at the
        # same moment reads either no file or the whole of the first one made (never a half).
        partial = var / f".dev-keys-{os.getpid()}.json"
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # private
        with os.fdopen(descriptor, "w") as file:
            json.dump(development_keys(), file, indent=2)
        try:
            os.link(partial, keys)
            created.append(keys)
        except FileExistsError:
            pass  # another run made them first: theirs stand
        finally:
            partial.unlink()
    return created


if __name__ == "__main__":
    for path in prepare(var_dir()):
        print(f"created {path}")
