"""Settings, read from the environment (django-environ).

With no environment at all the app runs on the embedded defaults: SQLite in
WAL mode under ``data/``. Production sets DATABASE_URL, SECRET_KEY,
ALLOWED_HOSTS and DEBUG=false.

Every variable is declared once, with its type and default, in the schema
below, and listed in the README's settings table (a test compares the two).
Importing this module only reads the environment: the folders under
DATA_DIR are made by the code that writes there (marketplace/apps.py for
SQLite's, marketplace/celery.py for Celery's).
"""

import os
from pathlib import Path

import environ
from celery.schedules import crontab
from kombu import Queue

from marketplace.rates import parse_rate

BASE_DIR = Path(__file__).resolve().parent.parent

# The environment: every variable this module reads, with its type and its
# default. A variable whose default follows another one is declared with its
# type alone; its default is worked out once, in "Defaults that follow other
# variables" just below.
env = environ.Env(
    # Django, the database, and the folder local files go to.
    DEBUG=(bool, True),
    SECRET_KEY=(str, "dev-only-secret-key-change-me"),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost"]),
    CSRF_TRUSTED_ORIGINS=(list, []),
    DATA_DIR=(str, str(BASE_DIR / "data")),
    DATABASE_URL=str,  # follows DATA_DIR
    CONN_MAX_AGE=(int, 60),
    TIME_ZONE=(str, "UTC"),
    STATIC_ROOT=(str, str(BASE_DIR / "staticfiles")),
    LOG_LEVEL=(str, "INFO"),
    # Mail, and the address its links point to.
    EMAIL_URL=(str, "consolemail://"),
    EMAIL_TIMEOUT=(int, 30),
    DEFAULT_FROM_EMAIL=(str, "Marketplace <no-reply@localhost>"),
    SUPPORT_EMAIL=(str, ""),
    HOST=(str, "127.0.0.1"),
    PORT=(int, 8000),
    SITE_URL=str,  # follows HOST and PORT
    # The marketplace's pages and clocks.
    SALES_PAGE_SIZE=(int, 25),
    ORDER_REVIEW_DAYS=(int, 3),
    REVIEW_WINDOW_DAYS=(int, 10),
    DUE_SOON_HOURS=(int, 24),
    VERY_LATE_HOURS=(int, 24),
    REQUEST_ANSWER_HOURS=(int, 48),
    REVISION_MIN_HOURS=(int, 24),
    REQUIREMENTS_REMINDERS_HOURS=(list, ["24", "72"]),
    EXTENSION_INSIGHT_WINDOW=(int, 10),
    EXTENSION_INSIGHT_THRESHOLD=(int, 3),
    METRICS_WINDOW_DAYS=(int, 60),
    RESPONSE_HOURS=(int, 24),
    LIVE_POLL_SECONDS=(int, 10),
    # Attachments and uploads.
    ATTACHMENT_MAX_MB=(int, 25),
    ATTACHMENT_MAX_FILES=(int, 10),
    PRIVATE_MEDIA_ROOT=str,  # follows DATA_DIR
    ATTACHMENTS_S3_BUCKET=(str, ""),
    ATTACHMENTS_S3_ENDPOINT_URL=(str, ""),
    ATTACHMENTS_S3_REGION=(str, ""),
    UPLOAD_MAX_REQUEST_BYTES=int,  # follows ATTACHMENT_MAX_MB and ATTACHMENT_MAX_FILES
    JOB_IMAGE_MAX_MB=(int, 5),
    # Celery, the periodic work and outages.
    REDIS_URL=(str, ""),
    REDIS_TIMEOUT=(float, 1.0),
    CELERY_VISIBILITY_TIMEOUT=(int, 300),
    EMAIL_CLAIM_MINUTES=(float, 3.0),
    OUTAGE_BACKOFF_SECONDS=(float, 30.0),
    DEADLINE_SCAN_SECONDS=(float, 60.0),
    SCAN_BATCH_SIZE=(int, 500),
    # Production hardening and abuse limits.
    SECURE=bool,  # follows DEBUG
    SECURE_HSTS_SECONDS=int,  # follows SECURE
    SECURE_HSTS_INCLUDE_SUBDOMAINS=bool,  # follows SECURE
    SECURE_HSTS_PRELOAD=bool,  # follows SECURE
    CSP=bool,  # follows DEBUG
    CACHE_URL=(str, "locmemcache://"),
    AXES_FAILURE_LIMIT=(int, 5),
    AXES_COOLOFF_MINUTES=(float, 15.0),
    TRUSTED_PROXIES=(int, 0),
    RATE_LIMIT_MESSAGES=(str, "30/600"),
    RATE_LIMIT_REQUESTS=(str, "10/3600"),
    RATE_LIMIT_TICKETS=(str, "5/3600"),
)

