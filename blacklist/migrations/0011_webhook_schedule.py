"""The task that sends due webhook deliveries, every minute."""

from django.db import migrations

NAME = "Send due webhook deliveries"


def forwards(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    interval, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    # A sweep not started within its minute is dropped: the next one does the same work.
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "blacklist.tasks.deliver_due_webhooks",
            "interval": interval,
            "expire_seconds": 60,
        },
    )


def backwards(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("blacklist", "0010_nightly_snapshots"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
