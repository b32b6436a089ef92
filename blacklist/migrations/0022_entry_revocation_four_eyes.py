"""Four eyes for revoking an entry: one official asks for it with the reason, another confirms.

A database default gives the reason of every entry already there an empty value (and of those
an import writes without naming the column), and only the few entries whose revocation was asked
for are indexed.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("blacklist", "0022_mask_stored_import_problems"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="entry",
            name="revocation_reason",
            field=models.TextField(
                blank=True, db_default="", default="", verbose_name="reason given for revoking"
            ),
        ),
        migrations.AddField(
            model_name="entry",
            name="revocation_requested_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="revocation asked for at"
            ),
        ),
        migrations.AddField(
            model_name="entry",
            name="revocation_requested_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="revocation asked for by",
            ),
        ),
        migrations.AddField(
            model_name="entry",
            name="revoked_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="revocation confirmed by",
            ),
        ),
        migrations.AddIndex(
            model_name="entry",
            index=models.Index(
                condition=models.Q(("revocation_requested_by__isnull", False)),
                fields=["revocation_requested_by"],
                name="entry_revocation_asked",
            ),
        ),
        migrations.AddConstraint(
            model_name="entry",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("revoked_by", models.F("revocation_requested_by")), _negated=True
                ),
                name="entry_revocation_four_eyes",
            ),
        ),
    ]
