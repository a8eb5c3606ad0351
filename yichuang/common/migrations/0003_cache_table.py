"""The database cache's table (settings.CACHES without REDIS_URL): the throttles' shared counters.

``createcachetable`` makes the tables of every database cache in CACHES and skips those that exist,
so running it from ``migrate`` is idempotent, and with Redis configured it does nothing."""

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("common", "0002_change_marker")]

    operations = [migrations.RunPython(create_cache_tables, migrations.RunPython.noop, elidable=True)]
