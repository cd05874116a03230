# One image for the three Chorus processes: web (gunicorn), worker and beat
# (Celery). docker-compose.yml picks the process with `command:`; the default
# command serves the web application. See docs/deployment.md.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings

WORKDIR /app

# Every pinned requirement ships a manylinux wheel (psycopg2-binary bundles
# libpq), so no compiler or system library is installed.
COPY requirements.txt ./
RUN pip install -r requirements.txt

RUN groupadd --system --gid 10001 chorus \
    && useradd --system --uid 10001 --gid chorus --home-dir /app --no-create-home --shell /usr/sbin/nologin chorus

COPY . .

# Static files are collected into the image, so every container serves the same
# hashed files through whitenoise. The secret and token key below exist only for
# this RUN step: collectstatic imports the settings, which refuse to load
# without them when DEBUG is false. Neither is stored in the image's environment.
#
# var/ holds what the processes write at run time (beat's schedule file, media
# uploads); it is owned by the runtime user so that a named volume mounted on
# var/media starts with the right owner.
RUN SECRET_KEY=build-only-throwaway-secret-key-never-used-at-runtime-0123456789 \
    TOKEN_ENCRYPTION_KEYS=YnVpbGQtdGltZS1vbmx5LXRocm93YXdheS1rZXktMDA= \
    DEBUG=false \
    REDIS_URL= \
    python manage.py collectstatic --noinput --verbosity 1 \
    && mkdir -p /app/var/media \
    && chown -R chorus:chorus /app/var

USER chorus

EXPOSE 8000

# The default command applies migrations, then serves with gunicorn (see the
# script). Worker and beat containers override the command.
CMD ["scripts/start-web.sh"]
