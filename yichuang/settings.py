"""Django settings for yichuang. Every value from the environment goes through ``yichuang.env``."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import csp.constants as csp
import dj_database_url
import django_stubs_ext
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from yichuang.common.clientip import parse_trusted_proxies
from yichuang.env import env_bool, env_int, env_json, env_list, env_secret, env_str

# ``admin.ModelAdmin[Case]``, ``forms.ModelForm[Case]``, ``Paginator[Case]``: the generic parameters
# ``mypy --strict`` asks for, made subscriptable at runtime (django-stubs-ext's documented way).
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent

# "dev" (a developer's machine, the demo) or "production". Production refuses demo credentials
# and needs a real SECRET_KEY.
YICHUANG_ENV = env_str("YICHUANG_ENV", "dev")
if YICHUANG_ENV not in {"dev", "demo", "test", "production"}:
    raise ImproperlyConfigured(f"YICHUANG_ENV must be dev, demo, test or production, got {YICHUANG_ENV!r}")
PRODUCTION = YICHUANG_ENV == "production"


def _required_in_production(name: str, example: str) -> str:
    """A value production cannot guess: without it the process stops at start-up, naming the variable."""
    value = env_str(name, "").strip()
    if PRODUCTION and not value:
        raise ImproperlyConfigured(
            f"生产环境（YICHUANG_ENV=production）必须设置 {name}，例如 {name}={example}"
            f"（docs/deployment.md）。{name} is required when YICHUANG_ENV=production."
        )
    return value


# Uploads, keys and static files; in production never a folder inside the installed package.
DATA_DIR = Path(
    _required_in_production("YICHUANG_DATA_DIR", "/var/lib/yichuang") or str(BASE_DIR / "var")
).resolve()

_secret = env_secret("SECRET_KEY")
if not _secret:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) is required when YICHUANG_ENV=production")
    _secret = "dev-only-insecure-key-do-not-use-in-production"
SECRET_KEY: str = _secret

# Django's debug pages show settings and tracebacks: only when asked for (DEBUG=1), never in production.
DEBUG = env_bool("DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when YICHUANG_ENV=production（生产环境不得开启 DEBUG）")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["*"])
if PRODUCTION and not ALLOWED_HOSTS:
    _required_in_production("ALLOWED_HOSTS", "ych.example.gov.cn")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
USE_X_FORWARDED_HOST = env_bool("USE_X_FORWARDED_HOST", False)
#: Who may say the client's address in X-Forwarded-For (``yichuang.common.clientip``): empty = nobody
#: (the peer's address), a number = that many proxies of ours in front, or addresses/networks
#: (``127.0.0.1,10.0.0.0/8``). Throttles, the login lockout, the audit trail and logs all use it.
YICHUANG_TRUSTED_PROXIES = env_str("YICHUANG_TRUSTED_PROXIES", "").strip()
parse_trusted_proxies(YICHUANG_TRUSTED_PROXIES)  # a bad value stops the start, naming the variable
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
# HTTPS in production (``yichuang check --deploy``): the proxy terminates TLS and says so in
# X-Forwarded-Proto; a plain-HTTP request is redirected, and browsers are told to stay on HTTPS.
# /healthz and /readyz are answered before any of this (yichuang.common.health), so probes over
# plain HTTP from the proxy or the monitoring still work. SECURE_SSL_REDIRECT=0 for an office that
# has no certificate yet (then cookies are not marked secure either: set BEHIND_TLS_PROXY=0 too).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
# Subdomains of the service's own host (not of the county's domain): none of them should speak plain HTTP.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
# The browsers' preload list is for public sites whose owner applies; a host on the government
# extranet (政务外网) cannot be on it. Not asking is a choice, not an omission.
SECURE_HSTS_PRELOAD = False
SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Scripts only from our own files (django-csp; a script that must be inline carries the request's nonce,
# ``{{ request.csp_nonce }}``); styles may be inline (style attributes in the pages, htmx's indicator
# style): a style cannot run code. No frames, no plugins, forms post only here.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF, csp.NONCE],
        "style-src": [csp.SELF, csp.UNSAFE_INLINE],
        "img-src": [csp.SELF, "data:", "blob:"],
        "font-src": [csp.SELF, "data:"],
        "connect-src": [csp.SELF],
        "worker-src": [csp.SELF, "blob:"],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    }
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
#: Browser features no page of ours uses (the intake's camera button is a file input, which needs none).
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    # Staff API tokens kept as digests, with expiry, one per sign-in (yichuang.org.tokens)
    "knox",
    # Other systems' API clients: OAuth2 client credentials with scopes (integrations, decision 141)
    "oauth2_provider",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "js_lib_htmx",
    "yichuang.common",
    "yichuang.pii",
    "yichuang.org",
    "yichuang.catalog",
    "yichuang.workdays",
    "yichuang.files",
    "yichuang.notify",
    "yichuang.cases",
    "yichuang.documents",
    "yichuang.licenses",
    "yichuang.ratings",
    "yichuang.citizens",
    "yichuang.delivery",
    "yichuang.payments",
    "yichuang.hotline",
    "yichuang.stats",
    "yichuang.handover",
    "yichuang.queue",
    "yichuang.onboarding",
    "yichuang.audit",
    "yichuang.integrations",
    "yichuang.demo",
    "yichuang.web",
]

MIDDLEWARE = [
    # /healthz and /readyz, before host validation and the HTTPS redirect (probes come over plain HTTP)
    "yichuang.common.health.HealthMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "yichuang.common.middleware.RefuseNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "yichuang.common.middleware.ChineseFirstLocaleMiddleware",
    "yichuang.common.middleware.CommonMiddleware",  # Django's, with JSON 404s under /api/
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Staff sessions: idle and absolute limits (after the user and the messages are known)
    "yichuang.common.sessions.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Content-Security-Policy (CONTENT_SECURITY_POLICY below) and Permissions-Policy
    "csp.middleware.CSPMiddleware",
    "yichuang.common.middleware.PermissionsPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
    # With a read replica: the writer's WAL position, so that his next list waits for it
    "yichuang.common.replica.ReplicaWriteMarkMiddleware",
    # A slowed sign-in (too many failures for one username from anywhere): 429 with Retry-After
    "yichuang.common.loginpace.LoginPaceMiddleware",
]

ROOT_URLCONF = "yichuang.urls"
WSGI_APPLICATION = "yichuang.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The project's overrides of other apps' templates (the admin's base_site.html), searched
        # before the apps' own.
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "yichuang.web.citizen_session.context",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    try:
        _db = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from exc
else:
    _db = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(DATA_DIR / "yichuang.sqlite3")}
    try:  # the embedded database needs its folder before any command can open it
        DATA_DIR.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ImproperlyConfigured(f"YICHUANG_DATA_DIR {DATA_DIR} cannot be created: {exc}") from exc
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers go on while one writer commits; IMMEDIATE takes the write lock at BEGIN,
    # so two writers queue instead of failing with "database is locked" half-way.
    _db.setdefault("OPTIONS", {})
    _db["OPTIONS"].update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # Tests use a file too (not the shared in-memory database, whose table locks fail at once), so
    # the concurrency tests see the same locking as production SQLite.
    _db.setdefault("TEST", {"NAME": str(DATA_DIR / "test-yichuang.sqlite3")})
DATABASES = {"default": _db}
# A PostgreSQL streaming replica for lists, dashboards and exports (common/replica.py, decision 140).
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
DATABASE_ROUTERS: list[str] = []
if DATABASE_REPLICA_URL:
    if _db["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs a PostgreSQL DATABASE_URL (the primary).")
    try:
        _replica = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_REPLICA_URL is not a database URL: {exc}") from exc
    # A standby that does not answer must not hold a list up: connect within 2 s, then the primary.
    _replica.setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    _replica["TEST"] = {"MIRROR": "default"}  # the test database has no standby of its own
    DATABASES["replica"] = _replica
    DATABASE_ROUTERS = ["yichuang.common.replica.ReplicaRouter"]
DATABASE_REPLICA_MAX_LAG_SECONDS = env_int("DATABASE_REPLICA_MAX_LAG_SECONDS", 10)
DATABASE_REPLICA_CHECK_SECONDS = env_int("DATABASE_REPLICA_CHECK_SECONDS", 1)
DATABASE_REPLICA_RETRY_SECONDS = env_int("DATABASE_REPLICA_RETRY_SECONDS", 15)
DATABASE_REPLICA_PIN_SECONDS = env_int("DATABASE_REPLICA_PIN_SECONDS", 300)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "org.Staff"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "yichuang.org.backends.StaffBackend",  # Django's ModelBackend, refusing demo accounts in production
]
# 等保 level 3: at least 8 characters of three classes, not all digits, not a date, not the username,
# not a common password (Django's list of 20 000).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "yichuang.org.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "yichuang.org.passwords.StaffPasswordValidator", "OPTIONS": {"min_classes": 3}},
    # Not one of the last PASSWORD_HISTORY_COUNT passwords (hashes kept in org.PasswordHistory)
    {"NAME": "yichuang.org.passwords.PasswordHistoryValidator"},
]
PASSWORD_HISTORY_COUNT = env_int("PASSWORD_HISTORY_COUNT", 5)
if PASSWORD_HISTORY_COUNT < 0:
    raise ImproperlyConfigured("PASSWORD_HISTORY_COUNT must be 0 (off) or more")
# Staff web sessions (yichuang.common.sessions): ended after this long without a request, and this long
# after sign-in whatever happens; the cookie lives no longer than the second.
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30)
SESSION_MAX_HOURS = env_int("SESSION_MAX_HOURS", 12)
if SESSION_IDLE_MINUTES <= 0 or SESSION_MAX_HOURS <= 0:
    raise ImproperlyConfigured("SESSION_IDLE_MINUTES and SESSION_MAX_HOURS must be positive")
SESSION_COOKIE_AGE = SESSION_MAX_HOURS * 3600
SESSION_COOKIE_HTTPONLY = True
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:work"
LOGOUT_REDIRECT_URL = "web:home"
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.5  # hours
# Per user *and* client address (decision 95): five failures from one address lock that user there
# only, never for everyone behind the same address as the attacker.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "yichuang.common.errors.axes_lockout"
AXES_CLIENT_IP_CALLABLE = "yichuang.common.clientip.client_address"
# Beside axes, a slowing (never locking) limit per username from every address (common.loginpace,
# decision 105): after LOGIN_SLOW_AFTER failures each within LOGIN_SLOW_WINDOW_MINUTES of the one before,
# the next attempt waits BASE × 2ⁿ seconds up to MAX (429, Retry-After), except from an address the user
# signed in from within LOGIN_KNOWN_ADDRESS_DAYS.
LOGIN_SLOW_AFTER = env_int("LOGIN_SLOW_AFTER", 10)
LOGIN_SLOW_WINDOW_MINUTES = env_int("LOGIN_SLOW_WINDOW_MINUTES", 15)
LOGIN_SLOW_BASE_SECONDS = env_int("LOGIN_SLOW_BASE_SECONDS", 2)
LOGIN_SLOW_MAX_SECONDS = env_int("LOGIN_SLOW_MAX_SECONDS", 300)
LOGIN_KNOWN_ADDRESS_DAYS = env_int("LOGIN_KNOWN_ADDRESS_DAYS", 90)
if min(LOGIN_SLOW_AFTER, LOGIN_SLOW_WINDOW_MINUTES, LOGIN_SLOW_BASE_SECONDS, LOGIN_SLOW_MAX_SECONDS) <= 0:
    raise ImproperlyConfigured("LOGIN_SLOW_* must be positive")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "files"
WHITENOISE_USE_FINDERS = True
#: The npm registry ``yichuang fetchassets`` downloads ECharts from (a mirror such as
#: https://registry.npmmirror.com works as well: every tarball is checked against its pinned sha512).
NPM_REGISTRY = env_str("NPM_REGISTRY", "https://registry.npmjs.org").strip().rstrip("/")
if not NPM_REGISTRY.startswith(("https://", "http://")):
    raise ImproperlyConfigured(f"NPM_REGISTRY must be an http(s) URL, got {NPM_REGISTRY!r}")
#: Largest material file accepted (contract: 20 MiB).
FILE_MAX_BYTES = env_int("FILE_MAX_BYTES", 20 * 1024 * 1024)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

REDIS_URL = env_str("REDIS_URL", "")
CACHES: dict[str, dict[str, Any]]
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # The throttles' counters must be one count for all processes (gunicorn's workers): without Redis
    # they live in the database (``migrate`` creates the table, common/migrations/0003).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "yichuang_cache",
            # Django's default of 300 entries would cull live counters on a busy day.
            "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 50000)},
        }
    }

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
# Without Redis there is no worker: tasks run in the request's own process.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL or env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
# Run by one `celery beat` process with Redis; without it `yichuang demo` runs it in its serving process
# (yichuang.beat, docs/deployment.md § Periodic tasks).
#: 告知承诺 (docs/decisions.md 120): working days from a decision made on commitments to its post-check
#: (事后核查), unless the item has its own (``cases.PostCheckPeriod``); and the days a broken commitment
#: (违诺) keeps commitments away from the applicant.
POSTCHECK_WORKDAYS = env_int("POSTCHECK_WORKDAYS", 20)
COMMITMENT_BREACH_DAYS = env_int("COMMITMENT_BREACH_DAYS", 365)

CELERY_BEAT_SCHEDULE = {
    # Messages whose first sending failed (or was queued while no worker ran) are retried.
    "retry-pending-sms": {"task": "yichuang.notify.tasks.retry_pending_sms", "schedule": 300.0},
    # Documents whose signing task was never queued (broker down), gave up or was lost (decision 69).
    "sign-pending-documents": {"task": "yichuang.documents.tasks.sign_pending_documents", "schedule": 300.0},
    # 办结3天仍未评价的办件，短信邀请评价（好差评）.
    "invite-unrated-cases": {"task": "yichuang.ratings.tasks.invite_unrated_cases", "schedule": 3600.0},
    "rollup-figures": {"task": "yichuang.stats.tasks.rollup_figures", "schedule": 120.0},
    # The hall: slots for the booking period, missed appointments, yesterday's open tickets.
    "queue-slots": {"task": "yichuang.queue.tasks.sync_slots", "schedule": crontab(hour=0, minute=5)},
    "queue-missed": {"task": "yichuang.queue.tasks.mark_missed", "schedule": 900.0},
    "queue-close-day": {"task": "yichuang.queue.tasks.close_day", "schedule": crontab(hour=0, minute=10)},
    # The audit trail sealed and checked each night; a broken one is an ERROR and a notice to admins.
    "verify-audit": {
        "task": "yichuang.audit.tasks.verify_audit_trail",
        "schedule": crontab(hour=2, minute=30),
    },
    # Case events to subscribed systems: retries come due, and events whose task was lost.
    "deliver-events": {
        "task": "yichuang.integrations.tasks.deliver_due_events",
        "schedule": float(env_int("EVENTS_SWEEP_SECONDS", 30)),
    },
    # 好差评 records to the national system (nothing without RATING_REPORT_URL).
    "report-ratings": {"task": "yichuang.integrations.tasks.report_ratings", "schedule": 300.0},
    # 到期预警与超期督办, each working morning before the halls open.
    "sweep-deadlines": {
        "task": "yichuang.cases.tasks.sweep_deadlines_task",
        "schedule": crontab(hour=7, minute=30),
    },
    # This and next year's partitions of cases, events and SMS on PostgreSQL (decision 146).
    "create-partitions": {
        "task": "yichuang.cases.tasks.create_partitions_task",
        "schedule": crontab(hour=1, minute=15),
    },
    # 告知承诺事后核查: reviewers reminded of checks due within three working days or overdue.
    "remind-postchecks": {
        "task": "yichuang.cases.tasks.remind_postchecks_task",
        "schedule": crontab(hour=7, minute=40),
    },
}

# Other systems (integrations, decision 141): OAuth2 client credentials only (no browser flows), tokens
# kept as checksums (RFC 9700 storage), secrets hashed; scopes a system is granted.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER = {
    "SCOPES": {
        "cases:read": "读取可见区划内的办件 read the cases of its region",
        "events:read": "查看本系统的外发事件和死信 read its outbound events and dead letters",
        "events:write": "重发死信 send dead letters again",
        "events:subscribe": "订阅办件事件 subscribe to case events",
    },
    "SCOPES_BACKEND_CLASS": "yichuang.integrations.scopes.SystemScopes",
    "ACCESS_TOKEN_EXPIRE_SECONDS": env_int("SYSTEM_TOKEN_SECONDS", 3600),
    # RFC 9700 (OAuth 2.0 Security BCP) throughout: only client credentials are used, but a grant
    # nobody uses must not stay open either (manage.py check --deploy warns otherwise).
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    "PKCE_REQUIRED": True,
}
EVENTS_TIMEOUT_SECONDS = env_int("EVENTS_TIMEOUT_SECONDS", 5)
# The province's licence library (省电子证照库) for 免证办 (integrations/license_library.py).
LICENSE_LIBRARY_URL = env_str("LICENSE_LIBRARY_URL", "")
LICENSE_LIBRARY_TOKEN = env_secret("LICENSE_LIBRARY_TOKEN", "") or ""
LICENSE_LIBRARY_TIMEOUT_SECONDS = env_int("LICENSE_LIBRARY_TIMEOUT_SECONDS", 3)
LICENSE_LIBRARY_CACHE_SECONDS = env_int("LICENSE_LIBRARY_CACHE_SECONDS", 300)
# 好差评 records to the national system (integrations/rating_report.py); empty: not reported.
RATING_REPORT_URL = env_str("RATING_REPORT_URL", "")
RATING_REPORT_TOKEN = env_secret("RATING_REPORT_TOKEN", "") or ""
EVENTS_LEASE_SECONDS = env_int("EVENTS_LEASE_SECONDS", 120)

#: Without a task queue (no Redis), SMS are sent after commit by a background thread of the process
#: that queued them, many per transaction, instead of in the request (``yichuang.notify.sender``).
SMS_SEND_IN_BACKGROUND = env_bool("SMS_SEND_IN_BACKGROUND", True)

#: Where SMS go: ``outbox`` (default, for a county without a gateway yet: kept for the admin to read),
#: ``console`` (printed, number masked), ``aliyun`` or ``tencent`` (the platforms, docs/sms.md), or the
#: dotted path of an ``SmsBackend`` class.
SMS_BACKEND = env_str("SMS_BACKEND", "outbox")

# Citizens (网上办): the real-name service (dotted path of an ``IdentityService``; the default checks
# the ID number's check digit and the name's form only), the sign-in code's life and tries, the
# token's life (absolute, from sign-in).
CITIZEN_IDENTITY_BACKEND = env_str(
    "CITIZEN_IDENTITY_BACKEND", "yichuang.citizens.identity.CheckDigitIdentityService"
)
CITIZEN_CODE_MINUTES = env_int("CITIZEN_CODE_MINUTES", 5)
CITIZEN_CODE_TRIES = env_int("CITIZEN_CODE_TRIES", 5)
CITIZEN_TOKEN_DAYS = env_int("CITIZEN_TOKEN_DAYS", 7)
#: 省统一身份认证 by OpenID Connect (``yichuang.citizens.oidc``, decision 110): on when the issuer and
#: the client id are set. The claims that carry the verified name, ID number and phone are named here
#: (provinces name them differently); the client secret may come from a file (``…_SECRET_FILE``).
CITIZEN_OIDC_ISSUER = env_str("CITIZEN_OIDC_ISSUER", "").rstrip("/")
CITIZEN_OIDC_CLIENT_ID = env_str("CITIZEN_OIDC_CLIENT_ID", "")
CITIZEN_OIDC_CLIENT_SECRET = env_secret("CITIZEN_OIDC_CLIENT_SECRET", "") or ""
CITIZEN_OIDC_SCOPE = env_str("CITIZEN_OIDC_SCOPE", "openid profile phone")
CITIZEN_OIDC_NAME_CLAIM = env_str("CITIZEN_OIDC_NAME_CLAIM", "name")
CITIZEN_OIDC_ID_NUMBER_CLAIM = env_str("CITIZEN_OIDC_ID_NUMBER_CLAIM", "id_number")
CITIZEN_OIDC_PHONE_CLAIM = env_str("CITIZEN_OIDC_PHONE_CLAIM", "phone_number")
CITIZEN_OIDC_TIMEOUT = env_int("CITIZEN_OIDC_TIMEOUT", 10)
if CITIZEN_OIDC_ISSUER and not CITIZEN_OIDC_ISSUER.startswith(("https://", "http://")):
    raise ImproperlyConfigured(f"CITIZEN_OIDC_ISSUER must be an http(s) URL, got {CITIZEN_OIDC_ISSUER!r}")
if PRODUCTION and CITIZEN_OIDC_ISSUER.startswith("http://"):
    raise ImproperlyConfigured("CITIZEN_OIDC_ISSUER must be https:// in production")
if CITIZEN_OIDC_ISSUER and not (CITIZEN_OIDC_CLIENT_ID and CITIZEN_OIDC_CLIENT_SECRET):
    raise ImproperlyConfigured(
        "CITIZEN_OIDC_ISSUER needs CITIZEN_OIDC_CLIENT_ID and CITIZEN_OIDC_CLIENT_SECRET (or …_SECRET_FILE)"
    )
#: 寄递 (``yichuang.delivery.carriers``): ``console`` (the demo's: numbers made here, parcels printed
#: masked), ``ems`` (an EMS-style HTTPS platform: its URL, app key and secret below) or a dotted path.
CARRIER_BACKEND = env_str("CARRIER_BACKEND", "console")
CARRIER_EMS_URL = env_str("CARRIER_EMS_URL", "")
CARRIER_EMS_APP_KEY = env_str("CARRIER_EMS_APP_KEY", "")
CARRIER_EMS_SECRET = env_secret("CARRIER_EMS_SECRET", "") or ""
CARRIER_TIMEOUT = env_int("CARRIER_TIMEOUT", 10)
#: minutes a waybill's tracks are shown as fetched before the carrier is asked again
CARRIER_TRACK_MINUTES = env_int("CARRIER_TRACK_MINUTES", 30)
if CARRIER_BACKEND == "ems" and not (CARRIER_EMS_URL and CARRIER_EMS_APP_KEY and CARRIER_EMS_SECRET):
    raise ImproperlyConfigured(
        "CARRIER_BACKEND=ems needs CARRIER_EMS_URL, CARRIER_EMS_APP_KEY and CARRIER_EMS_SECRET"
    )
#: 统一公共支付 (``yichuang.payments.gateway``): ``demo`` (a cashier page of this site whose signed
#: notification goes through the same callback) or the dotted path of a ``PaymentService``; the demo's
#: signing secret (derived from SECRET_KEY when empty).
PAYMENT_BACKEND = env_str("PAYMENT_BACKEND", "demo")
PAYMENT_DEMO_SECRET = env_secret("PAYMENT_DEMO_SECRET", "") or ""
#: 自助终端: seconds without a touch before a kiosk goes back to its point's home screen (and signs
#: the citizen out); the ID card reader: ``demo`` (a button fills the demo citizen's number), ``js``
#: (the kiosk's shell provides ``window.yichuangCardReader.read()``) or the URL of a local reader
#: service answering ``{"name", "id_number"}``.
KIOSK_IDLE_SECONDS = env_int("KIOSK_IDLE_SECONDS", 120)
KIOSK_CARD_READER = env_str("KIOSK_CARD_READER", "demo")
#: 网上预审: working days the window has to pre-review an online or kiosk application (accept, notify
#: or refuse), counted from its submission or its last supplement (``yichuang.cases.prereview``).
PREREVIEW_WORKDAYS = env_int("PREREVIEW_WORKDAYS", 1)
if PREREVIEW_WORKDAYS < 1:
    raise ImproperlyConfigured(f"PREREVIEW_WORKDAYS must be at least 1, got {PREREVIEW_WORKDAYS}")
#: Seconds a platform may take to answer before the attempt counts as failed (and is retried).
SMS_TIMEOUT = env_int("SMS_TIMEOUT", 10)
if SMS_TIMEOUT <= 0:
    raise ImproperlyConfigured(f"SMS_TIMEOUT must be a positive number of seconds, got {SMS_TIMEOUT}")
#: An outbound proxy to the platforms, as the 政务外网 often needs: http://host:port.
SMS_PROXY = env_str("SMS_PROXY", "")
#: The secret in the delivery-receipt addresses the platforms call (/hooks/sms/<platform>/<token>/);
#: without it the addresses answer 404.
SMS_RECEIPT_TOKEN = env_secret("SMS_RECEIPT_TOKEN") or ""
# Alibaba Cloud SMS (dysmsapi 2017-05-25): a RAM user's AccessKey, the approved 签名, and our
# template codes mapped to the approved templates (JSON, or a file with SMS_ALIYUN_TEMPLATES_FILE).
SMS_ALIYUN_ACCESS_KEY_ID = env_secret("SMS_ALIYUN_ACCESS_KEY_ID") or ""
SMS_ALIYUN_ACCESS_KEY_SECRET = env_secret("SMS_ALIYUN_ACCESS_KEY_SECRET") or ""
SMS_ALIYUN_SIGN_NAME = env_str("SMS_ALIYUN_SIGN_NAME", "")
SMS_ALIYUN_REGION = env_str("SMS_ALIYUN_REGION", "cn-hangzhou")
SMS_ALIYUN_ENDPOINT = env_str("SMS_ALIYUN_ENDPOINT", "dysmsapi.aliyuncs.com")
SMS_ALIYUN_TEMPLATES = env_json("SMS_ALIYUN_TEMPLATES", {})
# Tencent Cloud SMS (sms 2021-01-11): a CAM SecretId/SecretKey, the SMS application's SdkAppId, the
# approved 签名, and the template mapping as above.
SMS_TENCENT_SECRET_ID = env_secret("SMS_TENCENT_SECRET_ID") or ""
SMS_TENCENT_SECRET_KEY = env_secret("SMS_TENCENT_SECRET_KEY") or ""
SMS_TENCENT_SDK_APP_ID = env_str("SMS_TENCENT_SDK_APP_ID", "")
SMS_TENCENT_SIGN_NAME = env_str("SMS_TENCENT_SIGN_NAME", "")
SMS_TENCENT_REGION = env_str("SMS_TENCENT_REGION", "ap-guangzhou")
SMS_TENCENT_ENDPOINT = env_str("SMS_TENCENT_ENDPOINT", "sms.tencentcloudapi.com")
SMS_TENCENT_TEMPLATES = env_json("SMS_TENCENT_TEMPLATES", {})

# Staff API tokens (yichuang.org.tokens): hours a token lives from its sign-in, tokens a user may hold
# at once (one per device or integration; a further sign-in retires the oldest).
AUTH_TOKEN_HOURS = env_int("AUTH_TOKEN_HOURS", 12)
AUTH_TOKEN_LIMIT = env_int("AUTH_TOKEN_LIMIT", 10)
if AUTH_TOKEN_HOURS <= 0:
    raise ImproperlyConfigured(f"AUTH_TOKEN_HOURS must be a positive number of hours, got {AUTH_TOKEN_HOURS}")
REST_KNOX = {"AUTH_HEADER_PREFIX": "Bearer", "AUTO_REFRESH": False}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "yichuang.common.auth.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "yichuang.common.errors.exception_handler",
    # DRF's parsers with Chinese answers for unreadable bodies and a limit on JSON nesting.
    "DEFAULT_PARSER_CLASSES": [
        "yichuang.common.parsers.JSONParser",
        "yichuang.common.parsers.FormParser",
        "yichuang.common.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "yichuang.common.pagination.Pagination",
    "PAGE_SIZE": 50,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # DRF's own throttles would read X-Forwarded-For without it; ours ask yichuang.common.clientip.
    "NUM_PROXIES": 0,
    # Public progress queries: enough for a family checking a few cases, too few to probe numbers.
    "DEFAULT_THROTTLE_RATES": {
        "track": env_str("TRACK_RATE", "20/min"),
        # The public verify page (/verify/{code}): a person checks a few documents, a probe many.
        "verify": env_str("VERIFY_RATE", "30/min"),
        # Citizens' sign-in: codes per address and per phone, attempts per address.
        "citizen_code": env_str("CITIZEN_CODE_RATE", "10/hour"),
        "citizen_code_phone": env_str("CITIZEN_CODE_PHONE_RATE", "5/hour"),
        "citizen_login": env_str("CITIZEN_LOGIN_RATE", "30/hour"),
        "citizen_identity": env_str("CITIZEN_IDENTITY_RATE", "10/hour"),
        # The hall's public endpoints, per client address. A board polls every 1.5 s and a hall may
        # have several screens behind one address; one kiosk serves a whole hall.
        "queue_board": env_str("QUEUE_BOARD_RATE", "600/min"),
        "queue_kiosk": env_str("QUEUE_KIOSK_RATE", "60/min"),
        "queue_booking": env_str("QUEUE_BOOKING_RATE", "20/min"),
    },
}

SPECTACULAR_SETTINGS = {
    # Chinese first, English after, in one text (not translated: the schema reads the same to all).
    "TITLE": "一窗 基层政务服务平台 API · yichuang grassroots government service API",
    "DESCRIPTION": (
        "基层政务服务一窗受理平台 API（县—乡镇—村—政银合作网点）。\n\n"
        '错误一律答复 JSON `{"code", "detail", "fields"}`（见组件 Error）：`code` 是稳定的错误码，'
        "`detail` 是一句简体中文说明（请求头 `Accept-Language: en` 时为英文），`fields` 按字段列出问题。"
        "错误输入答复 4xx，从不答复 500。\n\n"
        "API of the one-window service platform for county, town, village and partner-bank service points. "
        'Every error is JSON `{"code", "detail", "fields"}` (component Error): a stable `code`, a '
        "sentence in Chinese (English with `Accept-Language: en`) and the problems per field; bad input "
        "is always a 4xx, never a 500."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "APPEND_COMPONENTS": {
        "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
    },
    "SECURITY": [{"bearerAuth": []}],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "yichuang.common.schema.document_errors",  # the Error component and each operation's errors
    ],
    "ENUM_NAME_OVERRIDES": {
        "SystemEventTypeEnum": "yichuang.integrations.models.EventType",
        "SystemEventStatusEnum": "yichuang.integrations.models.EventStatus",
        "PointKindEnum": "yichuang.org.models.PointKind",
        "ItemKindEnum": "yichuang.catalog.models.ItemKind",
        "SmsStatusEnum": "yichuang.notify.models.SmsStatus",
        "SmsReceiptEnum": "yichuang.notify.models.SmsReceipt",
        "CaseStatusEnum": "yichuang.cases.models.CaseStatus",
        "DocumentKindEnum": "yichuang.documents.models.DocumentKind",
        "CaseChannelEnum": "yichuang.cases.models.Channel",
        "RatingChannelEnum": "yichuang.ratings.api.PUBLIC_CHANNELS",
        "TypeEnum": "yichuang.catalog.models.ItemType",  # keeps its name beside TicketTypeEnum
        "TicketChannelEnum": "yichuang.hotline.models.TicketChannel",
        "TicketTypeEnum": "yichuang.hotline.models.TicketType",
        "TicketSatisfactionEnum": "yichuang.hotline.models.Satisfaction",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # The SMS SDKs, and urllib3 beneath them, log whole requests at DEBUG, and Alibaba Cloud's SendSms
    # carries the phone number in its query string: never, whatever LOG_LEVEL says.
    "loggers": {
        "jieba": {"level": "WARNING"},
        "darabonba-core": {"level": "WARNING"},
        "tencentcloud_sdk_common": {"level": "WARNING"},
        "urllib3": {"level": "WARNING"},
        # pypdf warns of every repair it makes to a damaged upload; the refusal says enough.
        "pypdf": {"level": "ERROR"},
    },
}

# Documents (yichuang.documents): the address printed under each QR code (the public /verify/ page),
# the SM4 key that encrypts the seals' private keys (32 hex digits; production refuses to start
# without it, dev/demo/test make one under DATA_DIR/keys/), and whether a PDF is rendered and signed
# right after its case action commits (else on first request: for benchmarks of the actions alone).
PUBLIC_URL = (
    _required_in_production("PUBLIC_URL", "https://ych.example.gov.cn") or "http://127.0.0.1:8000"
).rstrip("/")
if not PUBLIC_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(f"PUBLIC_URL must be an http(s) URL, got {PUBLIC_URL!r}")
SEAL_MASTER_KEY = (env_secret("SEAL_MASTER_KEY") or "").strip()
if SEAL_MASTER_KEY and not re.fullmatch(r"[0-9a-fA-F]{32}", SEAL_MASTER_KEY):
    raise ImproperlyConfigured(
        "SEAL_MASTER_KEY（或 SEAL_MASTER_KEY_FILE 所指文件）应为 32 位十六进制数字。"
        "SEAL_MASTER_KEY must be 32 hexadecimal digits (an SM4 key)."
    )
# Personal data sealed at rest (yichuang.pii, decision 96): the key file (default
# DATA_DIR/keys/pii-keys.json, made on first use outside production; production refuses to start
# without it), or a KMS backend class with load() and add_key().
PII_KEY_FILE = env_str("YICHUANG_PII_KEY_FILE", "").strip()
PII_KEY_BACKEND = env_str("YICHUANG_PII_KEY_BACKEND", "").strip()
DOCUMENTS_RENDER_AFTER_COMMIT = env_bool("DOCUMENTS_RENDER_AFTER_COMMIT", True)
# Who renders and signs after commit: a Celery worker with REDIS_URL, else one background thread per
# process (never the request; off only in tests, which sign in the caller). A download of a document
# still pending waits this long, then answers 正在生成 (409) — unless it has been pending so long that
# no signer is coming: then the request signs it. On start the thread takes up documents left pending
# in the last hours (a process killed before it signed them). Decision 69.
DOCUMENTS_SIGN_IN_BACKGROUND = env_bool("DOCUMENTS_SIGN_IN_BACKGROUND", True)
DOCUMENTS_PENDING_WAIT_SECONDS = env_int("DOCUMENTS_PENDING_WAIT_SECONDS", 3)
DOCUMENTS_SIGN_ON_DEMAND_AFTER_SECONDS = env_int("DOCUMENTS_SIGN_ON_DEMAND_AFTER_SECONDS", 120)
DOCUMENTS_RECOVER_HOURS = env_int("DOCUMENTS_RECOVER_HOURS", 24)

# Demo accounts share one well-known password; production must never run with them.
DEMO_PASSWORD = "demo12345"

warnings.filterwarnings("ignore", module="jieba")
