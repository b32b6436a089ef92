"""Auditors see the screening guard's alerts and acknowledge them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = ["view_enumerationalert", "change_enumerationalert"]


def forwards(apps, schema_editor):
    # Permissions are normally created after all migrations; the group needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    auditor, _ = apps.get_model("auth", "Group").objects.get_or_create(name="auditor")
    auditor.permissions.add(
        *Permission.objects.filter(content_type__app_label="blacklist", codename__in=CODENAMES)
    )


def backwards(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name="auditor").first()
    if group is not None:
        group.permissions.remove(
            *apps.get_model("auth", "Permission").objects.filter(
                content_type__app_label="blacklist", codename__in=CODENAMES
            )
        )


class Migration(migrations.Migration):
    dependencies = [("blacklist", "0020_outside_abuse")]

    operations = [migrations.RunPython(forwards, backwards)]
