"""Settings for Gongzhi, read from the environment.

Every setting that differs between a developer's machine, CI and production comes from an
environment variable and is parsed strictly: a malformed value stops the start-up instead of
silently meaning something else.
"""

from __future__ import annotations

import json
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from core.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent


DEBUG = env_bool("GONGZHI_DEBUG", default=False)
# The demo settings (used by `make run` and the tests) set GONGZHI_DEMO=true; production never does,
# so demo passwords and development keys cannot reach a production deployment.
DEMO = env_bool("GONGZHI_DEMO", default=False)

SECRET_KEY = env_str("GONGZHI_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEMO:
        raise ImproperlyConfigured("GONGZHI_SECRET_KEY must be set outside the demo")
    SECRET_KEY = "demo-only-secret-key-not-for-production-use-0123456789abcdef"

# Keys for field-level encryption of personal data (phone, ID number, address). The first key
# encrypts; every key decrypts, so a new key can be put in front and old rows re-encrypted later.
PII_KEYS = env_list("GONGZHI_PII_KEYS", [])
# A separate key for the keyed hashes that let us look up an encrypted ID number or phone.
PII_INDEX_KEY = env_str("GONGZHI_PII_INDEX_KEY", "")
if not PII_KEYS or not PII_INDEX_KEY:
    if not DEMO:
        raise ImproperlyConfigured("GONGZHI_PII_KEYS and GONGZHI_PII_INDEX_KEY must be set outside the demo")
    PII_KEYS = PII_KEYS or ["ZGVtby1vbmx5LXBpaS1rZXktMDEyMzQ1Njc4OWFiY2Q="]
    PII_INDEX_KEY = PII_INDEX_KEY or "demo-only-pii-index-key"

ALLOWED_HOSTS = env_list("GONGZHI_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("GONGZHI_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Django's widget templates, for FORM_RENDERER below (it renders with the project's template engine).
    "django.forms",
    "ninja",
    "core",
    "accounts",
    "regions",
    "organisations",
    "workcalendar",
    "categories",
    "cases",
    "notifications",
    "portal",
    "reports",
    "routing",
    "api",
    "open311",
    "meetings",
    "volunteers",
    "halls",
    "consultations",
    "govservices",
    "tasks",
    "gradings",
    "console",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.security.PrivateResponsesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.audit.AuditContextMiddleware",
    "core.denials.DeniedAccessAuditMiddleware",
    "accounts.middleware.PasswordChangeRequiredMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "accounts.drafts.FormDraftMiddleware",
]

ROOT_URLCONF = "config.urls"

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
                "console.context_processors.navigation",
                "notifications.context_processors.unread_notifications",
            ],
        },
    },
]

