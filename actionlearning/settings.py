"""Settings for actionlearning: one file, read from the environment.

Every value has a default that makes the embedded mode work (SQLite, an on-disk Celery broker, mail to the
console) except SECRET_KEY, which is required once DEBUG is off. Production differs only by environment
variables; `.env.example` documents each of them.
"""

from email.utils import getaddresses
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()


def parse_admins(value: str) -> list[tuple[str, str]]:
    """ADMINS from the environment: "Name <email>, Other <email>" (or bare addresses), as Django's (name, email)."""
    admins = [(name or address, address) for name, address in getaddresses([value]) if name or address]
    if any("@" not in address for _name, address in admins):
        raise ImproperlyConfigured(f"ADMINS must be email addresses, as 'Name <email>, Other <email>': {value!r}")
    return admins


if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="django-insecure-development-only-never-in-production")
else:
    SECRET_KEY = env("SECRET_KEY")  # no default: a production deploy must set its own
# Old keys still accepted for signatures and for decrypting confidential fields while they are rotated out.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
# Confidential fields are encrypted with keys derived from SECRET_KEY and these salts (core/encryption.py);
# the first salt encrypts, all of them decrypt.
SALT_KEY = env.list("FIELD_ENCRYPTION_SALTS", default=["actionlearning-fields-2026"])
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://localhost:8000").rstrip("/")

INSTALLED_APPS = [
    # daphne first: it makes `manage.py runserver` serve ASGI (http and the live room's websockets).
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "channels",
    "csp",
    "template_partials",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",  # a person sees their sessions and ends the others
    "core",
    "accounts",
    "sets",
    "meetings",
    "learning",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # django-csp's middleware with the header built once, not per response (core/middleware.py).
    "core.middleware.StaticPolicyCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The live meeting's "nothing changed" poll, from the cache alone (see meetings/middleware.py).
    "meetings.middleware.LiveStatePollMiddleware",
    # Cache versions read once per request (core/versions.py): the permission check and the fragments share them.
    "core.middleware.VersionSnapshotMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, with the person from the cache on their version, not a query a request (accounts/middleware.py).
    "accounts.middleware.CachedAuthenticationMiddleware",
    # Pages to a logged-in person are never stored by the browser unless the view says otherwise (core/middleware.py).
    "core.middleware.PrivateNoStoreMiddleware",
    "core.middleware.RefuseNulCharactersMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "sets.middleware.TwoFactorRequiredMiddleware",
    "accounts.middleware.TimezoneMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
]

ROOT_URLCONF = "actionlearning.urls"
# The performance harness's extra views (the layout floor at /bench/layout/): only bench/run.py turns them on.
BENCH_VIEWS = env.bool("BENCH_VIEWS", default=False)
WSGI_APPLICATION = "actionlearning.wsgi.application"
# The web server runs the ASGI application (daphne): http, and the live meeting room's websockets.
ASGI_APPLICATION = "actionlearning.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "sets.context_processors.navigation",
                # Django's csrf_token, masked once per request for the page and its cached fragments.
                "core.fragments.csrf",
            ],
            # Dates as the page's language writes them, in every template without a {% load %} (core/templatetags).
            "builtins": ["core.templatetags.local_dates"],
        },
    },
]

# Database: SQLite in the embedded mode, PostgreSQL (psycopg 3) when DATABASE_URL says so.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# Opening a PostgreSQL connection costs ~6 ms; keep it for a minute.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Under ASGI (daphne) each request's sync code runs in a thread of its own, and Django's persistent
    # connections are per thread: they would pile up to PostgreSQL's max_connections. A pool per process (psycopg's)
    # keeps them reused and bounded instead; Django requires CONN_MAX_AGE 0 with it.
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": env.int("DB_POOL_SIZE", default=10),
        "timeout": 10,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers queue for the lock (up to 20 s) instead of failing with "database is locked" when the web app,
    # the worker and beat write at once in the embedded mode.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis when REDIS_URL is set (it also holds allauth's rate-limit counters), memory otherwise. It fails
