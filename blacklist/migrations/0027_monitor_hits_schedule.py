"""Monitor hits are collected every minute (and after each change); auditors see the counts
of monitored customers per client."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

NAME = "Collect monitor hits"
AUDITOR_SEES = ["view_monitoredclient"]


def forwards(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    interval, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    # A run not started within its minute is dropped: the next one reads on from the cursor.
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={
            "task": "blacklist.tasks.collect_monitor_hits",
            "interval": interval,
            "expire_seconds": 60,
        },
    )
    # Permissions are normally created after all migrations; the group needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    group, _ = apps.get_model("auth", "Group").objects.get_or_create(name="auditor")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="blacklist", codename__in=AUDITOR_SEES)
    )


def backwards(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()
    group = apps.get_model("auth", "Group").objects.filter(name="auditor").first()
    if group is not None:
        group.permissions.remove(
            *apps.get_model("auth", "Permission").objects.filter(
                content_type__app_label="blacklist", codename__in=AUDITOR_SEES
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("blacklist", "0026_monitors"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
