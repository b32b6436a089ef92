"""Entries remember whether the change feed has listed them, so that an entry whose term
begins after publication is listed when it begins, and only listed entries are ended on
the feed. The start job and the expiry job run on the hour in the portal's time zone, so
a term that begins or ends at midnight reaches the feed within seconds."""

from django.db import migrations, models
from django.db.models import Exists, OuterRef

START_TASK = "List entries whose term began"
EXPIRY_TASK = "Expire listings whose term ended"


def forwards(apps, schema_editor):
    Entry = apps.get_model("blacklist", "Entry")
    ChangeEvent = apps.get_model("blacklist", "ChangeEvent")
    Entry.objects.filter(
        Exists(ChangeEvent.objects.filter(entry_id=OuterRef("pk"), kind="listed"))
    ).update(announced=True)

    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    hourly, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="*",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Asia/Shanghai",
    )
    PeriodicTask.objects.get_or_create(
        name=START_TASK,
        defaults={"task": "blacklist.tasks.start_due_entries", "crontab": hourly},
    )
    # Only the default hourly interval is moved; a schedule an operator changed stays.
    PeriodicTask.objects.filter(
        name=EXPIRY_TASK, interval__every=60, interval__period="minutes"
    ).update(interval=None, crontab=hourly)


def backwards(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=START_TASK).delete()
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    interval, _ = IntervalSchedule.objects.get_or_create(every=60, period="minutes")
    PeriodicTask.objects.filter(name=EXPIRY_TASK, crontab__isnull=False).update(
        crontab=None, interval=interval
    )


class Migration(migrations.Migration):
    dependencies = [
        ("blacklist", "0014_snapshot_rules"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AddField(
            model_name="entry",
            name="announced",
            field=models.BooleanField(
                default=False, editable=False, verbose_name="listed on the change feed"
            ),
        ),
        migrations.AlterField(
            model_name="delivery",
            name="event",
            field=models.CharField(
                choices=[
                    ("notice.published", "notice published"),
                    ("notice.withdrawn", "notice withdrawn"),
                    ("entries.listed", "entries listed when their term began"),
                    ("entries.expired", "entries expired"),
                    ("entry.revoked", "entry revoked"),
                ],
                max_length=40,
                verbose_name="event",
            ),
        ),
        migrations.AddIndex(
            model_name="entry",
            index=models.Index(
                condition=models.Q(("announced", False), ("status", "active")),
                fields=["term_start"],
                name="entry_start_due",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
