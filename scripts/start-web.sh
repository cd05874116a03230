#!/bin/sh
# Start the web process: apply migrations, then replace this shell with gunicorn.
#
# Migrations run here so that `docker compose up` needs no extra step. With more
# than one web container, run `python manage.py migrate` once as a release step
# and start the containers with MIGRATE_ON_START=false: Django does not lock
# migrations, and two containers migrating at once can fail half-way.
#
# gunicorn reads WEB_CONCURRENCY itself for its number of workers; the default
# is 2 x cores + 1. Sync workers: a Chorus request is CPU-bound in Django, and
# threads measured slower (docs/scaling.md). No control socket: the container
# runtime restarts and scales gunicorn, and the user has no writable home.
set -eu

if [ "${MIGRATE_ON_START:-true}" = "true" ]; then
    python manage.py migrate --noinput
fi

if [ -z "${WEB_CONCURRENCY:-}" ]; then
    WEB_CONCURRENCY=$((2 * $(nproc) + 1))
    export WEB_CONCURRENCY
fi

exec gunicorn config.wsgi:application \
    --bind "0.0.0.0:${PORT:-8000}" \
    --worker-class sync \
    --timeout "${GUNICORN_TIMEOUT:-30}" \
    --access-logfile - \
    --no-control-socket \
    "$@"
