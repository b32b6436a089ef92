import pytest

from blacklist.models import Subject


@pytest.fixture
def full_id_numbers(db) -> list[str]:
    """Every plain ID number in the database: none may appear on a page."""
    return [subject.id_number() for subject in Subject.objects.all()]
