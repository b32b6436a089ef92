from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Demo data, synthetic lists and benchmarks: for development and `make bench`."""

    name = "devtools"
    verbose_name = "development tools"