# soft (core/cache.py): while Redis is down or hanging every read is a miss, never a 500; sessions
# then load from the database, and allauth's rate limits fail open. Short socket timeouts: a Redis that does not
# answer within half a second is treated as down, and not asked again for RETRY_AFTER seconds.
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.FailSoftRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5, "RETRY_AFTER": 2.0},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The channel layer carries the live meeting room's pushes (core/realtime.py) to every web process: Redis when
# CHANNEL_LAYER_URL is set (by default REDIS_URL), so several processes and machines share one room; otherwise
# channels' in-memory layer, which reaches only the one process (`make run`, the tests without Redis).
CHANNEL_LAYER_URL = env("CHANNEL_LAYER_URL", default=REDIS_URL)
if CHANNEL_LAYER_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [CHANNEL_LAYER_URL], "prefix": "actionlearning:channels"},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Sessions are read from the cache (Redis in production) and written through to the database: one query less
# on every request, which matters most for the live meeting's polled state endpoint. Django's cached_db, which
# also fetches the person's version token with the session, in one round trip (accounts/sessions.py).
SESSION_ENGINE = "accounts.sessions"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "sets:home"

# django-allauth: email is the login; verification is mandatory; rate limits are allauth's defaults.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[actionlearning] "
# Changing the password keeps this session and ends every other one (accounts/signals.py).
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
USERSESSIONS_TRACK_ACTIVITY = False  # no write on every request; sessions are listed with when they started
ACCOUNT_REAUTHENTICATION_REQUIRED = True
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "actionlearning"

# Email: EMAIL_URL (smtp://user:pass@host:587, consolemail://, ...) decides the backend.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="actionlearning <noreply@localhost>")

# Error reports: every 500 (with DEBUG off) is emailed to ADMINS ("Name <email>, Other <email>"), from
# SERVER_EMAIL. The report names the page and the error, never what was typed: every POST, query and cookie
# value and every local variable is replaced by stars (core/error_reports.py).
ADMINS = parse_admins(env("ADMINS", default=""))
SERVER_EMAIL = env("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
EMAIL_SUBJECT_PREFIX = "[actionlearning] "
DEFAULT_EXCEPTION_REPORTER = "core.error_reports.ContentFreeExceptionReporter"
DEFAULT_EXCEPTION_REPORTER_FILTER = "core.error_reports.ContentFreeReporterFilter"

# Celery: Redis in production; the embedded mode uses kombu's filesystem transport (no server needed).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = Path(env("CELERY_BROKER_DIR", default=str(BASE_DIR / ".broker")))
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "control_folder": str(_broker_dir / "control"),
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # A broker that accepts connections but never answers must not hold a request: give up after 2 s (the row
    # waits in the database and the next beat pass queues it).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_timeout": 2, "socket_connect_timeout": 2}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "dispatch-reminders": {"task": "meetings.dispatch_reminders", "schedule": 60.0},
}
# /healthz says "degraded" when beat's last dispatch pass is older than this ("starting" before its first pass,
# while the process is younger than this).
BEAT_STALE_AFTER_SECONDS = env.int("BEAT_STALE_AFTER_SECONDS", default=300)

LANGUAGE_CODE = "en-gb"
# The languages offered: each is complete (tests/test_translations.py fails on any untranslated or fuzzy entry of
# ours, and on a page that still shows an English string). Named in their own language in the chooser.
LANGUAGES = [("en-gb", "English"), ("de", "Deutsch"), ("fr", "Français")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Security: strict by default, relaxed only by DEBUG or explicit environment variables.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_PROXY", default=False) else None
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content Security Policy (django-csp): our own files only, no inline script or style anywhere (htmx is told not
# to inject its indicator styles or evaluate code; see base.html), no framing, forms post only to us.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],  # Pico's icons and the two-factor QR code are data: images
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Invitations expire after this many days.
INVITATION_EXPIRY_DAYS = env.int("INVITATION_EXPIRY_DAYS", default=14)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        # Django's errors (500s, refused hosts) to ADMINS, as plain text: the scrubbed report (core/error_reports.py).
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false"],
            "include_html": False,
        },
    },
    "loggers": {"django": {"handlers": ["mail_admins"], "level": "INFO"}},  # and the root's console, by propagation
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}
