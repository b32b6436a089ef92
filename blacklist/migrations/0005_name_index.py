"""The gram index of subjects' names (see blacklist/search.py): FTS5 on SQLite, GIN on PostgreSQL."""

from django.db import migrations


def create(apps, schema_editor):
    from blacklist.public import search

    for sql in search.create_index_sql():
        schema_editor.execute(sql)
    Subject = apps.get_model("blacklist", "Subject")
    search.index_subjects(Subject.objects.values_list("id", "name_key").iterator())


def drop(apps, schema_editor):
    from blacklist.public import search

    for sql in search.drop_index_sql():
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("blacklist", "0004_drop_redundant_fk_indexes")]

    operations = [migrations.RunPython(create, drop)]
