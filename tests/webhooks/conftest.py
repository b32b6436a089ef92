from tests.snapshots.conftest import empty_cache, media  # noqa: F401  (autouse: files and counts of this test)
