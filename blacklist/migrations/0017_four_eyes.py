"""Four eyes for every step that takes a listing off or puts one on.

Withdrawing a notice and upholding an objection are asked for by one official and confirmed
by another; an entry records the import that wrote it, so that a list committed to a draft
by mistake can be taken out again, and an import records who committed it (approval is
refused to everyone who put rows on the notice). Objection attachments are deleted a while
after the decision by a daily task.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

ATTACHMENT_TASK = "Delete objection attachments past retention"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    interval, _ = IntervalSchedule.objects.get_or_create(every=1, period="days")
    PeriodicTask.objects.get_or_create(
        name=ATTACHMENT_TASK,
        defaults={"task": "blacklist.tasks.purge_objection_attachments", "interval": interval},
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name=ATTACHMENT_TASK
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("blacklist", "0016_snapshot_platform_audience"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AddField(
            model_name="entry",
            name="import_run",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="blacklist.importrun",
                verbose_name="import",
            ),
        ),
        migrations.AddField(
            model_name="importrun",
            name="committed_by",
            field=models.ForeignKey(
                blank=True,
                help_text="empty when committed from the command line",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="committed by",
            ),
        ),
        migrations.AddField(
            model_name="notice",
            name="withdrawal_requested_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="withdrawal asked for at"
            ),
        ),
        migrations.AddField(
            model_name="notice",
            name="withdrawal_requested_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="withdrawal asked for by",
            ),
        ),
        migrations.AddField(
            model_name="notice",
            name="withdrawn_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="withdrawal confirmed by",
            ),
        ),
        migrations.AddField(
            model_name="objection",
            name="uphold_reason",
            field=models.TextField(blank=True, verbose_name="reason given for upholding"),
        ),
        migrations.AddField(
            model_name="objection",
            name="uphold_requested_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="upholding asked for at"
            ),
        ),
        migrations.AddField(
            model_name="objection",
            name="uphold_requested_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="upholding asked for by",
            ),
        ),
        migrations.AlterField(
            model_name="importrun",
            name="status",
            field=models.CharField(
                choices=[
                    ("uploaded", "uploaded"),
                    ("validating", "validating"),
                    ("validated", "ready to commit"),
                    ("invalid", "has errors"),
                    ("refused", "file refused"),
                    ("committing", "committing"),
                    ("committed", "committed"),
                    ("failed", "failed"),
                    ("removed", "rows removed from the draft"),
                ],
                default="uploaded",
                max_length=20,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="notice",
            name="withdrawal_reason",
            field=models.TextField(
                blank=True,
                help_text="of a withdrawal asked for or done",
                verbose_name="withdrawal reason",
            ),
        ),
        migrations.AddConstraint(
            model_name="notice",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("withdrawn_by", models.F("withdrawal_requested_by")), _negated=True
                ),
                name="notice_withdrawal_four_eyes",
            ),
        ),
        migrations.AddConstraint(
            model_name="objection",
            constraint=models.CheckConstraint(
                condition=models.Q(("decided_by", models.F("uphold_requested_by")), _negated=True),
                name="objection_uphold_four_eyes",
            ),
        ),
        migrations.RunPython(schedule, unschedule),
    ]
