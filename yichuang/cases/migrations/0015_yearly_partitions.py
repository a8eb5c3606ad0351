"""Cases, case events and the SMS outbox partitioned by year on PostgreSQL (decision 146).

Converts the populated tables in place (``yichuang.common.partitions.partition_table``); nothing on
SQLite. It runs after every migration that adds a foreign key to a case (those keys are re-pointed
at ``cases_casekey``); a later one must not add a foreign key to ``cases_case`` on PostgreSQL.
"""

from django.db import migrations


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from yichuang.common.partitions import PARTITIONED, partition_table

    with schema_editor.connection.cursor() as cursor:
        # Cases first: the case events' foreign key to them is re-pointed before events are converted.
        for table, key in PARTITIONED:
            partition_table(cursor, table, key)


def unpartition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from yichuang.common.partitions import PARTITIONED, unpartition_table

    with schema_editor.connection.cursor() as cursor:
        for table, key in reversed(PARTITIONED):
            unpartition_table(cursor, table, key)


class Migration(migrations.Migration):
    atomic = True

    dependencies = [
        ("cases", "0014_postcheck_commitment_breach_revoked"),
        ("notify", "0009_sealed_personal_data"),
        # Every migration that adds a foreign key to cases.Case.
        ("citizens", "0001_initial"),
        ("delivery", "0001_initial"),
        ("documents", "0001_seals_and_documents"),
        ("handover", "0001_handover_lists"),
        ("hotline", "0003_ticket_source_case_staff"),
        ("licenses", "0001_initial"),
        ("payments", "0001_initial"),
        ("queue", "0001_tickets_and_appointments"),
        ("ratings", "0001_initial"),
    ]

    operations = [migrations.RunPython(partition, unpartition, elidable=False)]
