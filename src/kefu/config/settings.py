"""kefu settings: one module, driven by environment variables (see ``.env.example``).

Bad values stop start-up with a message naming the variable. Defaults suit one machine with
the embedded SQLite database; production sets ``DATABASE_URL`` and ``REDIS_URL``.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

from kefu.config.env import Env, load_dotenv

PACKAGE_DIR = Path(__file__).resolve().parent.parent

load_dotenv(Path.cwd() / ".env")
env = Env()

DATA_DIR = Path(env.str("KEFU_DATA_DIR", str(Path.cwd() / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", False)


def _secret_key() -> str:
    configured = env.environ.get("SECRET_KEY", "")
    if configured:
        if len(configured) < 32:
            from django.core.exceptions import ImproperlyConfigured

            raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters long")
        return configured
    # One machine with no SECRET_KEY set: keep a generated key beside the data so sessions
    # survive restarts; several servers must share one SECRET_KEY through the environment.
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "template_partials",
    "axes",
    "simple_history",
    "huey.contrib.djhuey",
    "kefu.core",
    "kefu.org",
    "kefu.customers",
    "kefu.sla",
    "kefu.notify",
    "kefu.tickets",
    "kefu.followups",
    "kefu.complaints",
]

# The work-order lifecycle (kefu.tickets.lifecycle): the apps that take part when an order
# is created or moved, in the order they run. Each names what blocks an action, what it
# prepares before the order is written and how it reacts to the creation and to each move.
KEFU_TICKET_LIFECYCLE = [
    # time limits: deadlines planned and stored, clocks met, paused and resumed; an
    # unanswered overdue investigation blocks Close
    "kefu.sla.lifecycle.SlaParticipant",
    # complaint case files: opened with a register number, a tip-off's reporter sealed;
    # open corrective actions, pending remedies and untold customers block Close
    "kefu.complaints.lifecycle.ComplaintsParticipant",
    # return visits: created on resolution, ended when the order is closed or reopened
    "kefu.followups.lifecycle.FollowupsParticipant",
]

# Called (with calendar_code, year, reason) after a change to a working calendar has
# committed, in this order; one that fails is logged and does not stop the others.
KEFU_CALENDAR_CHANGE_LISTENERS = [
    # recompute the running time limits that the change moves
    "kefu.sla.engine.recompute_deadlines",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kefu.core.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kefu.config.urls"
WSGI_APPLICATION = "kefu.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kefu.core.context_processors.shell",
            ],
        },
    }
]

DATABASES = {"default": env.database("DATABASE_URL", DATA_DIR / "kefu.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "org.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "login"

# Idle timeout: each request slides the expiry forward; an idle session ends after this.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", 30, minimum=1) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if env.bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Login throttling: after AXES_FAILURE_LIMIT failures for one user name from one address,
# that pair is locked out for AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "kefu.org.views.lockout"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env.timezone("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", str(DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the installed packages as well, so a fresh install works before (or
# without) collectstatic; `kefu serve` still collects for compressed files.
WHITENOISE_USE_FINDERS = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "kefu.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "kefu.api.pagination.KeysetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "kefu API",
    "DESCRIPTION": (
        "kefu 客户服务管理系统 REST API. Authenticate with `Authorization: Token <key>` "
        "(create the token on your staff page), or with a logged-in browser session."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"NeedEnum": "kefu.tickets.states.Need.choices"},
}

REDIS_URL = env.str("REDIS_URL", "") if env.environ.get("REDIS_URL") else ""
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"REDIS_URL={REDIS_URL!r} must start with redis:// or rediss://")

HUEY = {
    "name": "kefu",
    "immediate": env.bool("HUEY_IMMEDIATE", False),
    "utc": True,
    "consumer": {
        "workers": env.int("WORKER_THREADS", 2, minimum=1),
        "worker_type": "thread",
        "periodic": True,
    },
}
if REDIS_URL:
    HUEY |= {"huey_class": "huey.RedisHuey", "connection": {"url": REDIS_URL}}
else:
    HUEY |= {
        "huey_class": "kefu.core.hueyqueue.QueuedSqliteHuey",
        "connection": {"filename": str(DATA_DIR / "huey.sqlite3")},
    }

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {
            # shared by every process on the machine (rate limits, counters)
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    )
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Email: SMTP by default (configure EMAIL_HOST …); console for trying things out.
EMAIL_BACKEND = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
}[env.choice("EMAIL_BACKEND", "smtp", ("smtp", "console"))]
EMAIL_HOST = env.str("EMAIL_HOST", "localhost")
EMAIL_PORT = env.int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", "kefu@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Email intake (`kefu fetch_mail`, and the worker every IMAP_POLL_MINUTES): each new message
# in this IMAP folder becomes a work order of category IMAP_CATEGORY. No IMAP_HOST: off.
IMAP_HOST = env.str("IMAP_HOST", "")
IMAP_PORT = env.int("IMAP_PORT", 993, minimum=1)
IMAP_USER = env.str("IMAP_USER", "")
IMAP_PASSWORD = env.environ.get("IMAP_PASSWORD", "")
IMAP_SSL = env.bool("IMAP_SSL", True)
IMAP_FOLDER = env.str("IMAP_FOLDER", "INBOX")
IMAP_CATEGORY = env.str("IMAP_CATEGORY", "")
IMAP_POLL_MINUTES = env.int("IMAP_POLL_MINUTES", 2, minimum=1)
if IMAP_HOST and not (IMAP_USER and IMAP_CATEGORY):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "IMAP_USER and IMAP_CATEGORY (the code of the category for orders from email) "
        "must be set when IMAP_HOST is"
    )


def _claim_departments(name: str) -> dict[str, str]:
    from django.core.exceptions import ImproperlyConfigured

    mapping = {}
    for pair in env.list(name, []):
        channel, _sep, code = (part.strip() for part in pair.partition("="))
        if not (channel and code):
            raise ImproperlyConfigured(
                f"{name}: write channel=department code pairs, e.g. web=kfzx,email=cd-kf"
            )
        mapping[channel] = code
    return mapping


# Orders that come in without a staff member (web form, email, SMS) wait in a customer
# service centre's claim queue (待认领): per channel, that centre's department code. A
# channel not named here: the centre nearest the top of the organisation.
CLAIM_DEPARTMENTS = _claim_departments("CLAIM_DEPARTMENTS")

# SMS: the "log" backend records each message in the database (no gateway needed);
# a gateway backend plugs in by dotted path.
SMS_BACKEND = env.str("SMS_BACKEND", "log")
if SMS_BACKEND != "log" and "." not in SMS_BACKEND:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        f"SMS_BACKEND={SMS_BACKEND!r} must be 'log' or the dotted path of a gateway backend"
    )
SMS_SIGNATURE = env.str("SMS_SIGNATURE", "【客服中心】")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # the consumer (`kefu worker`) gives huey its own handler; do not print twice
        "huey": {"propagate": False},
    },
}

# How much demo data `kefu demo` loads, in percent of the full demo (tests load a sliver).
DEMO_PERCENT = env.int("DEMO_PERCENT", 100, minimum=1)

# A worker that has not reported for this long makes /healthz say the queue is not served.
WORKER_HEARTBEAT_STALE_SECONDS = env.int("WORKER_HEARTBEAT_STALE_SECONDS", 180, minimum=30)
CSRF_FAILURE_VIEW = "kefu.core.views.csrf_failure"


def _fernet_keys(name: str) -> list[str]:
    import base64
    import binascii

    from django.core.exceptions import ImproperlyConfigured

    keys = env.list(name, [])
    for key in keys:
        try:
            ok = len(base64.urlsafe_b64decode(key.encode())) == 32
        except (binascii.Error, ValueError):
            ok = False
        if not ok:
            raise ImproperlyConfigured(
                f"{name}: each key must be a Fernet key (32 url-safe base64-encoded bytes)"
            )
    return keys


# Keys that seal tip-off reporters' identities (the first encrypts; all decrypt, for
# rotation). Empty: a key derived from SECRET_KEY.
TIPOFF_IDENTITY_KEYS = _fernet_keys("TIPOFF_IDENTITY_KEYS")
