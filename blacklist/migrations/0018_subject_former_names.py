from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("blacklist", "0017_four_eyes"),
    ]

    operations = []
