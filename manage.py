#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys

from django.core.management import execute_from_command_line


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "actionlearning.settings")
    # A bare checkout (no .env, no SECRET_KEY) runs management commands in development mode, so `manage.py
    # makemigrations` just works. Serving goes through wsgi.py, which has no such fallback: a production server
    # without SECRET_KEY refuses to start.
    if "SECRET_KEY" not in os.environ and "DEBUG" not in os.environ and not os.path.exists(".env"):
        os.environ["DEBUG"] = "true"
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