# Every form field, wherever it is drawn, uses templates/includes/field.html (core.forms.FieldRenderer).
FORM_RENDERER = "core.forms.FieldRenderer"

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("GONGZHI_DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Dashboard aggregates are short queries on which PostgreSQL's JIT spends more time compiling
    # than it saves (measured: 1.8 s of 1.9 s at 12,000 cases).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while one writer commits; the timeout waits for a lock instead of failing.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# The cache holds the rate-limit counters (anonymous intake, tracking-code lookups) and a minute of each
# dashboard. With several app processes it must be shared, or each process counts on its own and the
# limits loosen by their number: GONGZHI_CACHE=database keeps it in the table `gongzhi_cache`
# (`manage.py createcachetable`), which every process sees. `check --deploy` warns while it is local.
CACHE_KIND = env_str("GONGZHI_CACHE", "local").strip().lower()
if CACHE_KIND == "database":
    # Past MAX_ENTRIES a write first drops the expired rows, then a third of the rest; 10,000 keeps the
    # live counters of a busy window without making the row count read before every write costly.
    CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "gongzhi_cache",
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    }}
elif CACHE_KIND == "local":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "gongzhi"}}
else:
    raise ImproperlyConfigured(f"GONGZHI_CACHE must be 'local' or 'database', got {CACHE_KIND!r}")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "console:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "accounts.validators.ChineseUserAttributeSimilarityValidator"},
    {"NAME": "accounts.validators.ChineseMinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "accounts.validators.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in checks the lockout before the password (see accounts/lockout.py).
AUTHENTICATION_BACKENDS = ["accounts.backends.LockoutModelBackend"]
# Lockout: this many failed sign-ins within the window lock the account, and separately the client
# address, for the window. Offices behind one NAT address may need a higher address limit.
LOGIN_FAILURE_LIMIT = env_int("GONGZHI_LOGIN_FAILURE_LIMIT", 5)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("GONGZHI_LOGIN_ADDRESS_FAILURE_LIMIT", LOGIN_FAILURE_LIMIT)
LOGIN_LOCKOUT_MINUTES = env_int("GONGZHI_LOGIN_LOCKOUT_MINUTES", 10)
# A one-time code (TOTP) is required of county administrators (superusers, admin-site staff and county
# staff); off in the demo so its published accounts keep working with a password alone.
REQUIRE_TOTP_FOR_COUNTY = env_bool("GONGZHI_REQUIRE_TOTP_FOR_COUNTY", default=not DEMO)
TOTP_ISSUER = env_str("GONGZHI_TOTP_ISSUER", "共治")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = Path(env_str("GONGZHI_MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
# Front-end libraries come from the npm registry into node_modules (pinned in package.json) and are
# served from here; nothing is loaded from the internet.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/echarts", BASE_DIR / "node_modules" / "echarts" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_AGE = env_int("GONGZHI_SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True  # the age above then counts from the last request: an idle timeout
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("GONGZHI_SECURE_COOKIES", default=not DEMO)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
# Outside the demo the site is served over HTTPS only; a reverse proxy that ends TLS sets the header below.
SECURE_SSL_REDIRECT = env_bool("GONGZHI_SSL_REDIRECT", default=not DEMO)
SECURE_HSTS_SECONDS = env_int("GONGZHI_HSTS_SECONDS", 0 if DEMO else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("GONGZHI_HSTS_INCLUDE_SUBDOMAINS", default=not DEMO)
SECURE_HSTS_PRELOAD = env_bool("GONGZHI_HSTS_PRELOAD", default=not DEMO)
if env_bool("GONGZHI_BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Behind a reverse proxy: the header it overwrites with the client's address (e.g. X-Real-IP), used by
# the sign-in lockout. Leave empty when clients connect directly.
CLIENT_ADDRESS_HEADER = env_str("GONGZHI_CLIENT_ADDRESS_HEADER", "")
# Content-Security-Policy and Permissions-Policy are set by core.security.SecurityHeadersMiddleware.
# Audit rows younger than this many months are never deleted (`manage.py audit_retention`).
AUDIT_RETENTION_MIN_MONTHS = 6

# Lifetime of an API bearer token.
API_TOKEN_TTL_HOURS = env_int("GONGZHI_API_TOKEN_TTL_HOURS", 12)

# Text messages to residents: the class that sends them (a gateway's adapter); the default only logs.
# `check --deploy` refuses the logging one outside the demo.
GONGZHI_SMS_BACKEND = env_str("GONGZHI_SMS_BACKEND", "notifications.sms.LoggingSmsBackend")
# The HTTP gateway of `notifications.sms.HttpSmsBackend` and its bearer token.
GONGZHI_SMS_GATEWAY_URL = env_str("GONGZHI_SMS_GATEWAY_URL", "")
GONGZHI_SMS_GATEWAY_TOKEN = env_str("GONGZHI_SMS_GATEWAY_TOKEN", "")
# How many hours before a deadline `run_clocks` reminds the body that must meet it.
GONGZHI_REMINDER_HOURS = env_int("GONGZHI_REMINDER_HOURS", 4)

# Largest spreadsheet an import accepts.
IMPORT_MAX_BYTES = env_int("GONGZHI_IMPORT_MAX_BYTES", 10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = IMPORT_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = IMPORT_MAX_BYTES + 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("GONGZHI_LOG_LEVEL", "WARNING")},
}

# Case workflow clocks (see cases/services.py and docs/kpis.md).
WHISTLE_REPORT_IN_MINUTES = env_int("GONGZHI_WHISTLE_REPORT_IN_MINUTES", 120)
WHISTLE_EMERGENCY_REPORT_IN_MINUTES = env_int("GONGZHI_WHISTLE_EMERGENCY_REPORT_IN_MINUTES", 30)
CASE_SOON_DUE_HOURS = env_int("GONGZHI_CASE_SOON_DUE_HOURS", 24)
CASE_UNSATISFIED_MEETING = env_str("GONGZHI_CASE_UNSATISFIED_MEETING", "joint_meeting")

# Meetings and 四议两公开 (meetings/rules.py). Rules per jurisdiction and body kind, as JSON, the most
# specific first: {"610424:party_members": {"quorum": [2, 3], "quorum_strict": false}}.
try:
    MEETING_RULES = json.loads(env_str("GONGZHI_MEETING_RULES", "") or "{}")
    # Days of notice a body's meeting needs at least; 居民会议 10 by default.
    MEETING_NOTICE_DAYS = {"residents": 10, **json.loads(env_str("GONGZHI_MEETING_NOTICE_DAYS", "") or "{}")}
except ValueError as exc:
    raise ImproperlyConfigured(f"GONGZHI_MEETING_RULES / GONGZHI_MEETING_NOTICE_DAYS must be JSON: {exc}") from exc
# How long each 公开 of 四议两公开 stays on the public pages before it is archived.
DISCLOSURE_DAYS = env_int("GONGZHI_DISCLOSURE_DAYS", 30)
