"""The links of the first command: `PORT=8101 make run` sends and prints links to port 8101, not 8000."""

import os
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

ROOT = Path(settings.BASE_DIR)


def make_site_url(tmp_path, env_file_text: str | None = None, **environment) -> str:
    """SITE_URL as the Makefile exports it to `make run`'s commands (read without running anything)."""
    env_file = tmp_path / "env"
    if env_file_text is not None:
        env_file.write_text(env_file_text)
    env = {key: value for key, value in os.environ.items() if key not in {"SITE_URL", "PORT", "MAKEFLAGS"}}
    env.update(environment)
    result = subprocess.run(
        [
            "make",
            "-s",
            "--no-print-directory",
            f"ENV_FILE={env_file}",
            "--eval",
            "print-%: ; @echo $($*)",
            "print-SITE_URL",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_make_run_links_point_at_the_port_it_serves_on(tmp_path):
    assert make_site_url(tmp_path, PORT="8101") == "http://127.0.0.1:8101"
    assert make_site_url(tmp_path) == "http://127.0.0.1:8000"


def test_a_site_url_that_is_set_wins_over_the_port(tmp_path):
    assert make_site_url(tmp_path, PORT="8101", SITE_URL="https://al.example.org") == "https://al.example.org"
    env_file = "DEBUG=true\nSITE_URL=https://from-env-file.example.org\n"
    assert make_site_url(tmp_path, env_file, PORT="8101") == "https://from-env-file.example.org"


@pytest.mark.django_db
def test_seed_demo_prints_the_login_address_from_site_url(settings):
    settings.SITE_URL = "http://127.0.0.1:8101"
    out = StringIO()
    call_command("seed_demo", stdout=out, stderr=StringIO())
    assert "Log in at http://127.0.0.1:8101/ with" in out.getvalue()
    assert ":8000" not in out.getvalue()
