"""One index on subjects' region codes instead of PostgreSQL's two.

`db_index` on a CharField gives PostgreSQL a plain index and a LIKE-prefix one; the prefix
index alone serves the API's region filter and equality. Written by hand so that SQLite swaps
the index instead of rebuilding the table, as Django's AlterField would.
"""

from django.db import migrations, models

OLD = "blacklist_subject_region_code_e15c7675"


def forwards(apps, schema_editor):
    opclass = " varchar_pattern_ops" if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f'DROP INDEX IF EXISTS "{OLD}"')
    schema_editor.execute(f'DROP INDEX IF EXISTS "{OLD}_like"')
    schema_editor.execute(
        f'CREATE INDEX "subject_region_code" ON "blacklist_subject" ("region_code"{opclass})'
    )


def backwards(apps, schema_editor):
    schema_editor.execute('DROP INDEX IF EXISTS "subject_region_code"')
    schema_editor.execute(f'CREATE INDEX "{OLD}" ON "blacklist_subject" ("region_code")')
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX "{OLD}_like" ON "blacklist_subject" ("region_code" varchar_pattern_ops)'
        )


class Migration(migrations.Migration):
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
