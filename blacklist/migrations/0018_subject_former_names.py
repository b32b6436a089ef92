import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("blacklist", "0017_four_eyes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="importrun",
            name="name_choice",
            field=models.CharField(
                blank=True,
                choices=[
                    ("keep", "keep the stored names"),
                    ("update", "record the file's spelling as the current name"),
                ],
                max_length=10,
                verbose_name="names of known subjects",
            ),
        ),
        migrations.AddField(
            model_name="importrun",
            name="name_choice_by",
            field=models.ForeignKey(
                blank=True,
                help_text="empty when committed from the command line",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="names chosen by",
            ),
        ),
        migrations.AddField(
            model_name="importrun",
            name="name_conflicts",
            field=models.PositiveIntegerField(
                default=0, verbose_name="rows naming a known subject differently"
            ),
        ),
        migrations.AddField(
            model_name="importrun",
            name="subjects_renamed",
            field=models.PositiveIntegerField(default=0, verbose_name="subjects renamed"),
        ),
        migrations.CreateModel(
            name="FormerName",
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
                    models.CharField(
                        db_index=True, editable=False, max_length=200, verbose_name="search key"
                    ),
                ),
                ("replaced_at", models.DateTimeField(verbose_name="replaced at")),
                (
                    "import_run",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="blacklist.importrun",
                        verbose_name="replaced by import",
                    ),
                ),
                (
                    "subject",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="former_names",
                        to="blacklist.subject",
                        verbose_name="subject",
                    ),
                ),
            ],
            options={
                "verbose_name": "former name",
                "verbose_name_plural": "former names",
                "ordering": ["subject_id", "replaced_at", "id"],
            },
        ),
    ]
