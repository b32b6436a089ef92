"""Problems that imports stored before masking covered every column lose their ID numbers."""

from django.db import migrations

from blacklist.registry.redaction import redact_id_numbers


def _masked(value):
    if isinstance(value, str):
        return redact_id_numbers(value)
    if isinstance(value, list):
        return [_masked(item) for item in value]
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    return value


def forwards(apps, schema_editor):
    ImportRun = apps.get_model("blacklist", "ImportRun")
    fields = ("original_name", "refusal", "errors", "warnings")
    for run in ImportRun.objects.only("pk", *fields).iterator(chunk_size=200):
        masked = {field: _masked(getattr(run, field)) for field in fields}
        if any(masked[field] != getattr(run, field) for field in fields):
            ImportRun.objects.filter(pk=run.pk).update(**masked)


class Migration(migrations.Migration):
    dependencies = [("blacklist", "0021_guard_alert_permissions")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
