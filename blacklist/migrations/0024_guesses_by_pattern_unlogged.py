"""Guesses are found by their pattern first; on PostgreSQL their table is unlogged: counters
of the day, not records, so a request that counts them does not wait for the write-ahead
log, and a crash may forget them (the guard then counts from zero, as at midnight)."""

from django.db import migrations, models


def unlogged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE blacklist_guess SET UNLOGGED")


def logged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE blacklist_guess SET LOGGED")


class Migration(migrations.Migration):
    dependencies = [
        ("blacklist", "0023_one_index_per_key"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="guess",
            name="guess_once_a_day",
        ),
        migrations.AddConstraint(
            model_name="guess",
            constraint=models.UniqueConstraint(
                fields=("pattern", "day", "actor", "family", "guess"), name="guess_once_a_day"
            ),
        ),
        migrations.RunPython(unlogged, logged),
    ]
