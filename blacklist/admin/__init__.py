"""Officials' admin. Full ID numbers never appear here: only the masked form."""

from blacklist.admin import adminlog, imports, objections, platforms, publishing, registry

__all__ = ["adminlog", "imports", "objections", "platforms", "publishing", "registry"]
