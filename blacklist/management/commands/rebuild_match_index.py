from django.core.management.base import BaseCommand
from django.db import transaction

from blacklist.registry import match_index


class Command(BaseCommand):
    help = "Rebuild the candidate index of scored checks from every subject's names."

    def handle(self, *args: object, **options: object) -> None:
        with transaction.atomic():
            count = match_index.rebuild_match_index()
        self.stdout.write(f"keys of {count} subjects rebuilt")
