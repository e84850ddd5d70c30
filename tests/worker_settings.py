"""Settings for a test's Celery worker process: the test settings, with emails written to the test's folder."""

import os

from actionlearning.settings_test import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
# No pidbox (remote control) queue: a killed worker would leave its binding behind in a shared Redis.
CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
EMAIL_BACKEND = os.environ.get("TEST_EMAIL_BACKEND") or "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["TEST_EMAIL_DIR"]
SITE_URL = os.environ.get("SITE_URL", "http://testserver")