DEBUG = env("DEBUG")
DATA_DIR = Path(env("DATA_DIR"))

# Defaults that follow other variables: the only place a default is given
# outside the schema, each for a variable the schema declares by type alone.
_database_url = env("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'db.sqlite3'}")
# Attachments: outside any public path, served only through a checked view.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", default=str(DATA_DIR / "private")))
# E-mailed links point here. With no SITE_URL, the address `make run` serves:
# its HOST and PORT (a wildcard listening address is reached on loopback).
_host = env("HOST")
_host = "127.0.0.1" if _host in ("", "0.0.0.0", "::") else _host
_host = f"[{_host}]" if ":" in _host else _host  # an IPv6 address in a URL
SITE_URL = env("SITE_URL", default=f"http://{_host}:{env('PORT')}")
# HTTPS only, HSTS and a Content-Security-Policy whenever DEBUG is false
# ("Production hardening" below says what each does).
SECURE = env("SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env("SECURE_HSTS_SECONDS", default=31_536_000 if SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=SECURE)
SECURE_HSTS_PRELOAD = env("SECURE_HSTS_PRELOAD", default=SECURE)
CSP = env("CSP", default=not DEBUG)
# A request may carry every file a form takes, plus 1 MB for the rest.
UPLOAD_MAX_REQUEST_BYTES = env(
    "UPLOAD_MAX_REQUEST_BYTES",
    default=env("ATTACHMENT_MAX_MB") * 1024 * 1024 * env("ATTACHMENT_MAX_FILES") + 1024 * 1024,
)

SECRET_KEY = env("SECRET_KEY")
if not DEBUG and SECRET_KEY.startswith("dev-only"):
    raise environ.ImproperlyConfigured("Set SECRET_KEY when DEBUG is false.")
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env("CSRF_TRUSTED_ORIGINS")

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
    "imagekit",
    "django_fsm",
    "axes",
    "csp",
    # Its ready() makes the SQLite database's folder before the first connection.
    "marketplace",
    "accounts",
    "jobs",
    "sales",
    "messaging",
    "resolution",
    "storefront",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserTimezoneMiddleware",
    "accounts.middleware.HtmxLoginRedirectMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "marketplace.limits.UploadLimitMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
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

DATABASES = {"default": env.db_url_config(_database_url)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while a write is in flight; IMMEDIATE
    # takes the write lock at BEGIN, so two writers queue instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # Tests use a file too, not Django's default in-memory database: an
    # in-memory database is one connection shared by the test and every
    # thread of the browser tests' live server, and two threads on one
    # SQLite connection can deadlock for good (one holds the connection
    # inside a Python SQL function, waiting for the GIL; the other holds
    # the GIL, waiting for the connection). With a file, each thread has
    # its own connection and writers queue, as under `make run`. The process
    # id keeps two runs on one DATABASE_URL apart.
    _name = DATABASES["default"]["NAME"]
    if _name and _name != ":memory:":
        _name = Path(_name)
        _test_name = f"test_{os.getpid()}_{_name.name}"
        DATABASES["default"]["TEST"] = {"NAME": str(_name.with_name(_test_name))}
    # models.W040: SQLite has no covering indexes, so the Sales page's index
    # (order_seller_state_due, INCLUDE seller_first_message_at) is built there
    # on its key columns alone. That is what we want: the INCLUDE is for
    # PostgreSQL, where the check never fires, so it is silenced on SQLite only.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env("CONN_MAX_AGE")
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out log-in
    "django.contrib.auth.backends.ModelBackend",
]
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
# With DEBUG=false static files are served from the manifest that
# `collectstatic` writes here (so run it first, as a deploy does).
STATIC_ROOT = Path(env("STATIC_ROOT"))
# Attachments: on this machine under PRIVATE_MEDIA_ROOT by default; with
# ATTACHMENTS_S3_BUCKET set, on S3-compatible storage (django-storages), as
# private objects served only through the checking view.
ATTACHMENTS_S3_BUCKET = env("ATTACHMENTS_S3_BUCKET")
if ATTACHMENTS_S3_BUCKET:
    ATTACHMENT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": ATTACHMENTS_S3_BUCKET,
            "endpoint_url": env("ATTACHMENTS_S3_ENDPOINT_URL") or None,
            "region_name": env("ATTACHMENTS_S3_REGION") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    ATTACHMENT_STORAGE = {"BACKEND": "messaging.models.PrivateStorage"}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "attachments": ATTACHMENT_STORAGE,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

_email = env.email_url("EMAIL_URL")
vars().update(_email)
# Mail nobody receives: the development default prints it, tests keep it.
_UNDELIVERED_MAIL = (
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
)
if not DEBUG and ("EMAIL_URL" not in os.environ or _email["EMAIL_BACKEND"] in _UNDELIVERED_MAIL):
    raise environ.ImproperlyConfigured(
        "Set EMAIL_URL to a mail server (e.g. smtp+tls://user:pass@host:587) when DEBUG is "
        "false: notices would otherwise never reach anyone. EMAIL_URL=dummymail:// sends none "
        "on purpose."
    )
# A hung mail server must not outlast a sender's claim on a notice.
EMAIL_TIMEOUT = env("EMAIL_TIMEOUT")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL")
# Where a new support ticket and each user's reply are e-mailed; empty: no
# e-mail (support works from the admin's "Waiting for staff" list either way).
SUPPORT_EMAIL = env("SUPPORT_EMAIL").strip()
if SUPPORT_EMAIL:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    try:
        validate_email(SUPPORT_EMAIL)
    except ValidationError:
        raise environ.ImproperlyConfigured(
            f"SUPPORT_EMAIL must be an e-mail address; got {SUPPORT_EMAIL!r}."
        ) from None

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# django-fsm-2's admin shows only the transitions marked admin=True.
FSM_ADMIN_FORCE_PERMIT = False

SALES_PAGE_SIZE = env("SALES_PAGE_SIZE")
ORDER_REVIEW_DAYS = env("ORDER_REVIEW_DAYS")
# After an order completes, both sides may review it for this many days;
# then whatever was written is published.
REVIEW_WINDOW_DAYS = env("REVIEW_WINDOW_DAYS")
if REVIEW_WINDOW_DAYS < 1:
    raise environ.ImproperlyConfigured("REVIEW_WINDOW_DAYS must be 1 or more days.")
DUE_SOON_HOURS = env("DUE_SOON_HOURS")
VERY_LATE_HOURS = env("VERY_LATE_HOURS")
REQUEST_ANSWER_HOURS = env("REQUEST_ANSWER_HOURS")
REVISION_MIN_HOURS = env("REVISION_MIN_HOURS")
# A buyer who has not submitted the requirements is reminded this many hours
# after ordering, once each: a pending order's clock does not run, so nothing
# else would ever move it. "24,72" in the environment.
try:
    REQUIREMENTS_REMINDERS_HOURS = tuple(
        sorted({int(h) for h in env("REQUIREMENTS_REMINDERS_HOURS")})
    )
except ValueError:
    REQUIREMENTS_REMINDERS_HOURS = (0,)
if any(h <= 0 for h in REQUIREMENTS_REMINDERS_HOURS):
    raise environ.ImproperlyConfigured(
        "REQUIREMENTS_REMINDERS_HOURS must be whole hours above 0, comma-separated, e.g. 24,72."
    )
# The delivery-time insight: when 3 of a Job's last 10 started orders needed
# more time, suggest raising its delivery days.
EXTENSION_INSIGHT_WINDOW = env("EXTENSION_INSIGHT_WINDOW")
EXTENSION_INSIGHT_THRESHOLD = env("EXTENSION_INSIGHT_THRESHOLD")

# The Sales page's numbers: over the last METRICS_WINDOW_DAYS; a reply within
# RESPONSE_HOURS of the order counts as a response.
METRICS_WINDOW_DAYS = env("METRICS_WINDOW_DAYS")
RESPONSE_HOURS = env("RESPONSE_HOURS")
# How often an open order page asks for new messages and state changes.
LIVE_POLL_SECONDS = env("LIVE_POLL_SECONDS")

# Attachments, stored under PRIVATE_MEDIA_ROOT (above) or on S3.
ATTACHMENT_MAX_BYTES = env("ATTACHMENT_MAX_MB") * 1024 * 1024
ATTACHMENT_MAX_FILES = env("ATTACHMENT_MAX_FILES")
# A Job's gallery images, stored beside the attachments (jobs/images.py).
# Every upload stops being read past ATTACHMENT_MAX_BYTES (FILE_UPLOAD_HANDLERS
# below), so an image can be no larger.
JOB_IMAGE_MAX_BYTES = env("JOB_IMAGE_MAX_MB") * 1024 * 1024
if not 0 < JOB_IMAGE_MAX_BYTES <= ATTACHMENT_MAX_BYTES:
    raise environ.ImproperlyConfigured(
        "JOB_IMAGE_MAX_MB must be above 0 and at most ATTACHMENT_MAX_MB: no upload is read "
        "past ATTACHMENT_MAX_MB."
    )
# E-mailed links start with SITE_URL (above); in production it must be set,
# not the loopback address worked out for `make run`.
if not DEBUG:
    from urllib.parse import urlsplit

    _site = urlsplit(SITE_URL)
    if "SITE_URL" not in os.environ or _site.scheme not in ("http", "https") or not _site.hostname:
        raise environ.ImproperlyConfigured(
            "Set SITE_URL to the address people reach the site at (e.g. "
            "https://marketplace.example.com) when DEBUG is false: every e-mailed link "
            "starts with it."
        )

# Celery: Redis in production and CI (REDIS_URL); with no REDIS_URL, kombu's
# filesystem transport under DATA_DIR/celery, so a bare machine needs no
# server (marketplace/celery.py makes its folders when the app is configured).
REDIS_URL = env("REDIS_URL")
# Every call to Redis gives up after REDIS_TIMEOUT seconds, to connect and to
# answer. A Redis that accepts connections and never answers (frozen,
# failing over, a dropped NAT entry) otherwise holds a web process until its
# worker timeout kills it, after the change was already saved.
REDIS_TIMEOUT = env("REDIS_TIMEOUT")
# A dead worker's claims come back together: its e-mails' lease
# (EMAIL_CLAIM_MINUTES) and its unacknowledged messages (the visibility
# timeout, after which Redis hands them to another worker). The lease must
# outlast one send (the e-mail tasks' soft_time_limit, 120 s; EMAIL_TIMEOUT
# per call to the mail server). The visibility timeout must outlast the
# lease, so that a redelivered e-mail task finds the claim over and sends,
# and the longest retry countdown of a task (128 s); it should outlast the
# longest task too: one still running then is handed out a second time
# (harmless, every task is safe to run twice, but wasted work). The sweep,
# every DEADLINE_SCAN_SECONDS, sends what a dead worker claimed once the
# lease is over: with the defaults within 4 minutes.
EMAIL_CLAIM_MINUTES = env("EMAIL_CLAIM_MINUTES")
CELERY_VISIBILITY_TIMEOUT = env("CELERY_VISIBILITY_TIMEOUT")
if REDIS_TIMEOUT <= 0 or EMAIL_CLAIM_MINUTES <= 0:
    raise environ.ImproperlyConfigured("REDIS_TIMEOUT and EMAIL_CLAIM_MINUTES must be above 0.")
if REDIS_URL and CELERY_VISIBILITY_TIMEOUT <= EMAIL_CLAIM_MINUTES * 60:
    raise environ.ImproperlyConfigured(
        "CELERY_VISIBILITY_TIMEOUT must be longer than EMAIL_CLAIM_MINUTES, or a task "
        "redelivered after a worker died finds its e-mail still claimed and sends nothing."
    )
REDIS_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": REDIS_TIMEOUT,
    "socket_timeout": REDIS_TIMEOUT,
    # One try per publish: the web request is waiting, and the outbox sweep
    # is the retry. (Without it kombu retries a connection for
    # CELERY_BROKER_CONNECTION_TIMEOUT, a timeout per try.) A worker's own
    # connection keeps retrying (broker_connection_retry).
    "max_retries": 0,
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # Workers look for unacknowledged messages every tenth of the visibility
    # timeout (at most every minute).
    "unacked_restore_interval": max(1, min(60, CELERY_VISIBILITY_TIMEOUT // 10)),
    "unacked_restore_throttle": 1,
}
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_BROKER_TRANSPORT_OPTIONS
else:
    _queue = DATA_DIR / "celery" / "queue"
    CELERY_BROKER_URL = "filesystem://localhost/"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue),
        "data_folder_out": str(_queue),
        "control_folder": str(DATA_DIR / "celery" / "control"),
        "store_processed": False,
        "polling_interval": 0.5,
    }
