"""Settings, read from the environment (django-environ).

With no environment at all the app runs on the embedded defaults: SQLite in
WAL mode under ``data/``. Production sets DATABASE_URL, SECRET_KEY,
ALLOWED_HOSTS and DEBUG=false. Every setting is listed in the README.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(environ.Env().str("DATA_DIR", default=str(BASE_DIR / "data")))
DATA_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env(
    DEBUG=(bool, True),
    SECRET_KEY=(str, "dev-only-secret-key-change-me"),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost"]),
    DATABASE_URL=(str, f"sqlite:///{DATA_DIR / 'db.sqlite3'}"),
    TIME_ZONE=(str, "UTC"),
    EMAIL_URL=(str, "consolemail://"),
    DEFAULT_FROM_EMAIL=(str, "Marketplace <no-reply@localhost>"),
    SALES_PAGE_SIZE=(int, 25),
    # The marketplace's clocks, in one place (DESIGN.md, "Numbers to keep").
    ORDER_REVIEW_DAYS=(int, 3),
    DUE_SOON_HOURS=(int, 24),
    VERY_LATE_HOURS=(int, 24),
    REQUEST_ANSWER_HOURS=(int, 48),
    REVISION_MIN_HOURS=(int, 24),
    ATTACHMENT_MAX_MB=(int, 25),
    ATTACHMENT_MAX_FILES=(int, 10),
    SITE_URL=(str, "http://127.0.0.1:8000"),
    EXTENSION_INSIGHT_WINDOW=(int, 10),
    EXTENSION_INSIGHT_THRESHOLD=(int, 3),
    REDIS_URL=(str, ""),
    DEADLINE_SCAN_SECONDS=(float, 60.0),
    SCAN_BATCH_SIZE=(int, 500),
    EMAIL_CLAIM_MINUTES=(int, 10),
    METRICS_WINDOW_DAYS=(int, 60),
    RESPONSE_HOURS=(int, 24),
    LIVE_POLL_SECONDS=(int, 10),
)

DEBUG = env("DEBUG")
SECRET_KEY = env("SECRET_KEY")
if not DEBUG and SECRET_KEY.startswith("dev-only"):
    raise environ.ImproperlyConfigured("Set SECRET_KEY when DEBUG is false.")
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_fsm",
    "accounts",
    "jobs",
    "sales",
    "messaging",
    "resolution",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "marketplace.urls"
WSGI_APPLICATION = "marketplace.wsgi.application"

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
                "messaging.context_processors.unread_notifications",
                "marketplace.context_processors.clocks",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while a write is in flight; IMMEDIATE
    # takes the write lock at BEGIN, so two writers queue instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

vars().update(env.email_url("EMAIL_URL"))
# A hung mail server must not outlast a sender's claim on a notice.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# django-fsm-2's admin shows only the transitions marked admin=True.
FSM_ADMIN_FORCE_PERMIT = False

SALES_PAGE_SIZE = env("SALES_PAGE_SIZE")
ORDER_REVIEW_DAYS = env("ORDER_REVIEW_DAYS")
DUE_SOON_HOURS = env("DUE_SOON_HOURS")
VERY_LATE_HOURS = env("VERY_LATE_HOURS")
REQUEST_ANSWER_HOURS = env("REQUEST_ANSWER_HOURS")
REVISION_MIN_HOURS = env("REVISION_MIN_HOURS")
# The seed's advice: when 3 of a Job's last 10 started orders needed more
# time, suggest raising its delivery days.
EXTENSION_INSIGHT_WINDOW = env("EXTENSION_INSIGHT_WINDOW")
EXTENSION_INSIGHT_THRESHOLD = env("EXTENSION_INSIGHT_THRESHOLD")

# The Sales page's numbers: over the last METRICS_WINDOW_DAYS; a reply within
# RESPONSE_HOURS of the order counts as a response.
METRICS_WINDOW_DAYS = env("METRICS_WINDOW_DAYS")
RESPONSE_HOURS = env("RESPONSE_HOURS")
# How often an open order page asks for new messages and state changes.
LIVE_POLL_SECONDS = env("LIVE_POLL_SECONDS")

# Attachments: outside any public path, served only through a checked view.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(DATA_DIR / "private")))
ATTACHMENT_MAX_BYTES = env("ATTACHMENT_MAX_MB") * 1024 * 1024
ATTACHMENT_MAX_FILES = env("ATTACHMENT_MAX_FILES")
SITE_URL = env("SITE_URL")

# Celery: Redis in production and CI (REDIS_URL); with no REDIS_URL, kombu's
# filesystem transport under data/celery, so a bare machine needs no server.
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    _queue = DATA_DIR / "celery" / "queue"
    _queue.mkdir(parents=True, exist_ok=True)
    (DATA_DIR / "celery" / "control").mkdir(exist_ok=True)
    CELERY_BROKER_URL = "filesystem://localhost/"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue),
        "data_folder_out": str(_queue),
        "control_folder": str(DATA_DIR / "celery" / "control"),
        "store_processed": False,
        "polling_interval": 0.5,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-task leaves the message to redeliver
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must not hang a web request when the broker is down: fail fast,
# log it, and let the outbox sweep send the e-mail later.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")

# The periodic work, one static schedule. Every task is safe to run twice.
DEADLINE_SCAN_SECONDS = env("DEADLINE_SCAN_SECONDS")
SCAN_BATCH_SIZE = env("SCAN_BATCH_SIZE")
EMAIL_CLAIM_MINUTES = env("EMAIL_CLAIM_MINUTES")
CELERY_BEAT_SCHEDULE = {
    "orders-due-soon": {"task": "sales.tasks.flag_due_soon", "schedule": DEADLINE_SCAN_SECONDS},
    "orders-late": {"task": "sales.tasks.flag_late", "schedule": DEADLINE_SCAN_SECONDS},
    "orders-very-late": {"task": "sales.tasks.flag_very_late", "schedule": DEADLINE_SCAN_SECONDS},
    "deliveries-auto-complete": {
        "task": "sales.tasks.auto_complete_deliveries",
        "schedule": DEADLINE_SCAN_SECONDS,
    },
    "extension-requests-expire": {
        "task": "resolution.tasks.expire_extension_requests",
        "schedule": DEADLINE_SCAN_SECONDS,
    },
    "cancellation-requests-carry-out": {
        "task": "resolution.tasks.carry_out_cancellation_requests",
        "schedule": DEADLINE_SCAN_SECONDS,
    },
    "notification-emails-sweep": {
        "task": "messaging.tasks.sweep_unsent_notifications",
        "schedule": DEADLINE_SCAN_SECONDS,
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
