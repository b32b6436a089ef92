from tests.api.conftest import (  # noqa: F401 (fixtures)
    bank,
    bureau,
    empty_cache,
    make_platform,
)
