"""The nightly rebuild of the published snapshots, at 02:30 in the portal's time zone."""

from django.db import migrations

NAME = "Rebuild the published snapshots"


def forwards(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="30",
        hour="2",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Asia/Shanghai",
    )
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "blacklist.tasks.rebuild_snapshots",
            "crontab": crontab,
            "kwargs": '{"reason": "nightly"}',
        },
    )


def backwards(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("blacklist", "0009_publishing"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    # 0011 was written beside this one on 0009; this keeps the graph one line.
    operations = [migrations.RunPython(forwards, backwards)]
