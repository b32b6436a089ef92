from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("blacklist", "0018_subject_former_names"),
    ]

    operations = []
