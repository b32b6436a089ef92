from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BlacklistConfig(AppConfig):
    name = "blacklist"
    verbose_name = _("penalty lists")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from blacklist.lib import logfilters, manyof  # noqa: F401 - manyof registers `one_of`

        logfilters.install()
        # registers the API key scheme with the OpenAPI generator
        # registers the tasks in every process, as follow-ups are queued by name
        from blacklist import tasks  # noqa: F401
        from blacklist.api import schema  # noqa: F401
