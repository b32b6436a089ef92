"""Monitors: a platform's customers as keyed hashes and its own references, the cursor that
reads the change feed for their hits, and the `monitor.hit` webhook event."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("blacklist", "0025_querylog_check_receipt"),
    ]

    operations = [
        migrations.CreateModel(
            name="HitCursor",
            fields=[
                ("name", models.CharField(max_length=40, primary_key=True, serialize=False)),
                ("seq", models.PositiveBigIntegerField(default=0)),
            ],
            options={
                "verbose_name": "monitor hits cursor",
                "verbose_name_plural": "monitor hits cursors",
            },
        ),
        migrations.CreateModel(
            name="MonitoredClient",
            fields=[],
            options={
                "verbose_name": "monitors of a client",
                "verbose_name_plural": "monitors per client",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("blacklist.apiclient",),
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
                    ("monitor.hit", "a monitored customer listed or off the list"),
                ],
                max_length=40,
                verbose_name="event",
            ),
        ),
        migrations.CreateModel(
            name="Monitor",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("ref", models.CharField(max_length=100, verbose_name="platform's reference")),
                ("id_hmac", models.CharField(editable=False, max_length=64)),
                (
                    "kind",
                    models.CharField(
                        choices=[("person", "person"), ("organisation", "organisation")],
                        max_length=20,
                        verbose_name="kind",
                    ),
                ),
                (
                    "since_seq",
                    models.PositiveBigIntegerField(
                        editable=False, verbose_name="hits after sequence"
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="registered at"
                    ),
                ),
                (
                    "updated_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="updated at"
                    ),
                ),
                (
                    "client",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="monitors",
                        to="blacklist.apiclient",
                        verbose_name="API client",
                    ),
                ),
            ],
            options={
                "verbose_name": "monitor",
                "verbose_name_plural": "monitors",
                "ordering": ["client", "ref"],
                "indexes": [models.Index(fields=["id_hmac"], name="monitor_id_hmac")],
                "constraints": [
                    models.UniqueConstraint(fields=("client", "ref"), name="monitor_ref_once"),
                    models.CheckConstraint(
                        condition=models.Q(("kind__in", ["person", "organisation"])),
                        name="monitor_kind_known",
                    ),
                ],
            },
        ),
    ]
