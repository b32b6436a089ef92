"""The candidate keys' primary key leads with the key, and the (key, subject) index goes: one
index where an import wrote every key into two (see MatchKey). Django does not migrate the
fields of a composite primary key, so the tables are changed here by hand."""

from django.db import migrations, models

# SQLite keeps a primary key in the table's definition: the table is made again, as Django
# creates it for the model.
SQLITE_TABLE = (
    'CREATE TABLE "{name}" ("key" bigint NOT NULL, "kind" smallint unsigned NOT NULL '
    'CHECK ("kind" >= 0), "subject_id" bigint NOT NULL, PRIMARY KEY ({primary_key}))'
)
SQLITE_COPY = (
    'INSERT INTO "{name}" ("key", "kind", "subject_id") '
    'SELECT "key", "kind", "subject_id" FROM "blacklist_matchkey"'
)


def _primary_key(schema_editor, columns: str) -> None:  # noqa: ANN001
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            'ALTER TABLE "blacklist_matchkey" DROP CONSTRAINT blacklist_matchkey_pkey'
        )
        schema_editor.execute(f'ALTER TABLE "blacklist_matchkey" ADD PRIMARY KEY ({columns})')
        return
    schema_editor.execute(SQLITE_TABLE.format(name="blacklist_matchkey_new", primary_key=columns))
    schema_editor.execute(SQLITE_COPY.format(name="blacklist_matchkey_new"))
    schema_editor.execute('DROP TABLE "blacklist_matchkey"')  # with its indexes
    schema_editor.execute('ALTER TABLE "blacklist_matchkey_new" RENAME TO "blacklist_matchkey"')


def key_first(apps, schema_editor) -> None:  # noqa: ANN001
    _primary_key(schema_editor, '"key", "subject_id"')
    schema_editor.execute('DROP INDEX IF EXISTS "matchkey_key_subject"')


def subject_first(apps, schema_editor) -> None:  # noqa: ANN001
    _primary_key(schema_editor, '"subject_id", "key"')
    schema_editor.execute(
        'CREATE INDEX "matchkey_key_subject" ON "blacklist_matchkey" ("key", "subject_id")'
    )


class Migration(migrations.Migration):
    dependencies = [
        ("blacklist", "0029_entry_subject_listed_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(key_first, subject_first)],
            state_operations=[
                migrations.RemoveIndex(model_name="matchkey", name="matchkey_key_subject"),
                migrations.AlterField(
                    model_name="matchkey",
                    name="pk",
                    field=models.CompositePrimaryKey(
                        "key",
                        "subject_id",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
            ],
        ),
    ]
