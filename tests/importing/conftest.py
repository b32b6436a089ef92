import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    """Uploaded files and spools go to the test's own folder, not to var/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _english():
    """Messages in English so that tests can read them; codes are the contract."""
    with translation.override("en"):
        yield
