"""Backups: a dump of the database restores into a fresh, empty database, and the data is there.

On PostgreSQL (CI) this is the procedure of docs/reliability.md, "Backups": `pg_dump --format=custom` of the
test database, `createdb`, `pg_restore --no-owner --exit-on-error`, then the checks (every table's row count,
the applied migrations, and rows a person would look for). On SQLite, the same with sqlite3's online backup API.
Never skipped: one of the two always runs. The restored database is dropped at the end, whatever happens."""

import os
import sqlite3
import subprocess
import sys
import uuid

import psycopg
import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from meetings.models import Action, ActionUpdate
from tests.factories import ActionFactory, MeetingFactory

pytestmark = pytest.mark.django_db(transaction=True)  # pg_dump sees only committed rows

MARKERS = ("BACKUP-ACTION-7f3a", "BACKUP-UPDATE-91c2")


@pytest.fixture
def seeded(learning_set, facilitator, member, other_set):
    action = ActionFactory(learning_set=learning_set, owner=member, text=f"{MARKERS[0]} ask the night shift")
    ActionUpdate.objects.create(
        action=action, author=member, note=f"{MARKERS[1]} asked two of them", status_after="in_progress"
    )
    MeetingFactory(learning_set=learning_set, starts_at=timezone.now() + timezone.timedelta(days=3))
    return action


def row_counts(cursor, tables) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
        counts[table] = cursor.fetchone()[0]
    return counts


def checks(cursor, tables) -> dict:
    """What the documented restore check looks at: every table's rows, the schema's migrations, and the data itself."""
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    migrations = cursor.fetchall()
    cursor.execute(
        "SELECT a.text, u.note, p.email FROM meetings_action a JOIN meetings_actionupdate u ON u.action_id = a.id "
        "JOIN accounts_user p ON p.id = a.owner_id"
    )
    # Action texts and notes are encrypted at rest: the restored tokens must still decrypt with the app's key.
    text, note = Action._meta.get_field("text"), ActionUpdate._meta.get_field("note")
    found = [(text.to_python(a), note.to_python(u), email) for a, u, email in cursor.fetchall()]
    return {"rows": row_counts(cursor, tables), "migrations": migrations, "found": found}


def migrations_are_current(database_url: str) -> bool:
    """The documented check of a restored database: `manage.py migrate --check` exits 0 when nothing is left."""
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "actionlearning.settings_test"}
    command = [sys.executable, "manage.py", "migrate", "--check"]
    return subprocess.run(command, env=env, cwd=django_settings.BASE_DIR, capture_output=True).returncode == 0


def pg_args() -> list[str]:
    settings = connection.settings_dict
    args = ["--host", settings["HOST"] or "127.0.0.1", "--port", str(settings["PORT"] or 5432)]
    return [*args, "--username", settings["USER"] or "postgres"]


def restore_postgresql(tmp_path, tables) -> dict:
    source = connection.settings_dict["NAME"]
    dump = tmp_path / "backup.dump"
    subprocess.run(["pg_dump", *pg_args(), "--format=custom", "--file", str(dump), source], check=True)
    fresh = f"{source}_restore_{uuid.uuid4().hex[:8]}"
    subprocess.run(["createdb", *pg_args(), fresh], check=True)
    try:
        subprocess.run(
            ["pg_restore", *pg_args(), "--no-owner", "--exit-on-error", "--dbname", fresh, str(dump)], check=True
        )
        settings = connection.settings_dict
        with psycopg.connect(
            dbname=fresh,
            user=settings["USER"],
            password=settings["PASSWORD"] or None,
            host=settings["HOST"] or None,
            port=settings["PORT"] or None,
        ) as restored:
            found = checks(restored.cursor(), tables)
        auth = settings["USER"] + (f":{settings['PASSWORD']}" if settings["PASSWORD"] else "")
        url = f"postgres://{auth}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{fresh}"
        return found | {"migrations_current": migrations_are_current(url)}
    finally:
        subprocess.run(["dropdb", *pg_args(), "--if-exists", "--force", fresh], check=True)


def restore_sqlite(tmp_path, tables) -> dict:
    copy = tmp_path / "restored.sqlite3"
    source = sqlite3.connect(connection.settings_dict["NAME"])
    target = sqlite3.connect(copy)
    try:
        source.backup(target)  # consistent even while others write
    finally:
        source.close()
        target.close()
    restored = sqlite3.connect(copy)
    try:
        found = checks(restored.cursor(), tables)
    finally:
        restored.close()
    return found | {"migrations_current": migrations_are_current(f"sqlite:///{copy}")}


def test_a_dump_restores_into_a_fresh_database_with_all_the_data(tmp_path, seeded, member):
    tables = sorted(connection.introspection.table_names())
    with connection.cursor() as cursor:
        before = checks(cursor, tables)
    assert before["found"] == [(f"{MARKERS[0]} ask the night shift", f"{MARKERS[1]} asked two of them", member.email)]
    assert before["rows"]["sets_learningset"] == 2 and before["rows"]["meetings_meeting"] == 1

    if connection.vendor == "postgresql":
        after = restore_postgresql(tmp_path, tables)
    else:
        after = restore_sqlite(tmp_path, tables)

    assert after == before | {"migrations_current": True}
