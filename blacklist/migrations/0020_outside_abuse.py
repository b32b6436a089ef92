from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("blacklist", "0019_screening_guard"),
    ]

    operations = []
