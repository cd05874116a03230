"""Chorus settings: one module, fed by the environment.

Development defaults need nothing installed (SQLite, a filesystem Celery broker,
local-memory cache, console email). Production sets DEBUG=false and real values;
`python manage.py check --deploy` then reports no issues. See docs/deployment.md.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CHORUS_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", default=False)

_DEV_SECRET_KEY = "django-insecure-development-only-never-use-this-key-in-production"  # noqa: S105 - public, development only
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false.")
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "accounts",
    "content",
    "advocacy",
    "analytics",
    "sandbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # /s/<code>, the busiest path, needs nothing below (no session, user, CSRF, tenant):
    # answered here, it keeps the HTTPS redirect and security headers and skips the rest.
    "advocacy.views_redirect.ShortLinkMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Who, from where and which request: read by the audit log when it records an event.
    "accounts.middleware.AuditContextMiddleware",
    # Resolves /o/<slug>/, checks membership and runs the view inside the tenant scope.
    "accounts.middleware.OrganizationMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "accounts.context_processors.organization",
            ],
        },
    },
]

# Database ------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default runs web, worker and beat against one file: WAL lets
    # readers proceed during a write, IMMEDIATE avoids deadlocking upgrades from
    # read to write locks, and the timeout waits out a concurrent writer.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis, cache and Celery ----------------------------------------------------
REDIS_URL = env_str("REDIS_URL")

if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis backend, minus a new client object per call (config/redis_cache.py).
            "BACKEND": "config.redis_cache.ReusedClientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "chorus",
        }
    }
    # Sessions are read on every signed-in request: from Redis, written through to the
    # database, so a lost cache loses no session and logging out (which deletes both)
    # ends the session everywhere. Not without Redis: each process's local-memory cache
    # would keep a session another process had ended.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "filesystem://localhost//")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", REDIS_URL) or None
# Task effects live in the database; nothing waits on results.
CELERY_TASK_IGNORE_RESULT = True

# Crash safety (see docs/deployment.md and the measurements behind it):
# a message is acknowledged only after its task finished, and re-queued when the
# process running it dies, so every task must be idempotent.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = 30.0
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Redis re-delivers an unacknowledged message after the visibility timeout. It
# must exceed the longest task run, so the hard time limit stays below it. Celery
# only honours it when set under all three option names. The restore sweep runs
# every interval × throttle seconds (default 10 × 10): 10 × 1 brings a crashed
# worker's messages back after about VISIBILITY_TIMEOUT + 10 s.
CELERY_VISIBILITY_TIMEOUT = 900  # the top-level name; Redis itself reads the transport options
CELERY_TASK_TIME_LIMIT = 600
CELERY_TASK_SOFT_TIME_LIMIT = 540

if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery" / "queue"
    _processed_dir = VAR_DIR / "celery" / "processed"
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_processed_dir),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
        "unacked_restore_interval": 10,
        "unacked_restore_throttle": 1,
    }
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}

# Tasks that fetch URLs people paste run on their own queue, so production can give
# them workers with no route to internal networks (docs/deployment.md).
CELERY_TASK_ROUTES = {
    "content.tasks.content_item_fetch_preview": {"queue": "fetch"},
    "content.tasks.feed_source_fetch": {"queue": "fetch"},
    # Posting has its own queue so nothing else can delay an employee's post.
    "advocacy.tasks.share_post": {"queue": "publish"},
}
CELERY_TASK_DEFAULT_QUEUE = "celery"

CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "content-publish-due": {
        "task": "content.tasks.content_publish_due",
        "schedule": 60.0,
    },
    "feed-sources-fetch": {
        "task": "content.tasks.feed_sources_fetch_due",
        "schedule": 30 * 60.0,
    },
    "notifications-release": {
        "task": "accounts.tasks.notifications_release",
        "schedule": 60.0,
    },
    "digests-send": {
        "task": "content.tasks.digests_send",
        "schedule": 5 * 60.0,
    },
    "shares-dispatch-due": {
        "task": "advocacy.tasks.shares_dispatch_due",
        "schedule": 15.0,
    },
    "connections-refresh-due": {
        "task": "advocacy.tasks.connections_refresh_due",
        "schedule": 15 * 60.0,
    },
    "link-clicks-flush": {
        "task": "advocacy.tasks.link_clicks_flush",
        "schedule": 60.0,
    },
    "invitations-purge": {
        "task": "accounts.tasks.invitations_purge",
        "schedule": 60 * 60.0,
    },
    "metrics-collect": {
        "task": "analytics.tasks.metrics_collect_due",
        "schedule": 60.0,
        "options": {"queue": "fetch"},
    },
    "shares-metrics-start": {
        "task": "analytics.tasks.shares_metrics_start",
        "schedule": 60.0,
    },
    "clicks-rollup": {
        "task": "analytics.tasks.clicks_rollup",
        "schedule": 5 * 60.0,
    },
    "partitions-extend": {
        "task": "analytics.tasks.partitions_extend",
        "schedule": 24 * 60 * 60.0,
    },
}

# Auth ------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
# Per-organisation single sign-on (OIDC, SAML): connections live in accounts.SsoConnection.
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = True
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Chorus] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# Login throttling: allauth's defaults, written down so they are visible and tunable.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
}

INVITATION_TTL_DAYS = env_int("INVITATION_TTL_DAYS", 14)

# Test-only: host:port entries the link-preview and feed fetcher may reach although
# they are not public addresses (the tests' loopback sites). Deliberately not read
# from the environment, so no deployment can open the fetcher to internal networks.
CONTENT_FETCH_ALLOW_HOSTS: list[str] = []

# Social networks ---------------------------------------------------------------
if DEBUG:
    # requests-oauthlib refuses plain-http OAuth; development serves the Sandbox and the
    # tests' fake networks over http on loopback. Production (DEBUG off) keeps the refusal.
    os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")
# One app registration per network for the whole installation (Mastodon registers one
# per instance at connect time). Base URLs are settings so the tests can point the
# real adapters at loopback fakes; nothing else ever changes them.
LINKEDIN_CLIENT_ID = env_str("LINKEDIN_CLIENT_ID")
LINKEDIN_CLIENT_SECRET = env_str("LINKEDIN_CLIENT_SECRET")
LINKEDIN_AUTH_BASE = env_str("LINKEDIN_AUTH_BASE", "https://www.linkedin.com")
LINKEDIN_API_BASE = env_str("LINKEDIN_API_BASE", "https://api.linkedin.com")
LINKEDIN_VERSION = env_str("LINKEDIN_VERSION", "202611")  # LinkedIn retires versions yearly
X_CLIENT_ID = env_str("X_CLIENT_ID")
X_CLIENT_SECRET = env_str("X_CLIENT_SECRET")
X_AUTH_BASE = env_str("X_AUTH_BASE", "https://x.com")
X_API_BASE = env_str("X_API_BASE", "https://api.x.com")
BLUESKY_PDS_URL = env_str("BLUESKY_PDS_URL", "https://bsky.social")
BLUESKY_APPVIEW_URL = env_str("BLUESKY_APPVIEW_URL", "https://public.api.bsky.app")
# The built-in Sandbox network is served by this installation (sandbox/); workers reach
# it over HTTP like any other network.
SANDBOX_ENABLED = env_bool("SANDBOX_ENABLED", default=True)
SANDBOX_BASE_URL = env_str("SANDBOX_BASE_URL", SITE_URL).rstrip("/")
SANDBOX_CLIENT_ID = env_str("SANDBOX_CLIENT_ID", "chorus-sandbox")
SANDBOX_CLIENT_SECRET = env_str("SANDBOX_CLIENT_SECRET", "sandbox-development-secret" if DEBUG else "")
SANDBOX_ACCESS_TOKEN_TTL = env_int("SANDBOX_ACCESS_TOKEN_TTL", 7200)  # seconds, like X's
SANDBOX_POSTS_PER_WINDOW = env_int("SANDBOX_POSTS_PER_WINDOW", 30)  # posts per account per window
SANDBOX_RATE_WINDOW = env_int("SANDBOX_RATE_WINDOW", 900)  # seconds
# Test-only, like CONTENT_FETCH_ALLOW_HOSTS: Mastodon instances on loopback that the
# connect flow may register with although they are not public https addresses.
ADVOCACY_INSTANCE_ALLOW_HOSTS: list[str] = []
# Tracked links: /s/<code> is served under this address.
SHORT_LINK_BASE = env_str("SHORT_LINK_BASE", SITE_URL).rstrip("/")
# Redis for the click counters; empty (the embedded mode) counts clicks in the database.
CLICK_REDIS_URL = env_str("CLICK_REDIS_URL", REDIS_URL)
# Posting: how long a claimed share may stay `posting` before the sweeper hands it to
# reconcile (well above the adapters' timeouts), and how often a share is tried.
SHARE_LEASE_SECONDS = env_int("SHARE_LEASE_SECONDS", 120)
SHARE_MAX_ATTEMPTS = env_int("SHARE_MAX_ATTEMPTS", 8)
# Metric snapshots: months of raw snapshots kept on PostgreSQL (0 keeps everything;
# rollups are kept regardless), and how many months ahead partitions are created.
ANALYTICS_SNAPSHOT_RETENTION_MONTHS = env_int("ANALYTICS_SNAPSHOT_RETENTION_MONTHS", 0)
ANALYTICS_PARTITIONS_AHEAD_MONTHS = env_int("ANALYTICS_PARTITIONS_AHEAD_MONTHS", 3)

# Email -----------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Chorus <chorus@localhost>")
# Used by the file-based backend (django.core.mail.backends.filebased.EmailBackend).
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Encryption of stored third-party tokens: comma-separated Fernet keys, the
# first encrypts, all decrypt (rotation). The development key is public.
TOKEN_ENCRYPTION_KEYS = env_list(
    "TOKEN_ENCRYPTION_KEYS", ["ZGV2ZWxvcG1lbnQtb25seS1rZXktbm90LXNlY3JldCE="] if DEBUG else []
)
if not TOKEN_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("TOKEN_ENCRYPTION_KEYS must be set when DEBUG is false.")

# Security --------------------------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers probe over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("SECURE_PROXY_SSL_HEADER_ENABLED", default=False):
    # Only behind a proxy that strips and sets this header itself.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

_secure_cookies = env_bool("SECURE_COOKIES", default=not DEBUG)
SESSION_COOKIE_SECURE = _secure_cookies
CSRF_COOKIE_SECURE = _secure_cookies
# __Host- cookies are bound to this exact host over HTTPS (no Domain, Path=/).
SESSION_COOKIE_NAME = "__Host-sessionid" if _secure_cookies else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if _secure_cookies else "csrftoken"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14

# A strict policy: no inline script or style anywhere; vendored assets only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# API ---------------------------------------------------------------------------
REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "rest_framework.views.exception_handler",
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append("rest_framework.renderers.BrowsableAPIRenderer")
SPECTACULAR_SETTINGS = {
    "TITLE": "Chorus API",
    "DESCRIPTION": "Employee advocacy: organisations, members, content, shares and reports.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
}

# Internationalisation -------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Static and media --------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
