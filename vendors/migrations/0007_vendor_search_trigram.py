"""Trigram indexes for the vendor list's search on PostgreSQL.

The search is a substring match (`icontains`) on four columns, which Django writes as
`UPPER(column::text) LIKE UPPER(%s)`; no B-tree answers a substring, so without these the
database reads every row the other filters leave. GIN trigram indexes (pg_trgm) on exactly
those expressions answer it: at 10,000 vendors the search's page query went from 3.3 to 1.1 ms
(docs/performance.md). SQLite has no such index; there the search stays a scan.

pg_trgm ships with PostgreSQL and is a trusted extension (PostgreSQL 13+): the database's owner
may create it. Where the application's user may not, a superuser runs `CREATE EXTENSION
pg_trgm;` in the database once, then `migrate` again (docs/deployment.md)."""

from django.db import migrations

COLUMNS = ["name", "description", "models_used", "model_providers"]


def index_name(column: str) -> str:
    return f"vendor_{column}_trgm_idx"


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        installed = cursor.fetchone() is not None
    if not installed:
        try:
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except Exception as error:
            raise RuntimeError(
                "The vendor search needs the PostgreSQL extension pg_trgm, and this database "
                "user may not create it. Run `CREATE EXTENSION pg_trgm;` in this database as "
                f"a superuser, then run migrate again. ({error})"
            ) from error
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {index_name(column)} ON vendors_vendor "
            f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {index_name(column)}")


class Migration(migrations.Migration):
    dependencies = [("vendors", "0006_logentry_vendor_index")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
