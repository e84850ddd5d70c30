"""On PostgreSQL, trigram indexes for the library's search (`icontains` on title and text), so that a search does
not read the whole library. Other databases (the embedded SQLite) skip both steps."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

# The expressions Django writes for `title__icontains` / `text__icontains` on PostgreSQL, so the planner uses them.
INDEXES = {
    "library_title_trgm": 'UPPER(("title")::text) gin_trgm_ops',
    "library_text_trgm": 'UPPER(("text")::text) gin_trgm_ops',
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, expression in INDEXES.items():
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "learning_libraryitem" USING gin ({expression})')


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("learning", "0001_initial")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
