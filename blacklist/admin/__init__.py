"""Officials' admin. Full ID numbers never appear here: only the masked form."""

from blacklist.admin import imports, registry

__all__ = ["imports", "registry"]
