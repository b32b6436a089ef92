"""Aliases, and the candidate index of scored checks, built for the subjects already there."""

import django.db.models.deletion
from django.db import migrations, models


def build(apps, schema_editor):
    from blacklist.registry import match_index

    match_index.rebuild_match_index()


class Migration(migrations.Migration):
    dependencies = [
        ("blacklist", "0027_monitor_hits_schedule"),
    ]

    operations = [
        migrations.CreateModel(
            name="Alias",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=200, verbose_name="name")),
                (
                    "name_key",
                    models.CharField(editable=False, max_length=200, verbose_name="search key"),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                (
                    "import_run",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="blacklist.importrun",
                        verbose_name="given by import",
                    ),
                ),
                (
                    "subject",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="aliases",
                        to="blacklist.subject",
                        verbose_name="subject",
                    ),
                ),
            ],
            options={
                "verbose_name": "alias",
                "verbose_name_plural": "aliases",
                "ordering": ["subject_id", "id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("subject", "name_key"), name="alias_once_per_subject"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="MatchKey",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "subject_id",
                        "key",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("key", models.BigIntegerField()),
                (
                    "kind",
                    models.PositiveSmallIntegerField(
                        choices=[
                            (1, "pinyin of a name"),
                            (2, "name with one character left out, with the birth date"),
                            (3, "organisation name without legal form"),
                        ]
                    ),
                ),
                (
                    "subject",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="blacklist.subject",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["key", "subject"], name="matchkey_key_subject")],
            },
        ),
        migrations.RunPython(build, migrations.RunPython.noop),
    ]
