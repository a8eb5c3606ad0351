"""DRF's authtoken kept each staff API token as it is (``authtoken_token.key``): whoever read the
database could act as any user (issue 15). Tokens are now django-rest-knox digests with an expiry
(``yichuang.org.tokens``); the old plain tokens are dropped, not converted — a digest of a token
that was readable cannot make it secret again. Staff and integrations sign in once more
(``POST /api/v1/auth/token/``)."""

from django.db import migrations


def drop_plain_tokens(apps, schema_editor):
    connection = schema_editor.connection
    if "authtoken_token" in connection.introspection.table_names():
        schema_editor.execute("DROP TABLE authtoken_token")
    schema_editor.execute("DELETE FROM django_migrations WHERE app = 'authtoken'")


class Migration(migrations.Migration):
    dependencies = [("common", "0003_cache_table")]

    operations = [migrations.RunPython(drop_plain_tokens, migrations.RunPython.noop, elidable=True)]
