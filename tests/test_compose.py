"""docker-compose.yml, .env.example and settings.py must agree (no Docker engine here: the file is read)."""

import re
from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SETTINGS_SOURCE = (ROOT / "actionlearning" / "settings.py").read_text()
READ_BY_SETTINGS = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', SETTINGS_SOURCE))


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def app_environment(service: dict) -> dict:
    return service["environment"]


def test_compose_has_the_six_services():
    assert set(compose()["services"]) == {"web", "worker", "beat", "postgres", "redis", "mailpit"}


def test_web_runs_daphne_on_the_project_asgi_module_after_migrating():
    command = compose()["services"]["web"]["command"]
    assert "manage.py migrate" in command
    assert "daphne " in command
    assert "actionlearning.asgi:application" in command


def test_worker_and_beat_run_celery_on_the_project_app():
    services = compose()["services"]
    assert services["worker"]["command"].startswith("celery -A actionlearning worker")
    assert services["beat"]["command"].startswith("celery -A actionlearning beat")


def test_app_services_share_one_environment_that_settings_reads():
    services = compose()["services"]
    environments = [app_environment(services[name]) for name in ("web", "worker", "beat")]
    assert environments[0] == environments[1] == environments[2]
    unknown = set(environments[0]) - READ_BY_SETTINGS
    assert unknown == set(), f"compose sets variables settings.py never reads: {unknown}"


def test_app_environment_points_at_the_compose_services():
    environment = app_environment(compose()["services"]["web"])
    postgres = compose()["services"]["postgres"]["environment"]
    assert environment["DATABASE_URL"] == (
        f"postgres://{postgres['POSTGRES_USER']}:{postgres['POSTGRES_PASSWORD']}@postgres:5432/{postgres['POSTGRES_DB']}"
    )
    assert environment["CELERY_BROKER_URL"].startswith("redis://redis:6379/")
    assert environment["REDIS_URL"].startswith("redis://redis:6379/")
    assert environment["REDIS_URL"] != environment["CELERY_BROKER_URL"]
    assert "mailpit:1025" in environment["EMAIL_URL"]
    assert environment["DEBUG"] == "false"
    assert "SECRET_KEY" in environment


def test_app_services_wait_for_a_healthy_database():
    services = compose()["services"]
    assert "healthcheck" in services["postgres"]
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["postgres"] == {"condition": "service_healthy"}


def test_env_example_documents_exactly_what_settings_reads():
    text = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z_]+)=", text, flags=re.MULTILINE))
    assert documented == READ_BY_SETTINGS


def test_readme_names_the_two_commands_and_compose():
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme
    assert "make test" in readme
    assert "docker compose up" in readme


def test_redis_keeps_the_broker_queue_on_disk():
    """Celery's broker persists (append-only file on a volume); the outbox makes this belt and braces."""
    redis = compose()["services"]["redis"]
    assert "--appendonly yes" in redis["command"]
    [volume] = redis["volumes"]
    name, path = volume.split(":")
    assert path == "/data" and name in compose()["volumes"]
