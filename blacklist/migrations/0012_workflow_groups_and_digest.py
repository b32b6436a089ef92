"""The officials' groups and the monthly digest schedule.

Permissions follow the four-eyes workflow: importers prepare notices and import
lists, publishers approve, schedule, publish and withdraw them (never their own,
the services check), objection reviewers decide objections, auditors read everything.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW_ALL = [
    "blacklist.view_authority",
    "blacklist.view_programme",
    "blacklist.view_notice",
    "blacklist.view_subject",
    "blacklist.view_entry",
    "blacklist.view_changeevent",
    "blacklist.view_importrun",
    "blacklist.view_objection",
    "blacklist.view_apiclient",
    "blacklist.view_apikey",
    "blacklist.view_querylog",
    "blacklist.view_snapshot",
    "blacklist.view_subscription",
    "blacklist.view_delivery",
    "blacklist.view_deliveryattempt",
    "blacklist.view_digest",
    "admin.view_logentry",
    "django_celery_beat.view_periodictask",
]

GROUPS = {
    "importer": [
        "blacklist.view_authority",
        "blacklist.view_programme",
        "blacklist.view_notice",
        "blacklist.add_notice",
        "blacklist.change_notice",
        "blacklist.view_importrun",
        "blacklist.add_importrun",
        "blacklist.change_importrun",
        "blacklist.view_subject",
        "blacklist.view_entry",
    ],
    "publisher": [
        "blacklist.view_authority",
        "blacklist.view_programme",
        "blacklist.view_notice",
        "blacklist.approve_notice",
        "blacklist.publish_notice",
        "blacklist.withdraw_notice",
        "blacklist.view_importrun",
        "blacklist.view_subject",
        "blacklist.view_entry",
        "blacklist.revoke_entry",
        "blacklist.view_changeevent",
        "blacklist.view_snapshot",
        "blacklist.view_digest",
    ],
    "objection reviewer": [
        "blacklist.view_notice",
        "blacklist.view_subject",
        "blacklist.view_entry",
        "blacklist.view_objection",
        "blacklist.change_objection",
    ],
    "auditor": VIEW_ALL,
}

DIGEST_TASK = "Issue the monthly digest"


def forwards(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, labels in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for label in labels:
            app_label, codename = label.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    first_of_month, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="3",
        day_of_month="1",
        month_of_year="*",
        day_of_week="*",
        timezone="Asia/Shanghai",
    )
    PeriodicTask.objects.get_or_create(
        name=DIGEST_TASK,
        defaults={"task": "blacklist.tasks.issue_monthly_digest", "crontab": first_of_month},
    )


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(GROUPS)).delete()
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=DIGEST_TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("blacklist", "0011_webhook_schedule"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="entry",
            options={
                "ordering": ["notice_id", "id"],
                "permissions": [("revoke_entry", "Can revoke entries")],
                "verbose_name": "entry",
                "verbose_name_plural": "entries",
            },
        ),
        migrations.AlterModelOptions(
            name="notice",
            options={
                "ordering": ["-published_at", "-id"],
                "permissions": [
                    ("approve_notice", "Can approve notices prepared by another official"),
                    ("publish_notice", "Can schedule and publish approved notices"),
                    ("withdraw_notice", "Can withdraw published notices"),
                ],
                "verbose_name": "notice",
                "verbose_name_plural": "notices",
            },
        ),
        migrations.RunPython(forwards, backwards),
    ]
