"""Officials' admin, one module per capability. Full ID numbers never appear here: only the
masked form."""

from blacklist.admin import (
    adminlog,
    feed,
    guard,
    imports,
    monitoring,
    notices,
    objections,
    platforms,
    registry,
    snapshots,
    webhooks,
)

__all__ = [
    "adminlog",
    "feed",
    "guard",
    "imports",
    "monitoring",
    "notices",
    "objections",
    "platforms",
    "registry",
    "snapshots",
    "webhooks",
]
