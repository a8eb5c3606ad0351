"""Data migrations that seal (or open again) the personal data of existing rows, in batches.

Rows are read with a cursor (the raw column: plain before, ciphertext after — a run cut off half-way
is simply run again) in primary-key order, ``batch`` at a time, and written back with one prepared
``UPDATE … WHERE id = %s`` per row, sent as one ``executemany`` per batch. Cost: docs/operations.md ("个人信息加密").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from yichuang.pii.cipher import blind_index, is_sealed, seal, unseal
from yichuang.pii.fields import SealedCharField

BATCH = 2000


def _batches(model: Any, columns: list[str], batch: int, connection: Any) -> Iterator[list[tuple[Any, ...]]]:
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    cols = ", ".join(connection.ops.quote_name(c) for c in columns)
    last: Any = None
    while True:
        with connection.cursor() as cursor:
            if last is None:
                cursor.execute(f"SELECT {pk}, {cols} FROM {table} ORDER BY {pk} LIMIT %s", [batch])
            else:
                cursor.execute(
                    f"SELECT {pk}, {cols} FROM {table} WHERE {pk} > %s ORDER BY {pk} LIMIT %s", [last, batch]
                )
            rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def reseal(
    model: Any,
    connection: Any,
    *,
    batch: int = BATCH,
    key_id: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Seal every sealed column of ``model`` under ``key_id`` (default the current key), computing the
    indexes; rows already sealed under that key are left alone. Returns how many rows were written."""
    fields = [f for f in model._meta.concrete_fields if isinstance(f, SealedCharField)]
    if not fields:
        return 0
    context = {f.name: f"{model._meta.label}.{f.name}" for f in fields}
    indexed = [f for f in fields if f.index_name]
    quote = connection.ops.quote_name
    index_columns = [model._meta.get_field(str(f.index_name)).column for f in indexed]
    assignments = [f"{quote(f.column)} = %s" for f in fields] + [f"{quote(c)} = %s" for c in index_columns]
    update = (
        f"UPDATE {quote(model._meta.db_table)} SET {', '.join(assignments)} "
        f"WHERE {quote(model._meta.pk.column)} = %s"
    )
    written = 0
    for rows in _batches(model, [f.column for f in fields], batch, connection):
        params = []
        for pk, *values in rows:
            if key_id is not None and all(not v or v.startswith(f"s1.{key_id}.") for v in values):
                continue
            plain = {
                f.name: ""
                if raw is None
                else (unseal(raw, context=context[f.name]) if is_sealed(raw) else raw)
                for f, raw in zip(fields, values, strict=True)
            }
            sealed = [
                seal(plain[f.name], context=context[f.name], key_id=key_id) if plain[f.name] else raw
                for f, raw in zip(fields, values, strict=True)
            ]
            params.append(
                [*sealed, *(blind_index(plain[f.name], context=context[f.name]) for f in indexed), pk]
            )
        # One prepared UPDATE per row, sent together: linear in the batch (a bulk_update's CASE over
        # 2 000 ids is quadratic — 7.5 ms a row on SQLite).
        if params:
            with connection.cursor() as cursor:
                cursor.executemany(update, params)
        written += len(params)
        if progress is not None:
            progress(len(rows))
    return written


def seal_rows(app_label: str, model_name: str) -> Callable[[Any, Any], None]:
    """A ``RunPython`` forward function sealing one model's rows."""

    def forward(apps: Any, schema_editor: Any) -> None:
        from yichuang.pii.keys import keyring

        model = apps.get_model(app_label, model_name)
        # An empty table needs no key: a new production database migrates before its key file is in place.
        if model._base_manager.exists():
            reseal(model, schema_editor.connection, key_id=keyring().current)

    return forward


def open_rows(app_label: str, model_name: str, only: tuple[str, ...] = ()) -> Callable[[Any, Any], None]:
    """The reverse: the plain values back in the columns (for ``migrate`` backwards); ``only`` names the
    fields the migration being reversed sealed, when the model has others sealed before it."""

    def backward(apps: Any, schema_editor: Any) -> None:
        model = apps.get_model(app_label, model_name)
        connection = schema_editor.connection
        fields = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, SealedCharField) and (not only or f.name in only)
        ]
        table = connection.ops.quote_name(model._meta.db_table)
        pk = connection.ops.quote_name(model._meta.pk.column)
        sets = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
        for rows in _batches(model, [f.column for f in fields], BATCH, connection):
            params = [
                [
                    *(
                        unseal(v, context=f"{model._meta.label}.{f.name}") if v and is_sealed(v) else v
                        for f, v in zip(fields, values, strict=True)
                    ),
                    key,
                ]
                for key, *values in rows
            ]
            with connection.cursor() as cursor:
                cursor.executemany(f"UPDATE {table} SET {sets} WHERE {pk} = %s", params)

    return backward
