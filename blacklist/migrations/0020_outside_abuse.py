"""Auditors read the login lockout's records (django-axes) as they read the admin log.

Unlocking (deleting an access attempt) stays with those who manage officials' accounts.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

AUDITOR_VIEWS = [
    ("axes", "view_accessattempt"),
    ("axes", "view_accesslog"),
    ("axes", "view_accessfailurelog"),
    ("admin", "view_logentry"),
]


def forwards(apps, schema_editor):
    # Permissions are normally created after all migrations; the group needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    auditor, _ = Group.objects.get_or_create(name="auditor")
    for app_label, codename in AUDITOR_VIEWS:
        auditor.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )


def backwards(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    group = apps.get_model("auth", "Group").objects.filter(name="auditor").first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="axes", codename__in=[c for _, c in AUDITOR_VIEWS[:3]]
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("blacklist", "0019_screening_guard"),
        ("axes", "0010_accessattemptexpiration"),
        ("admin", "0003_logentry_add_action_flag_choices"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