# Two queues, so a deadline scan never waits behind a backlog of e-mail: a
# worker started without -Q consumes both, taking from each in turn (so a
# scan waits for one e-mail at most); `-Q scans` and `-Q email` scale them
# apart (docs/deploy.md). Everything not routed to "email" is a scan.
CELERY_TASK_QUEUES = (Queue("scans"), Queue("email"))
CELERY_TASK_DEFAULT_QUEUE = "scans"
CELERY_TASK_ROUTES = {
    "messaging.tasks.send_notification_email": {"queue": "email"},
    "messaging.tasks.sweep_unsent_notifications": {"queue": "email"},
    "resolution.tasks.email_support": {"queue": "email"},
    "resolution.tasks.sweep_support_emails": {"queue": "email"},
}
# No result backend: results are not kept, so no result client talks to Redis.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-task leaves the message to redeliver
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A worker that loses the broker lets what it runs finish (said explicitly:
# Celery 6 will default to cancelling). Cancelling could stop an e-mail task
# between sending and marking the notice sent, and send it twice later;
# finishing marks it sent, so a redelivered copy finds nothing to do.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must not hold a web request when the broker is down or hangs:
# one try, no retry, each call bounded by REDIS_TIMEOUT; the failure starts
# the broker back-off (marketplace.outages) and the outbox sweep sends the
# e-mail later. (The connection timeout is only kombu's window for retrying
# a connection; Redis's sockets are bounded by the transport options above.)
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY = False
# After a failure the broker and the rate-limit cache are left alone for this
# long by each process (marketplace.outages), and the outage is logged once.
OUTAGE_BACKOFF_SECONDS = env("OUTAGE_BACKOFF_SECONDS")
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
# Celery's own file-backed schedule, which also makes the file's folder.
CELERY_BEAT_SCHEDULER = "marketplace.celery:Scheduler"

# The periodic work, one static schedule. Every task is safe to run twice.
DEADLINE_SCAN_SECONDS = env("DEADLINE_SCAN_SECONDS")
SCAN_BATCH_SIZE = env("SCAN_BATCH_SIZE")
CELERY_BEAT_SCHEDULE = {
    "orders-due-soon": {"task": "sales.tasks.flag_due_soon", "schedule": DEADLINE_SCAN_SECONDS},
    "orders-late": {"task": "sales.tasks.flag_late", "schedule": DEADLINE_SCAN_SECONDS},
    "orders-very-late": {"task": "sales.tasks.flag_very_late", "schedule": DEADLINE_SCAN_SECONDS},
    "requirements-reminders": {
        "task": "sales.tasks.remind_requirements",
        "schedule": DEADLINE_SCAN_SECONDS,
    },
    "deliveries-auto-complete": {
        "task": "sales.tasks.auto_complete_deliveries",
        "schedule": DEADLINE_SCAN_SECONDS,
    },
    "reviews-publish": {
        "task": "sales.tasks.publish_reviews",
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
    "support-emails-sweep": {
        "task": "resolution.tasks.sweep_support_emails",
        "schedule": DEADLINE_SCAN_SECONDS,
    },
    "attachment-orphans-sweep": {
        "task": "messaging.tasks.sweep_orphan_files",
        # A time of day, not "every 24 h": an interval starts again whenever
        # the schedule file is lost (`make run`'s Procfile removes it).
        "schedule": crontab(hour=3, minute=17),
    },
    "job-image-orphans-sweep": {
        "task": "jobs.tasks.sweep_job_image_orphans",
        "schedule": crontab(hour=3, minute=37),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL")},
}


# ---------------------------------------------------------------------------
# Production hardening: one switch.
#
# DEBUG=false, SECRET_KEY (50+ random characters) and ALLOWED_HOSTS give a
# configuration for which `manage.py check --deploy` reports nothing: HTTPS
# only (behind a proxy that sets X-Forwarded-Proto), HSTS, secure cookies.
# With DEBUG=true (the default) none of the HTTPS settings apply, so
# `make run` serves plain http://127.0.0.1:8000. SECURE=false lets a
# DEBUG=false server run on plain HTTP (a loopback soak run, say). SECURE,
# CSP and the HSTS settings are read near the top, with the other defaults
# that follow another variable.
# ---------------------------------------------------------------------------
# The proxy in front terminates TLS and says so in this header; only trust it
# because that proxy overwrites whatever the client sent.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = SECURE
# Probes from the load balancer come over plain HTTP on the inside.
SECURE_REDIRECT_EXEMPT = [r"^ping$", r"^healthz$"]
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
CSRF_COOKIE_HTTPONLY = True  # htmx gets the token from the page, never the cookie
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp 4): everything from this origin, no
# inline scripts or styles (no `style=` in templates; htmx's indicator style
# lives in app.css, see the htmx-config meta tag in base.html). On whenever
# DEBUG is false; CSP=true turns it on in development too.
_SELF = "'self'"
CSP_DIRECTIVES = {
    "default-src": [_SELF],
    "script-src": [_SELF],
    "style-src": [_SELF],
    "img-src": [_SELF, "data:"],  # Bootstrap's icons are data: SVGs
    "font-src": [_SELF],
    "connect-src": [_SELF],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": [_SELF],
}
CONTENT_SECURITY_POLICY = {"DIRECTIVES": CSP_DIRECTIVES} if CSP else None

# Caches: rate limits count here. One process per machine is fine with the
# default (local memory); several web processes need a shared cache, e.g.
# CACHE_URL=redis://127.0.0.1:6379/1 (a database other than the broker's).
CACHES = {"default": env.cache_url("CACHE_URL")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # An unreachable or hanging cache must fail fast (the rate limits then
    # step aside for OUTAGE_BACKOFF_SECONDS), not hold a web worker for the
    # system's TCP timeouts or for ever.
    CACHES["default"].setdefault("OPTIONS", {})
    CACHES["default"]["OPTIONS"].setdefault("socket_connect_timeout", 0.5)
    CACHES["default"]["OPTIONS"].setdefault("socket_timeout", 0.5)

# django-axes: AXES_FAILURE_LIMIT failed log-ins for one username from one
# address lock that pair out for AXES_COOLOFF_MINUTES (a page says so, 429).
AXES_FAILURE_LIMIT = env("AXES_FAILURE_LIMIT")
AXES_COOLOFF_TIME = env("AXES_COOLOFF_MINUTES") / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
# The address: REMOTE_ADDR, or behind TRUSTED_PROXIES proxies the one they
# put in X-Forwarded-For (marketplace/proxies.py). Leaving it at 0 behind a
# proxy locks a username out for everybody (every client has its address).
TRUSTED_PROXIES = env("TRUSTED_PROXIES")
AXES_CLIENT_IP_CALLABLE = "marketplace.proxies.client_ip"
AXES_VERBOSE = False

# Per-user rate limits on writes that reach other people: "count/seconds".
# Past a limit the answer is 429 and nothing is written.
RATE_LIMITS = {
    "message": env("RATE_LIMIT_MESSAGES"),
    "request": env("RATE_LIMIT_REQUESTS"),
    "ticket": env("RATE_LIMIT_TICKETS"),
}
for _limit, _rate in RATE_LIMITS.items():
    # A bad value must stop the start, not make every POST a 500.
    try:
        parse_rate(_rate)
    except ValueError:
        raise environ.ImproperlyConfigured(
            f"The {_limit} rate limit must be count/seconds, e.g. 30/600; got {_rate!r}."
        ) from None

# Uploads: a file stops being read past ATTACHMENT_MAX_BYTES as it streams in
# (marketplace.limits.SizeLimitUploadHandler), and a request whose
# Content-Length is larger than UPLOAD_MAX_REQUEST_BYTES (above) is refused
# before its body is read.
FILE_UPLOAD_HANDLERS = [
    "marketplace.limits.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# ---------------------------------------------------------------------------
# End of production hardening.
# ---------------------------------------------------------------------------
