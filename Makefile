# Two commands a fresh machine needs: `make run` and `make test`. Each installs uv (with pip) if missing.
export UV_PYTHON_DOWNLOADS := never
# Evaluated each time it is used, so it finds uv once `ensure-uv` has installed it.
UV = $(if $(shell command -v uv 2>/dev/null),uv,python3 -m uv)
PORT ?= 8000
# Base of the links in emails and of the URL seed_demo prints: SITE_URL from the environment or ENV_FILE when set
# there, else the address `make run` serves on, so invitation, .ics and unsubscribe links match the port.
ENV_FILE ?= .env
SITE_URL ?= $(or $(shell sed -n 's/^SITE_URL=//p' $(ENV_FILE) 2>/dev/null | tail -n 1),http://127.0.0.1:$(PORT))
export SITE_URL

.PHONY: ensure-uv install run test lint browser fault-tools gettext messages compilemessages bench bench-live load

ensure-uv:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv

install: ensure-uv
	$(UV) sync --frozen

# GNU gettext (msgfmt, msgmerge, xgettext) for the translation catalogues in locale/.
gettext:
	@command -v msgfmt >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq gettext)

# The catalogues (locale/<lang>/LC_MESSAGES/django.po) from the strings marked in templates and Python, for every
# language of settings.LANGUAGES but English: new strings arrive empty, removed ones go, entries sorted by msgid
# (core/management/commands/makemessages.py). Then translate the empty ones (README, "Languages") and compile.
messages: install gettext
	DEBUG=true $(UV) run python manage.py makemessages --ignore=staticfiles --ignore=bench --ignore=tests --ignore=node_modules --ignore=.venv
	$(MAKE) compilemessages

# The .mo files Django reads, compiled from the .po files (not committed: see README, "Languages").
compilemessages: install gettext
	DEBUG=true $(UV) run python manage.py compilemessages --ignore=.venv --ignore=staticfiles --ignore=node_modules

# The app on embedded defaults: SQLite, an on-disk Celery broker (no Redis), mail printed to the console.
run: install compilemessages
	mkdir -p .broker/control
	DEBUG=true $(UV) run python manage.py migrate --noinput
	DEBUG=true $(UV) run python manage.py seed_demo
	@echo "actionlearning is starting at http://127.0.0.1:$(PORT)/  (web, Celery worker and beat; Ctrl-C stops all)"
	DEBUG=true PORT=$(PORT) $(UV) run honcho -f Procfile.dev start

# Debian's Chromium for the browser tests (never a downloaded browser).
browser:
	@test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium)

# The fault tests (tests/reliability) start and stop a redis-server of their own, never the shared one.
fault-tools:
	@command -v redis-server >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq redis-server)

# The whole suite. PostgreSQL when DATABASE_URL is set, SQLite otherwise.
test: install browser fault-tools compilemessages
	$(UV) run pytest

# The performance harness on the local PostgreSQL and Redis (see README, "Performance"). SCALE=1000 is the top.
SCALE ?= 1000
DURATION ?= 10
bench: install
	@command -v wrk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq wrk)
	$(UV) run python bench/run.py --scale $(SCALE) --duration $(DURATION)
	$(MAKE) bench-live LIVE_SCALE=$(SCALE)

# The live room under load (docs/performance.md): LIVE_MEETINGS meetings x 8 websocket clients on two daphne
# processes sharing the Redis channel layer (REDIS_URL), the clicks on gunicorn, then the same with one socket
# process killed mid-run, then the pages under gunicorn and under daphne. Writes bench/results/live-latest.json.
# The bench database as above; LIVE_SCALE must have LIVE_MEETINGS sets or more.
LIVE_SCALE ?= 60
LIVE_MEETINGS ?= 50
bench-live: install
	@command -v wrk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq wrk)
	$(UV) run python bench/live.py --scale $(LIVE_SCALE) --meetings $(LIVE_MEETINGS)

# The load run (README, "Reliability"): LOAD_USERS people, each with a session of their own, on member pages and
# live meetings for LOAD_DURATION seconds; fails unless every request is answered as expected. Its own database:
# BENCH_DATABASE_URL (default actionlearning_bench_load); REDIS_URL and CELERY_BROKER_URL as for `make bench`.
LOAD_SCALE ?= 100
LOAD_USERS ?= 50
LOAD_DURATION ?= 120
load: install
	$(UV) run python bench/load.py --scale $(LOAD_SCALE) --users $(LOAD_USERS) --duration $(LOAD_DURATION)

# ruff, and import-linter's contracts: the layers of docs/architecture.md and no cycles between modules.
lint: install
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run lint-imports
