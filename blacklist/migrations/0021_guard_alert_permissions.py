"""Auditors see the screening guard's alerts; publishers see and acknowledge them."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = {
    "auditor": ["view_enumerationalert"],
    "publisher": ["view_enumerationalert", "change_enumerationalert"],
}


def forwards(apps, schema_editor):
    # Permissions are normally created after all migrations; the group needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = apps.get_model("auth", "Group").objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="blacklist", codename__in=codenames)
        )


def backwards(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group = apps.get_model("auth", "Group").objects.filter(name=name).first()
        if group is not None:
            group.permissions.remove(
                *Permission.objects.filter(
                    content_type__app_label="blacklist", codename__in=codenames
                )
            )


class Migration(migrations.Migration):
    dependencies = [("blacklist", "0020_outside_abuse")]

    operations = [migrations.RunPython(forwards, backwards)]
