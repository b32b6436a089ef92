"""What a name search ranks its candidates by, read from indexes rather than rows.

- On PostgreSQL the gram index's table holds each subject's folded name beside its grams: the
  candidates the GIN index finds are checked and ranked from those rows, not from a subject
  row each. (SQLite's FTS5 table is contentless: there a subject is read, which costs little.)
- `entry_subject_listed` ends with the entry's id and `subject_name_key` with the subject's:
  which entries of the candidates are in force, and which subjects bear exactly the name, are
  answered from the indexes alone (an index-only scan on PostgreSQL; SQLite's indexes hold the
  id already, as their rowid).

Written by hand, as 0031: PostgreSQL builds each new index CONCURRENTLY under a new name,
drops the old one CONCURRENTLY and renames the new, without locking out writes while ten
million rows are indexed; SQLite swaps the index instead of rebuilding the table. Filling the
names is not so gentle: adding the column and making it NOT NULL lock the gram table (searches
wait for a scan of it, seconds at ten million), and the update rewrites every row once (the
table holds the old versions until vacuumed). Run it with the workers stopped: code from
before it writes gram rows without a name, which the NOT NULL refuses (an import then fails
and may be committed again); `rebuild_search_index` rewrites every row from the subjects.
"""

from django.db import migrations, models

INDEXES = {
    # name: (table, columns before, columns after)
    "subject_name_key": ("blacklist_subject", ["name_key"], ["name_key", "id"]),
    "entry_subject_listed": (
        "blacklist_entry",
        ["subject_id", "status", "term_end", "term_start", "notice_id"],
        ["subject_id", "status", "term_end", "term_start", "notice_id", "id"],
    ),
}


def _swap_indexes(schema_editor, which: int) -> None:
    postgresql = schema_editor.connection.vendor == "postgresql"
    for name, (table, *columns) in INDEXES.items():
        quoted = ", ".join(f'"{column}"' for column in columns[which])
        if postgresql:
            schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}_new"')
            schema_editor.execute(f'CREATE INDEX CONCURRENTLY "{name}_new" ON "{table}" ({quoted})')
            schema_editor.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')
            schema_editor.execute(f'ALTER INDEX "{name}_new" RENAME TO "{name}"')
        else:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')
            schema_editor.execute(f'CREATE INDEX "{name}" ON "{table}" ({quoted})')


def _names_in_gram_index(schema_editor) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    from blacklist.public.search import INDEX_TABLE

    # a table made by 0005 with today's code has the column already
    schema_editor.execute(f"ALTER TABLE {INDEX_TABLE} ADD COLUMN IF NOT EXISTS name_key text")
    schema_editor.execute(
        f"UPDATE {INDEX_TABLE} n SET name_key = s.name_key FROM blacklist_subject s "  # noqa: S608
        "WHERE s.id = n.subject_id AND n.name_key IS DISTINCT FROM s.name_key"
    )
    # rows of subjects that are gone (left behind by a flush of the tables Django knows)
    schema_editor.execute(
        f"DELETE FROM {INDEX_TABLE} n WHERE NOT EXISTS "  # noqa: S608
        "(SELECT 1 FROM blacklist_subject s WHERE s.id = n.subject_id)"
    )
    schema_editor.execute(f"ALTER TABLE {INDEX_TABLE} ALTER COLUMN name_key SET NOT NULL")
    schema_editor.execute(f"ANALYZE {INDEX_TABLE}")


def forwards(apps, schema_editor):
    _names_in_gram_index(schema_editor)
    _swap_indexes(schema_editor, 1)


def backwards(apps, schema_editor):
    _swap_indexes(schema_editor, 0)
    if schema_editor.connection.vendor == "postgresql":
        from blacklist.public.search import INDEX_TABLE

        schema_editor.execute(f"ALTER TABLE {INDEX_TABLE} DROP COLUMN IF EXISTS name_key")


class Migration(migrations.Migration):
    atomic = False  # CREATE and DROP INDEX CONCURRENTLY run outside a transaction

    dependencies = [
        ("blacklist", "0031_subject_region_code_one_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="subject", name="subject_name_key"),
                migrations.AddIndex(
                    model_name="subject",
                    index=models.Index(fields=["name_key", "id"], name="subject_name_key"),
                ),
                migrations.RemoveIndex(model_name="entry", name="entry_subject_listed"),
                migrations.AddIndex(
                    model_name="entry",
                    index=models.Index(
                        fields=["subject", "status", "term_end", "term_start", "notice", "id"],
                        name="entry_subject_listed",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
