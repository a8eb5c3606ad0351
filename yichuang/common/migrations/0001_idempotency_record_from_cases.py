"""The idempotency records move from cases to common (shared by cases, hotline, handover): the table
stays where it is (``cases_idempotencyrecord``); only Django's idea of which app owns it changes."""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_idempotency_fingerprint"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="IdempotencyRecord",
                    fields=[
                        ("key", models.CharField(max_length=200)),
                        ("scope", models.CharField(max_length=200)),
                        ("fingerprint", models.CharField(blank=True, default="", max_length=64)),
                        ("status_code", models.PositiveSmallIntegerField(default=0)),
                        ("response", models.JSONField(default=dict)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "id",
                            models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False),
                        ),
                        (
                            "actor",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "cases_idempotencyrecord",
                        "constraints": [
                            models.UniqueConstraint(fields=("actor", "scope", "key"), name="idempotency_unique")
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
