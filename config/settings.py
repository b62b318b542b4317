"""GGZY settings. Every value comes from the environment (see `.env.example`).

GGZY_ENV selects the profile: development (the embedded demo), test, or production.
Production refuses to start with the demo secret, with DEBUG, or without a real database.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

DEMO_SECRET_KEY = "ggzy-demo-secret-not-for-production"


def env(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Environment variable {name} is required.")
    return value


def env_bool(name: str, default: bool) -> bool:
    return env(name, "true" if default else "false").strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(env(name, str(default)))


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


GGZY_ENV = env("GGZY_ENV", "development")
if GGZY_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured("GGZY_ENV must be development, test or production.")
PRODUCTION = GGZY_ENV == "production"

SECRET_KEY = env("SECRET_KEY", None if PRODUCTION else DEMO_SECRET_KEY)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

if PRODUCTION:
    if SECRET_KEY == DEMO_SECRET_KEY or len(SECRET_KEY) < 40:
        raise ImproperlyConfigured(
            "Production refuses the demo SECRET_KEY: set a random secret of at least 40 characters."
        )
    if DEBUG:
        raise ImproperlyConfigured("Production refuses DEBUG=true.")

DATA_DIR = BASE_DIR / env("GGZY_DATA_DIR", "var")
DATA_DIR.mkdir(parents=True, exist_ok=True)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "ggzy.core",
    "ggzy.witness",
    "ggzy.jobs",
    "ggzy.rules",
    "ggzy.accounts",
    "ggzy.catalog",
    "ggzy.projects",
    "ggzy.supervision",
    "ggzy.notifications",
    "ggzy.tendering",
    "ggzy.experts",
    "ggzy.evaluation",
    "ggzy.disclosure",
    "ggzy.opendata",
    "ggzy.exchange",
    "ggzy.auctions",
    "ggzy.portal",
]

MIDDLEWARE = [
    "ggzy.core.middleware.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "ggzy.accounts.middleware.SessionPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"
# config/asgi.py: these paths (long-lived streams) go to Django's async handler; all others to the
# WSGI application on WEB_THREADS threads per process, which keep their database connections.
ASYNC_PATHS = env("ASYNC_PATHS", r"^/auctions/\d+/live/$")
WEB_THREADS = env_int("WEB_THREADS", 10)
# The auction room (ggzy/auctions/live.py) on SQLite: how often each web process re-reads the watched sales.
AUCTION_LIVE_POLL_SECONDS = float(env("AUCTION_LIVE_POLL_SECONDS", "0.25"))
# The least time between two pushes of a sale's new events to its watchers: what arrives meanwhile
# goes out together with the next push (ggzy/auctions/live.py `Hub._fan_out`). 0: every batch at once.
AUCTION_LIVE_PUSH_SECONDS = float(env("AUCTION_LIVE_PUSH_SECONDS", "0.1"))
# Bids of one sale that arrive while its last write runs are written together (auctions/services.py
# `sale_bid`): at most this many in one transaction.
AUCTION_BID_BATCH_MAX = env_int("AUCTION_BID_BATCH_MAX", 50)
# Before a batch is written, it waits at most this long for the sale's bid requests already running
# on this process's threads to reach it (auctions/services.py `_gather`): then bids are judged in
# the order the server received them across batches too. 0: no wait.
AUCTION_BID_GATHER_SECONDS = float(env("AUCTION_BID_GATHER_SECONDS", "0.05"))
# A sale whose bidding closed waits for the seller to release the sealed reserve's key: the seller
# is told at the close, and if the key is still missing this many minutes later the center's staff
# and the supervisor are alerted (auctions/services.py `reserve_key_overdue_check`). An operating
# choice of the platform, not a rule of law: the rules say the result is announced at the close.
AUCTION_RESERVE_KEY_ALERT_MINUTES = env_int("AUCTION_RESERVE_KEY_ALERT_MINUTES", 30)
# A notice search stopped after this many milliseconds asks the visitor to narrow it (PostgreSQL;
# 0 = no limit). disclosure/search.py `time_limit`, docs/search.md.
SEARCH_TIME_LIMIT_MS = env_int("SEARCH_TIME_LIMIT_MS", 1000)

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ggzy.portal.context_processors.portal",
            ],
        },
    },
]


def _database() -> dict[str, object]:
    default_url = "sqlite:///" + str(DATA_DIR / "ggzy.sqlite3")
    url = env("DATABASE_URL", None if PRODUCTION else default_url)
    config: dict[str, object] = dict(
        dj_database_url.parse(url, conn_max_age=env_int("CONN_MAX_AGE", 60), conn_health_checks=True)
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at BEGIN, so
        # concurrent writers queue on the busy timeout instead of failing mid-transaction.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": env_int("SQLITE_BUSY_TIMEOUT", 30),
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
                "PRAGMA busy_timeout=" + str(env_int("SQLITE_BUSY_TIMEOUT", 30) * 1000) + ";"
            ),
        }
        config["CONN_MAX_AGE"] = 0
        test_name = os.environ.get("SQLITE_TEST_NAME")
        if test_name:
            config["TEST"] = {"NAME": test_name}
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# Django's model backend, with the roles read together with the user on each request.
AUTHENTICATION_BACKENDS = ["ggzy.accounts.backends.AccountBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:workbench"
LOGOUT_REDIRECT_URL = "portal:home"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = env_int("SESSION_ABSOLUTE_SECONDS", 12 * 3600)
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_IDLE_PRIVILEGED_SECONDS = env_int("SESSION_IDLE_PRIVILEGED_SECONDS", 15 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = env_bool("SECURE_COOKIES", PRODUCTION)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True

LOGIN_FAILURES_BEFORE_LOCK = env_int("LOGIN_FAILURES_BEFORE_LOCK", 5)
LOGIN_LOCK_SECONDS = env_int("LOGIN_LOCK_SECONDS", 300)
LOGIN_LOCK_MAX_SECONDS = env_int("LOGIN_LOCK_MAX_SECONDS", 3600)

LANGUAGE_CODE = "zh-hans"
# Each language is named in itself, so a reader finds their own language whatever the page shows.
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"

PLATFORM_CODE = env("PLATFORM_CODE", "GGZY-YL")
PLATFORM_REGION_CODE = env("PLATFORM_REGION_CODE", "654000")

NINJA_PAGINATION_PER_PAGE = 50

# OCDS open data (docs/open-data.md): every ocid starts with this prefix. The demo default is not a
# registered prefix; register one with the OCDS helpdesk (data@open-contracting.org) before going live.
OCDS_OCID_PREFIX = env("OCDS_OCID_PREFIX", "ocds-ggzy00")

# National data exchange (docs/national-data.md): the GCJS_* data sets pushed to the provincial
# platform. disabled (the embedded default): records are collected and marked as not sent.
_EXCHANGE_BACKEND_PATHS = {
    "disabled": "ggzy.exchange.backends.DisabledBackend",
    "memory": "ggzy.exchange.backends.MemoryBackend",
    "http": "ggzy.exchange.backends.HttpBackend",
}
_exchange_backend = env("EXCHANGE_BACKEND", "disabled")
if _exchange_backend not in _EXCHANGE_BACKEND_PATHS:
    raise ImproperlyConfigured("EXCHANGE_BACKEND must be disabled, memory or http.")
EXCHANGE_BACKEND = _EXCHANGE_BACKEND_PATHS[_exchange_backend]
EXCHANGE_ENDPOINT_URL = env("EXCHANGE_ENDPOINT_URL", "")
EXCHANGE_ENDPOINT_TOKEN = env("EXCHANGE_ENDPOINT_TOKEN", "")
if _exchange_backend == "http" and not EXCHANGE_ENDPOINT_URL:
    raise ImproperlyConfigured("EXCHANGE_BACKEND=http needs EXCHANGE_ENDPOINT_URL.")
EXCHANGE_TIMEOUT_SECONDS = env_int("EXCHANGE_TIMEOUT_SECONDS", 10)
EXCHANGE_MAX_ATTEMPTS = env_int("EXCHANGE_MAX_ATTEMPTS", 6)
EXCHANGE_RETRY_SECONDS = env_int("EXCHANGE_RETRY_SECONDS", 60)
EXCHANGE_COLLECT_SECONDS = env_int("EXCHANGE_COLLECT_SECONDS", 300)
EXCHANGE_PLATFORM_CODE = env("EXCHANGE_PLATFORM_CODE", PLATFORM_CODE)
EXCHANGE_PUB_SERVICE_PLAT_CODE = env("EXCHANGE_PUB_SERVICE_PLAT_CODE", "")
EXCHANGE_PUBLIC_URL = env("EXCHANGE_PUBLIC_URL", "http://127.0.0.1:8000")
EXCHANGE_NOTICE_MEDIA = env("EXCHANGE_NOTICE_MEDIA", "伊犁州公共资源交易平台")

# Notifications (SMS and e-mail). The embedded default writes them to the log.
_NOTIFICATION_BACKEND_PATHS = {
    "console": "ggzy.notifications.backends.ConsoleBackend",
    "memory": "ggzy.notifications.backends.MemoryBackend",
    "smtp": "ggzy.notifications.backends.EmailBackend",
    "http": "ggzy.notifications.backends.HttpSmsBackend",
}
NOTIFICATION_BACKENDS = {
    "sms": _NOTIFICATION_BACKEND_PATHS[env("NOTIFICATION_SMS_BACKEND", "console")],
    "email": _NOTIFICATION_BACKEND_PATHS[env("NOTIFICATION_EMAIL_BACKEND", "console")],
}
NOTIFICATION_SMS_URL = env("NOTIFICATION_SMS_URL", "")
NOTIFICATION_SMS_SECRET = env("NOTIFICATION_SMS_SECRET", "")
if NOTIFICATION_BACKENDS["sms"].endswith("HttpSmsBackend") and not (NOTIFICATION_SMS_URL and NOTIFICATION_SMS_SECRET):
    raise ImproperlyConfigured("NOTIFICATION_SMS_BACKEND=http needs NOTIFICATION_SMS_URL and NOTIFICATION_SMS_SECRET.")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "ggzy@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["stderr"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

if GGZY_ENV == "test":
    EXCHANGE_BACKEND = _EXCHANGE_BACKEND_PATHS["memory"]
    NOTIFICATION_BACKENDS = {
        "sms": _NOTIFICATION_BACKEND_PATHS["memory"],
        "email": _NOTIFICATION_BACKEND_PATHS["memory"],
    }
    # Cheap Argon2 parameters keep the suite fast; production uses Django's defaults.
    PASSWORD_HASHERS = ["ggzy.accounts.hashers.TestArgon2PasswordHasher"]
