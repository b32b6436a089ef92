import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


PURGE_TASK = "Delete the screening guard's counts of past days"


def schedule_purge(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    interval, _ = IntervalSchedule.objects.get_or_create(every=1, period="hours")
    PeriodicTask.objects.get_or_create(
        name=PURGE_TASK,
        defaults={"task": "blacklist.tasks.purge_guard_counts", "interval": interval},
    )


def unschedule_purge(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=PURGE_TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("blacklist", "0018_subject_former_names"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.CreateModel(
            name="EnumerationAlert",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "channel",
                    models.CharField(
                        choices=[
                            ("api", "API (a credit platform)"),
                            ("search", "public search (a visitor's address)"),
                        ],
                        max_length=10,
                        verbose_name="channel",
                    ),
                ),
                ("actor", models.CharField(max_length=80, verbose_name="counted for")),
                ("address", models.CharField(blank=True, max_length=64, verbose_name="address")),
                (
                    "family",
                    models.CharField(
                        choices=[
                            ("id_mask", "ID numbers that differ only in the birth date"),
                            ("id_names", "names tried against one ID number"),
                            ("name_pattern", "names that differ in one character"),
                            ("id_searches", "ID number searches over the daily cap"),
                        ],
                        max_length=20,
                        verbose_name="pattern",
                    ),
                ),
                ("pattern", models.CharField(max_length=64, verbose_name="shared part (masked)")),
                ("day", models.DateField(verbose_name="day")),
                (
                    "guesses",
                    models.PositiveIntegerField(default=0, verbose_name="distinct guesses"),
                ),
                (
                    "refused",
                    models.PositiveIntegerField(default=0, verbose_name="requests refused"),
                ),
                (
                    "first_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="first seen"
                    ),
                ),
                (
                    "last_at",
                    models.DateTimeField(
                        db_index=True, default=django.utils.timezone.now, verbose_name="last seen"
                    ),
                ),
                (
                    "acknowledged_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="acknowledged at"),
                ),
            ],
            options={
                "verbose_name": "enumeration alert",
                "verbose_name_plural": "enumeration alerts",
                "ordering": ["-last_at"],
            },
        ),
        migrations.AddField(
            model_name="apiclient",
            name="daily_subject_quota",
            field=models.PositiveIntegerField(
                default=200000,
                help_text="how many subjects the client may check or look up per day (Asia/Shanghai)",
                verbose_name="subjects per day",
            ),
        ),
        migrations.AddIndex(
            model_name="subject",
            index=models.Index(fields=["id_masked"], name="subject_id_masked"),
        ),
        migrations.AddConstraint(
            model_name="apiclient",
            constraint=models.CheckConstraint(
                condition=models.Q(("daily_subject_quota__gte", 1)),
                name="api_client_quota_positive",
            ),
        ),
        migrations.AddField(
            model_name="enumerationalert",
            name="acknowledged_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="acknowledged by",
            ),
        ),
        migrations.AddField(
            model_name="enumerationalert",
            name="client",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="alerts",
                to="blacklist.apiclient",
                verbose_name="API client",
            ),
        ),
        migrations.AddConstraint(
            model_name="enumerationalert",
            constraint=models.UniqueConstraint(
                fields=("channel", "actor", "family", "pattern", "day"),
                name="enumeration_alert_once_a_day",
            ),
        ),
        migrations.CreateModel(
            name="Guess",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                ("actor", models.CharField(max_length=80)),
                (
                    "family",
                    models.CharField(
                        choices=[
                            ("id_mask", "ID numbers that differ only in the birth date"),
                            ("id_names", "names tried against one ID number"),
                            ("name_pattern", "names that differ in one character"),
                            ("id_searches", "ID number searches over the daily cap"),
                        ],
                        max_length=20,
                    ),
                ),
                ("pattern", models.CharField(max_length=64)),
                ("guess", models.CharField(max_length=64)),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("day", "actor", "family", "pattern", "guess"),
                        name="guess_once_a_day",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="ClientDailyUsage",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                ("subjects", models.PositiveIntegerField(default=0)),
                (
                    "client",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="blacklist.apiclient",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("client", "day"), name="client_usage_once_a_day"
                    )
                ],
            },
        ),
        migrations.RunPython(schedule_purge, unschedule_purge),
    ]
