# The web, live, worker and beat image. Build: docker compose build
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH="/opt/venv/bin:$PATH"

RUN pip install --no-cache-dir uv \
    && useradd --create-home --uid 1000 app
WORKDIR /app

COPY pyproject.toml uv.lock .python-version ./
RUN uv sync --frozen --no-dev --no-install-project

COPY . .
# The translations: .mo files compiled from locale/*/LC_MESSAGES/django.po with GNU gettext, which leaves again.
RUN apt-get update && apt-get install -y --no-install-recommends gettext \
    && SECRET_KEY=build-only-not-secret python manage.py compilemessages --ignore=.venv \
    && apt-get purge -y --auto-remove gettext && rm -rf /var/lib/apt/lists/*
RUN SECRET_KEY=build-only-not-secret python manage.py collectstatic --noinput \
    && chown -R app:app /app
USER app

# The pages (gunicorn, WSGI); docker-compose.yml runs the live room's websockets from the same image on daphne.
EXPOSE 8000 8001
CMD ["gunicorn", "actionlearning.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--access-logfile", "-"]
