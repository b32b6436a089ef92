from django.core.management.base import BaseCommand

from devtools.demo import demo_load


class Command(BaseCommand):
    help = "Load the demonstration data from seeds/demo.json (fictional persons). Idempotent."

    def handle(self, *args: object, **options: object) -> None:
        result = demo_load()
        self.stdout.write(
            f"demo loaded: {result.notices_created} new notices, "
            f"{result.entries_created} new entries, {result.entries_expired} expired"
        )
