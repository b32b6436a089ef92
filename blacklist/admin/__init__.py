"""Officials' admin. Full ID numbers never appear here: only the masked form."""

from blacklist.admin import imports, objections, platforms, publishing, registry

__all__ = ["imports", "objections", "platforms", "publishing", "registry"]
