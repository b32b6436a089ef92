"""One index on subjects' region codes instead of PostgreSQL's two.

`db_index` on a CharField gives PostgreSQL a plain index and a LIKE-prefix one; the prefix
index alone serves the API's region filter and equality. Written by hand so that SQLite swaps
the index instead of rebuilding the table, as Django's AlterField would, and PostgreSQL builds
the new one and drops the old ones CONCURRENTLY, without locking out the subjects' writes (and,
with a DROP waiting in the queue, their reads) while ten million rows are indexed.
"""

from django.db import migrations, models

OLD = "blacklist_subject_region_code_e15c7675"


def _concurrently(schema_editor) -> str:
    return " CONCURRENTLY" if schema_editor.connection.vendor == "postgresql" else ""


def forwards(apps, schema_editor):
    how = _concurrently(schema_editor)
    opclass = " varchar_pattern_ops" if how else ""
    schema_editor.execute(
        f'CREATE INDEX{how} IF NOT EXISTS "subject_region_code" '
        f'ON "blacklist_subject" ("region_code"{opclass})'
    )
    schema_editor.execute(f'DROP INDEX{how} IF EXISTS "{OLD}"')
    schema_editor.execute(f'DROP INDEX{how} IF EXISTS "{OLD}_like"')


def backwards(apps, schema_editor):
    how = _concurrently(schema_editor)
    schema_editor.execute(
        f'CREATE INDEX{how} IF NOT EXISTS "{OLD}" ON "blacklist_subject" ("region_code")'
    )
    if how:
        schema_editor.execute(
            f'CREATE INDEX{how} IF NOT EXISTS "{OLD}_like" '
            'ON "blacklist_subject" ("region_code" varchar_pattern_ops)'
        )
    schema_editor.execute(f'DROP INDEX{how} IF EXISTS "subject_region_code"')


class Migration(migrations.Migration):
    atomic = False  # CREATE and DROP INDEX CONCURRENTLY run outside a transaction

    dependencies = [
        ("blacklist", "0030_matchkey_key_first"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="subject",
                    name="region_code",
                    field=models.CharField(max_length=6, verbose_name="region code"),
                ),
                migrations.AddIndex(
                    model_name="subject",
                    index=models.Index(
                        fields=["region_code"],
                        name="subject_region_code",
                        opclasses=["varchar_pattern_ops"],
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
