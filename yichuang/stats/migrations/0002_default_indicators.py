"""The assessment indicators a county starts from (weights editable in the admin)."""

from django.db import migrations

DEFAULTS = {
    "on_time_rate": 30,
    "satisfaction_rate": 30,
    "immediate_share": 10,
    "compression": 10,
    "rectification_rate": 10,
    "one_visit_rate": 10,
}


def seed(apps, schema_editor):
    AssessmentIndicator = apps.get_model("stats", "AssessmentIndicator")
    for indicator, weight in DEFAULTS.items():
        AssessmentIndicator.objects.get_or_create(indicator=indicator, defaults={"weight": weight})


class Migration(migrations.Migration):
    dependencies = [("stats", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
