"""Create a credit platform's API client; its key is printed once, alone on the last line."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from blacklist.platforms.clients import api_client_create
from blacklist.platforms.models import DEFAULT_DAILY_SUBJECT_QUOTA


class Command(BaseCommand):
    help = "Create an API client for a credit platform and print its key once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument("--scopes", required=True, help="comma-separated: lookup,feed,identity")
        parser.add_argument("--rate", type=int, default=600, help="requests per minute")
        parser.add_argument(
            "--quota",
            type=int,
            default=DEFAULT_DAILY_SUBJECT_QUOTA,
            help="subjects it may check per day",
        )
        parser.add_argument("--organisation", default="")
        parser.add_argument("--contact", default="")

    def handle(self, *args, **options) -> None:
        scopes = [s.strip() for s in options["scopes"].split(",") if s.strip()]
        try:
            client, key = api_client_create(
                name=options["name"],
                scopes=scopes,
                rate_per_minute=options["rate"],
                daily_subject_quota=options["quota"],
                organisation=options["organisation"],
                contact=options["contact"],
            )
        except ValidationError as error:
            messages = [f"{field}: {' '.join(errs)}" for field, errs in error.message_dict.items()]
            raise CommandError("; ".join(messages)) from None
        self.stderr.write(
            f"API client {client.name} (scopes {client.scopes}, {client.rate_per_minute}/min, "
            f"{client.daily_subject_quota} subjects a day) "
            "created. Its key follows; it is shown only this once."
        )
        self.stdout.write(key)
