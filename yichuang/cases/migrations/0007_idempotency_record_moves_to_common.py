"""The idempotency records now belong to common (``common.0001_idempotency_record_from_cases``); the
table and its rows stay."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_idempotency_fingerprint"),
        ("common", "0001_idempotency_record_from_cases"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="IdempotencyRecord")],
            database_operations=[],
        ),
    ]
