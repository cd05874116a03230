#!/usr/bin/env bash
# Validate docker-compose.yml without a Docker engine.
#
# Two independent checks; both must pass:
#
# 1. Compose itself resolves the file (variable interpolation, YAML anchors and
#    merge keys, depends_on conditions) and validates it against the schema it
#    ships:
#      - `docker compose config --quiet` when the Compose v2 plugin is installed;
#      - otherwise Debian's docker-compose 1.29.2 (`apt-get install docker-compose`,
#        installed here when missing and running as root):
#        `docker-compose -f docker-compose.yml config --quiet`.
#    Neither needs a running engine for `config`.
# 2. The raw file is validated against the current Compose Specification JSON
#    schema that check-jsonschema ships (`--builtin-schema vendor.compose-spec`).
#    This catches keys that the older docker-compose 1.29 schema does not know.
#    check-jsonschema is installed from PyPI into its own virtualenv outside the
#    repository ($CHORUS_TOOLS_DIR, default ~/.cache/chorus-tools), so the
#    project's .venv keeps exactly its pinned requirements.
#
# Usage: scripts/check_compose.sh [path/to/compose.yml]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
FILE="${1:-$ROOT/docker-compose.yml}"
TOOLS="${CHORUS_TOOLS_DIR:-$HOME/.cache/chorus-tools}"
CHECK_JSONSCHEMA_VERSION="0.39.0"
EXPECTED_SERVICES="beat postgres redis web worker"

[[ -f "$FILE" ]] || { echo "check_compose: no such file: $FILE" >&2; exit 1; }

# Interpolation must not depend on the caller's shell: unset the variables the
# file reads, so the defaults written in the file are what gets validated.
unset SECRET_KEY SECRET_KEY_FALLBACKS TOKEN_ENCRYPTION_KEYS POSTGRES_PASSWORD ALLOWED_HOSTS \
  CSRF_TRUSTED_ORIGINS SITE_URL SECURE_SSL_REDIRECT SECURE_HSTS_SECONDS \
  SECURE_PROXY_SSL_HEADER_ENABLED SECURE_COOKIES EMAIL_BACKEND EMAIL_HOST EMAIL_PORT \
  EMAIL_HOST_USER EMAIL_HOST_PASSWORD EMAIL_USE_TLS DEFAULT_FROM_EMAIL LOG_LEVEL \
  WEB_CONCURRENCY WEB_PORT

# --- 1. Compose's own parser -------------------------------------------------
if docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
else
  if ! command -v docker-compose >/dev/null 2>&1; then
    if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
      echo "check_compose: installing Debian's docker-compose"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null
    else
      echo "check_compose: need the Compose v2 plugin or docker-compose;" \
        "run: sudo apt-get install docker-compose" >&2
      exit 1
    fi
  fi
  compose=(docker-compose)
fi

echo "check_compose: ${compose[*]} -f $FILE config --quiet"
"${compose[@]}" -f "$FILE" config --quiet

services="$("${compose[@]}" -f "$FILE" config --services | sort | tr '\n' ' ' | sed 's/ $//')"
if [[ "$services" != "$EXPECTED_SERVICES" ]]; then
  echo "check_compose: services are '$services', expected '$EXPECTED_SERVICES'" >&2
  exit 1
fi

# --- 2. Compose Specification schema ----------------------------------------
checker="$TOOLS/check-jsonschema/bin/check-jsonschema"
if ! "$checker" --version 2>/dev/null | grep -q "$CHECK_JSONSCHEMA_VERSION"; then
  echo "check_compose: installing check-jsonschema $CHECK_JSONSCHEMA_VERSION into $TOOLS"
  python3 -m venv "$TOOLS/check-jsonschema"
  "$TOOLS/check-jsonschema/bin/pip" install --quiet --disable-pip-version-check \
    "check-jsonschema==$CHECK_JSONSCHEMA_VERSION"
fi
echo "check_compose: check-jsonschema --builtin-schema vendor.compose-spec $FILE"
"$checker" --builtin-schema vendor.compose-spec "$FILE"

echo "check_compose: OK ($services)"
