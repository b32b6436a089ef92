from django.core.management.base import BaseCommand
from django.db import transaction

from blacklist.public import search


class Command(BaseCommand):
    help = "Rebuild the gram index of names from the subjects (one transaction)."

    def handle(self, *args: object, **options: object) -> None:
        with transaction.atomic():
            count = search.rebuild_index()
        self.stdout.write(f"search index rebuilt: {count} subjects")
