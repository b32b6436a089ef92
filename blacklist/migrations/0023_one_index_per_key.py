"""One index per key: unique and indexed columns declared as constraints and indexes, which on
PostgreSQL leaves out the LIKE-prefix copies that no query uses (see Subject.Meta)."""

import blacklist.registry.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("blacklist", "0022_entry_revocation_four_eyes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="entry",
            name="public_id",
            field=models.CharField(
                default=blacklist.registry.models.new_public_id,
                editable=False,
                max_length=24,
                verbose_name="public id",
            ),
        ),
        migrations.AlterField(
            model_name="subject",
            name="id_hmac",
            field=models.CharField(editable=False, max_length=64),
        ),
        migrations.AlterField(
            model_name="subject",
            name="name_key",
            field=models.CharField(editable=False, max_length=200, verbose_name="search key"),
        ),
        migrations.AddIndex(
            model_name="subject",
            index=models.Index(fields=["name_key"], name="subject_name_key"),
        ),
        migrations.AddConstraint(
            model_name="entry",
            constraint=models.UniqueConstraint(
                fields=("public_id",), name="entry_public_id_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="subject",
            constraint=models.UniqueConstraint(fields=("id_hmac",), name="subject_id_hmac_unique"),
        ),
    ]
