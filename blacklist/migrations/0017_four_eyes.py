from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("blacklist", "0016_snapshot_platform_audience"),
    ]

    operations = []
