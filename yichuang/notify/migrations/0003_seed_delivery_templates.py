"""Seed the templates added since 0002 (pickup signed, delivered home by the agent); existing rows are kept."""

from django.db import migrations


def seed(apps, schema_editor):
    from yichuang.notify.defaults import DEFAULT_TEMPLATES

    SmsTemplate = apps.get_model("notify", "SmsTemplate")
    for code, default in DEFAULT_TEMPLATES.items():
        SmsTemplate.objects.get_or_create(code=code, defaults={"name": default.name, "body": default.body})


class Migration(migrations.Migration):
    dependencies = [("notify", "0002_seed_templates")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
