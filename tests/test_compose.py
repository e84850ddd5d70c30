"""docker-compose.yml, .env.example and settings.py must agree (no Docker engine here: the file is read)."""

import re
from pathlib import Path

import yaml
from django.conf import settings

from meetings.routing import websocket_urlpatterns

ROOT = Path(settings.BASE_DIR)
SETTINGS_SOURCE = (ROOT / "actionlearning" / "settings.py").read_text()
READ_BY_SETTINGS = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', SETTINGS_SOURCE))


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def app_environment(service: dict) -> dict:
    return service["environment"]


APP_SERVICES = ("web", "live", "worker", "beat")


def test_compose_has_the_eight_services():
    assert set(compose()["services"]) == {"proxy", "web", "live", "worker", "beat", "postgres", "redis", "mailpit"}


def test_web_serves_the_pages_on_gunicorn_after_migrating():
    command = compose()["services"]["web"]["command"]
    assert "manage.py migrate" in command
    assert "gunicorn actionlearning.wsgi:application" in command
    assert "--bind 0.0.0.0:8000" in command


def test_live_serves_the_room_sockets_on_daphne():
    command = compose()["services"]["live"]["command"]
    assert command.startswith("daphne ")
    assert "--port 8001" in command
    assert "actionlearning.asgi:application" in command


def test_the_proxy_sends_sockets_to_live_and_everything_else_to_web():
    proxy = compose()["services"]["proxy"]
    assert proxy["ports"] == ["8000:8000"]
    [mount] = proxy["volumes"]
    source, target, _mode = mount.split(":")
    assert target == "/etc/nginx/conf.d/default.conf"
    conf = (ROOT / source).read_text()
    assert "server web:8000;" in conf and "server live:8001;" in conf
    sockets = re.search(r"location /ws/ \{(.*?)\}", conf, re.DOTALL).group(1)
    assert "proxy_pass http://sockets;" in sockets
    assert "proxy_set_header Upgrade $http_upgrade;" in sockets
    assert "proxy_set_header Connection $connection_upgrade;" in sockets
    pages = re.search(r"location / \{(.*?)\}", conf, re.DOTALL).group(1)
    assert "proxy_pass http://pages;" in pages
    # The websocket path of the app is the one the proxy routes.
    assert all(str(pattern.pattern).startswith("ws/") for pattern in websocket_urlpatterns)


def test_worker_and_beat_run_celery_on_the_project_app():
    services = compose()["services"]
    assert services["worker"]["command"].startswith("celery -A actionlearning worker")
    assert services["beat"]["command"].startswith("celery -A actionlearning beat")


def test_app_services_share_one_environment_that_settings_reads():
    services = compose()["services"]
    environments = [app_environment(services[name]) for name in APP_SERVICES]
    assert all(environment == environments[0] for environment in environments)
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
    for name in APP_SERVICES:
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
