"""kefu settings: one module, driven by environment variables (see ``.env.example``).

Bad values stop start-up with a message naming the variable. Defaults suit one machine with
the embedded SQLite database; production sets ``DATABASE_URL`` and ``REDIS_URL``.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

from csp.constants import NONCE

from kefu.config.env import Env, load_dotenv

PACKAGE_DIR = Path(__file__).resolve().parent.parent

load_dotenv(Path.cwd() / ".env")
env = Env()

# Where kefu keeps its data (SQLite database, task queue, uploads, generated secret key):
# KEFU_DATA_DIR, else $XDG_DATA_HOME/kefu (~/.local/share/kefu). Never the directory a
# command happens to run in. ./scripts/demo sets it to the checkout's var/.
_XDG_DATA = env.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
DATA_DIR = Path(env.str("KEFU_DATA_DIR", str(Path(_XDG_DATA) / "kefu"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

# KEFU_PROFILE=production: served over HTTPS to real users. DEBUG must be off, and the
# transport protections (secure cookies, HTTPS redirect, HSTS, Content-Security-Policy) are
# on unless a variable below turns one off. See docs/operations.md, "Security settings".
PROFILE = env.choice("KEFU_PROFILE", "standard", ("standard", "production"))
PRODUCTION = PROFILE == "production"

DEBUG = env.bool("DEBUG", False)
if PRODUCTION and DEBUG:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("DEBUG must be false when KEFU_PROFILE=production")


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
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "template_partials",
    "axes",
    "csp",
    "simple_history",
    "huey.contrib.djhuey",
    "kefu.core",
    "kefu.org",
    "kefu.customers",
    "kefu.calendars",
    "kefu.sla",
    "kefu.notify",
    "kefu.tickets",
    "kefu.followups",
    "kefu.complaints",
    # the composition root: menu, workspace, seeds, kefu demo/serve/worker/createadmin
    "kefu.site",
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
# committed, in this order; one that fails is logged and does not stop the others
# (kefu.calendars.hooks).
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
    "kefu.core.middleware.NoStoreWhenSignedInMiddleware",
    "csp.middleware.CSPMiddleware",
    # a view that met a busy or unreachable database answers 503 with Retry-After
    "kefu.core.unavailable.DatabaseUnavailableMiddleware",
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
                "kefu.site.context_processors.shell",
            ],
        },
    }
]

# How long any wait for the database may last (a lock, a connection), in seconds; a
# request that gives up answers 503 with Retry-After (kefu.core.unavailable).
DB_LOCK_TIMEOUT = env.int("KEFU_DB_LOCK_TIMEOUT", 5, minimum=1)
DATABASES = {
    "default": env.database("DATABASE_URL", DATA_DIR / "kefu.sqlite3", lock_timeout=DB_LOCK_TIMEOUT)
}
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
LOGIN_REDIRECT_URL = "site:home"
LOGOUT_REDIRECT_URL = "login"

# Idle timeout: each request slides the expiry forward; an idle session ends after this.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", 30, minimum=1) * 60
SESSION_SAVE_EVERY_REQUEST = True
# a read is answered even when the database cannot take the expiry's refresh in time
SESSION_ENGINE = "kefu.core.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Plain-HTTP requests are redirected to HTTPS (the health check stays reachable over HTTP
# for load balancers and monitors).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# HSTS: browsers that saw kefu over HTTPS refuse plain HTTP to it for this many seconds.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", 31_536_000 if PRODUCTION else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = []
if SECURE_HSTS_SECONDS and not SECURE_HSTS_PRELOAD:
    # Submitting a domain to the browsers' preload list is its owner's decision (and is
    # impossible for an intranet name); the check would ask for it on every deployment.
    SILENCED_SYSTEM_CHECKS.append("security.W021")

# Content-Security-Policy (django-csp): scripts and styles only from kefu itself or carrying
# the page's nonce; nothing framed, no plugins, forms post only to kefu. "enforce" blocks
# anything else, "report-only" lets it run but reports it in the browser's console.
CSP_MODE = env.choice(
    "CSP_MODE", "enforce" if PRODUCTION else "off", ("off", "report-only", "enforce")
)
_CSP = {
    # Swagger UI (the API's documentation page) is drf-spectacular's page, with inline code
    "EXCLUDE_URL_PREFIXES": ["/api/v1/docs/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", NONCE],
        # style="…" attributes (layout widths, chart sizes); they cannot load anything
        # because images and fonts come only from kefu
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
CONTENT_SECURITY_POLICY = _CSP if CSP_MODE == "enforce" else None
CONTENT_SECURITY_POLICY_REPORT_ONLY = _CSP if CSP_MODE == "report-only" else None

# Login throttling: after AXES_FAILURE_LIMIT failures from one address (whatever user names
# were tried: password spraying), or for one user name from one address, that address is
# locked out for AXES_COOLOFF_MINUTES. A successful login from the address resets its count.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["ip_address", ["username", "ip_address"]]
# behind the TLS proxy, the address the proxy saw (not the proxy's own)
AXES_CLIENT_IP_CALLABLE = "kefu.org.views.client_ip"
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
    # JSON only, also for a browser that asks for HTML: an error is never an HTML page
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "kefu.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "kefu.api.schema.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "kefu.api.pagination.KeysetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min"},
    "EXCEPTION_HANDLER": "kefu.api.errors.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "kefu.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
# API tokens (django-rest-knox): only a digest of each key is stored; a token stops working
# after API_TOKEN_TTL_DAYS, and its owner (or an administrator) can revoke it at any time.
API_TOKEN_TTL = timedelta(days=env.int("API_TOKEN_TTL_DAYS", 90, minimum=1))
REST_KNOX = {"TOKEN_TTL": API_TOKEN_TTL, "AUTH_HEADER_PREFIX": "Token"}
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
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        # the error envelope's codes (kefu.<app>.errors.CODES …), published once
        "kefu.api.schema.postprocess_error_codes",
    ],
    # one name per choice set, whatever the field is called
    "ENUM_NAME_OVERRIDES": {
        "NeedEnum": "kefu.tickets.states.Need.choices",
        "TicketStatusEnum": "kefu.tickets.states.Status.choices",
        "PriorityEnum": "kefu.tickets.rules.Priority.choices",
        "TicketChannelEnum": "kefu.tickets.rules.Channel.choices",
        "VisitChannelEnum": "kefu.followups.models.VisitChannel.choices",
        "AccountKindEnum": "kefu.customers.models.AccountKind.choices",
        "CustomerKindEnum": "kefu.customers.models.CustomerKind.choices",
        "MilestoneKindEnum": "kefu.sla.models.MilestoneKindChoices.choices",
        "RemedyKindEnum": "kefu.complaints.rules.RemedyKind.choices",
        "CorrectiveActionKindEnum": "kefu.complaints.rules.ActionKind.choices",
        "NotificationKindEnum": "kefu.notify.models.NotificationKind.choices",
        "RoleCodeEnum": "kefu.org.roles.RoleCode.choices",
    },
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
        "huey_class": "huey.SqliteHuey",
        # an enqueue waits at most this long for the queue's write lock
        "connection": {"filename": str(DATA_DIR / "huey.sqlite3"), "timeout": DB_LOCK_TIMEOUT},
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
# Outbound messages: a worker's claim on a message lasts NOTIFY_LEASE_SECONDS (longer than
# any gateway or mail server timeout); after it the sweeper settles the message. A refused
# message is tried again after NOTIFY_RETRY_SECONDS × attempts, up to NOTIFY_MAX_ATTEMPTS.
NOTIFY_LEASE_SECONDS = env.int("NOTIFY_LEASE_SECONDS", 300, minimum=30)
NOTIFY_RETRY_SECONDS = env.int("NOTIFY_RETRY_SECONDS", 60, minimum=1)
NOTIFY_MAX_ATTEMPTS = env.int("NOTIFY_MAX_ATTEMPTS", 5, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # no phone or ID number (they travel in query strings) in any line written
    "filters": {"mask_personal": {"()": "kefu.core.logmask.MaskPersonalData"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["mask_personal"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # the development server's access log (`kefu serve --dev`), masked like the rest
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
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

# How much a work order takes, the same on every way in (staff and public forms, API,
# email intake): characters of the description and of each timeline note (reason, result,
# comment); the category fields' JSON in bytes, fields and characters per value. An email
# longer than the description is kept, its text cut with a note on the timeline.
KEFU_TICKET_DESCRIPTION_MAX_CHARS = 2000
KEFU_TICKET_NOTE_MAX_CHARS = 2000
KEFU_TICKET_EXTRA_MAX_BYTES = 8 * 1024
KEFU_TICKET_EXTRA_MAX_KEYS = 50
KEFU_TICKET_EXTRA_VALUE_MAX_CHARS = 500
