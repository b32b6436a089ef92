"""Officials' admin. Full ID numbers never appear here: only the masked form."""

from blacklist.admin import adminlog, guard, imports, objections, platforms, publishing, registry

__all__ = ["adminlog", "guard", "imports", "objections", "platforms", "publishing", "registry"]
