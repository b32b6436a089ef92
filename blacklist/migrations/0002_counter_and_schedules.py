"""The change counter row and the default periodic tasks (editable in the admin afterwards)."""

from django.db import migrations

SCHEDULES = [
    # (task name, dotted task, every N minutes)
    ("Publish due notices", "blacklist.tasks.publish_due_notices", 1),
    ("Expire listings whose term ended", "blacklist.tasks.expire_due_entries", 60),
]


def forwards(apps, schema_editor):
    apps.get_model("blacklist", "ChangeCounter").objects.get_or_create(name="changes")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minutes in SCHEDULES:
        interval, _ = IntervalSchedule.objects.get_or_create(every=minutes, period="minutes")
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "interval": interval})


def backwards(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, _, _ in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("blacklist", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
