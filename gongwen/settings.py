"""Settings for Gongwen.

One settings module, driven by environment variables so that the embedded default
(SQLite in WAL mode, files on local disk) and a PostgreSQL deployment share it.
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("GONGWEN_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = os.environ.get("GONGWEN_SECRET_KEY", "dev-only-secret-key-change-me-in-production-0123456789")
# Off unless a developer turns it on (GONGWEN_DEBUG=1): with it on, a 404 lists every URL
# pattern and a 500 shows settings, the environment and a traceback to anyone.
DEBUG = os.environ.get("GONGWEN_DEBUG", "0") == "1"
ALLOWED_HOSTS = os.environ.get("GONGWEN_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "django_q",
    "axes",  # failed-login lockout (等保 level 3, settings below)
    "django_otp",  # second factor (等保 level 3)
    "django_otp.plugins.otp_totp",
    "audit",
    "org",
    "documents",
    "ui",
    "flow",
    "deadlines",
    "incoming",
    "supervision",
    "stats",
    "drafting",
    "sealing",
    "exchange",
    "secrecy",
    "archive",
    "search",
    "api",
    "web",
    "demo",
    "ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files with DEBUG off (trust issue, defect 6)
    "gongwen.csp.CSPMiddleware",  # django-csp's, adapted for files shown inline (trust issue)
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): the second factor (等保 level 3)
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "audit.middleware.ClientAddressMiddleware",
    "audit.middleware.RefusalMiddleware",
    "web.middleware.RejectControlCharactersMiddleware",
    "search.middleware.RefreshSearchAfterWriteMiddleware",  # a write queues the index refresh (issue 12)
    "web.security.IdleTimeoutMiddleware",  # 等保 level 3: signed out after SESSION_IDLE_SECONDS
    "web.security.SignInStepsMiddleware",  # 等保 level 3: second factor and password change first
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into the Chinese lockout page
]

ROOT_URLCONF = "server.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "web.context.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "server.wsgi.application"

_pg_url = os.environ.get("GONGWEN_PG_URL")  # e.g. postgresql://user:pass@127.0.0.1:5432/gongwen
if _pg_url:
    from urllib.parse import urlparse

    _u = urlparse(_pg_url)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": _u.path.lstrip("/"),
            "USER": _u.username or "",
            "PASSWORD": _u.password or "",
            "HOST": _u.hostname or "",
            "PORT": str(_u.port or ""),
            "CONN_MAX_AGE": 60,
            # PostgreSQL's JIT compiles the visibility subqueries (documents.access) on every
            # request: 58 ms of a 59 ms primary-key fetch, measured. The application's queries
            # are short OLTP queries that JIT never pays back.
            "OPTIONS": {"options": "-c jit=off"},
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("GONGWEN_SQLITE_PATH", str(VAR_DIR / "gongwen.sqlite3")),
            # Kept open across requests like PostgreSQL's (a new connection per request
            # re-reads the schema and starts with a cold page cache), checked before reuse.
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                # cache_size: up to 64 MB of pages per connection instead of SQLite's 2 MB
                # (index writes were ten times slower with the default at 100,000 documents:
                # 25 ms against 2.4 ms per document, measured); memory is taken as pages
                # are read, not at once. mmap lets reads share the OS page cache.
                "init_command": ("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                                 "PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456;"),
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# AUTH_PASSWORD_VALIDATORS: see the 等保 section below.

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LANGUAGES = [("zh-hans", "简体中文")]

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Document files: stored under FILES_ROOT by content hash, never overwritten.
FILES_ROOT = Path(os.environ.get("GONGWEN_FILES_ROOT", VAR_DIR / "files"))
MAX_UPLOAD_BYTES = int(os.environ.get("GONGWEN_MAX_UPLOAD_BYTES", str(50 * 1024 * 1024)))

# Classified bodies are refused unless this is an accredited classified deployment (RULES §7).
CLASSIFIED_DEPLOYMENT = os.environ.get("GONGWEN_CLASSIFIED_DEPLOYMENT", "0") == "1"

Q_CLUSTER = {
    "name": "gongwen",
    "workers": 1,
    "timeout": 120,
    "retry": 300,
    "orm": "default",
    "catch_up": False,
    "sync": os.environ.get("GONGWEN_Q_SYNC", "0") == "1",
}

# Several app servers and workers (`make cluster`, docs/architecture.md §9): with
# GONGWEN_REDIS_URL (e.g. redis://127.0.0.1:6379/0) the worker's queue is a Redis list
# (django-q2's redis broker: no polling of a database table by every worker) and Django's
# cache is Redis, one cache for every app server. Without it, as on one machine: the queue
# in the database (ORM broker) and Django's default per-process local-memory cache. Sessions
# stay in the database either way, so every app server knows every session.
REDIS_URL = os.environ.get("GONGWEN_REDIS_URL", "")
if REDIS_URL:
    Q_CLUSTER = {key: value for key, value in Q_CLUSTER.items() if key != "orm"} | {"redis": REDIS_URL}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}

EMAIL_BACKEND = os.environ.get("GONGWEN_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("GONGWEN_FROM_EMAIL", "gongwen@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}

# --- hostile input: bounded ZIP reading, streamed uploads (trust issue, defect 5) ---
# Every ZIP-based file (DOCX, OFD, XLSX, 外部交换包) is read through gongwen.safezip within these
# bounds, at upload and at every later read: a 6 MB DOCX may otherwise inflate to 2 GiB inside
# the web server. A real 公文 DOCX or OFD inflates to a few megabytes, so the bounds leave room.
ZIP_MAX_MEMBERS = int(os.environ.get("GONGWEN_ZIP_MAX_MEMBERS", "2000"))
ZIP_MAX_MEMBER_BYTES = int(os.environ.get("GONGWEN_ZIP_MAX_MEMBER_BYTES", str(32 * 1024 * 1024)))
ZIP_MAX_TOTAL_BYTES = int(os.environ.get("GONGWEN_ZIP_MAX_TOTAL_BYTES", str(128 * 1024 * 1024)))
ZIP_MAX_RATIO = int(os.environ.get("GONGWEN_ZIP_MAX_RATIO", "200"))
# An uploaded PDF is looked through (gongwen.safepdf) for JavaScript, auto-actions, launch
# actions and embedded files; these caps bound that look (a scanned 公文 has tens of pages).
PDF_MAX_PAGES = int(os.environ.get("GONGWEN_PDF_MAX_PAGES", "3000"))
PDF_MAX_OBJECTS = int(os.environ.get("GONGWEN_PDF_MAX_OBJECTS", "200000"))
# Uploads stream to a temporary file through gongwen.uploads, which keeps no byte past
# MAX_UPLOAD_BYTES (pages and the API alike): a 200 MB upload is never held in memory.
FILE_UPLOAD_HANDLERS = ["gongwen.uploads.BoundedUploadHandler"]
# Everything but files (JSON bodies, form fields) is held in memory: keep it small. 4 MB is
# over a million characters of 正文, far beyond any document.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("GONGWEN_MAX_BODY_BYTES", str(4 * 1024 * 1024)))

# --- error pages and request ids, DEBUG off by default (trust issue, defect 6) ---

# Every request gets a request id (请求编号, gongwen/requestid.py) first thing, so that every
# log record and every response, error pages included, carries it; under /api/ an error
# answered without JSON (django-ninja's 405) is given the JSON error shape (api/errors.py).
MIDDLEWARE = ["gongwen.requestid.RequestIdMiddleware", "api.errors.JsonApiErrorsMiddleware", *MIDDLEWARE]
# An X-Request-ID set by a proxy in front is kept (when it looks like an id), so that the
# proxy's log and ours name the same request; 0 when clients reach the application directly.
REQUEST_ID_FROM_PROXY = os.environ.get("GONGWEN_REQUEST_ID_FROM_PROXY", "1") == "1"
# The CSRF refusal (an expired form) in Chinese with the request id, like the other error pages
# (web/error_pages.py; handler400/403/404/500 are in server/urls.py).
CSRF_FAILURE_VIEW = "web.error_pages.csrf_failure"
# Every log line names its request: a traceback behind a 500 is found by the id the user
# reads off the error page.
LOGGING["filters"] = {**LOGGING.get("filters", {}), "request_id": {"()": "gongwen.requestid.RequestIdFilter"}}
LOGGING["formatters"] = {**LOGGING.get("formatters", {}), "request_id": {
    "format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"}}
LOGGING["handlers"]["console"].update(filters=["request_id"], formatter="request_id")

# Static files with DEBUG off are served by WhiteNoise (MIDDLEWARE). A served deployment
# (`make run` sets GONGWEN_STATIC_MANIFEST=1 and runs collectstatic first) serves the
# collected files under content-hashed names, compressed, cacheable for ever. Without it
# (the tests, a developer's runserver) the files are served from where they lie (the
# finders) and no collectstatic is needed, so a new static file works at once.
STATIC_MANIFEST = os.environ.get("GONGWEN_STATIC_MANIFEST", "0") == "1"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage" if STATIC_MANIFEST
                    else "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
WHITENOISE_AUTOREFRESH = not STATIC_MANIFEST  # found on each request: nothing collected to scan

# --- audit checkpoints outside the database, retention (trust issue, defect 7) ---
# Signed checkpoints of the audit chain (audit/checkpoints.py) anchor it outside the
# database, so that whoever can write the database cannot cut the chain's tail unnoticed.
# AUDIT_DIR holds the deployment's SM2 audit key (0600) and the append-only checkpoint file;
# put it where the database administrator cannot write (and make checkpoints.log
# append-only where the filesystem allows: chattr +a). Either file may be placed apart.
AUDIT_DIR = Path(os.environ.get("GONGWEN_AUDIT_DIR", VAR_DIR / "audit"))
AUDIT_KEY_FILE = os.environ.get("GONGWEN_AUDIT_KEY_FILE") or None  # None: AUDIT_DIR/checkpoint-sm2.key
AUDIT_CHECKPOINT_FILE = os.environ.get("GONGWEN_AUDIT_CHECKPOINT_FILE") or None  # None: AUDIT_DIR/checkpoints.log
# Minutes between the worker's checkpoints: events newer than the last checkpoint can be
# removed unnoticed, so this bounds what an attacker can cut (the worker looks every 5 minutes).
AUDIT_CHECKPOINT_MINUTES = int(os.environ.get("GONGWEN_AUDIT_CHECKPOINT_MINUTES", "60"))
# Days audit events are kept (等保 level 3: at least 180; a smaller value is raised to 180 and
# `manage.py check` warns). The application never deletes an audit event.
AUDIT_RETENTION_DAYS = int(os.environ.get("GONGWEN_AUDIT_RETENTION_DAYS", "180"))

# --- 等保 level 3: passwords, lockout, sessions, second factor, CSP, API tokens (trust issue) ---

# The demo (`make run`: scripts/run.py sets GONGWEN_DEMO=1 when it loads the demo office): its
# published password is accepted at login without a forced change. Without the flag the
# system check org.E001 (org/checks.py) refuses to start while any account still has it.
DEMO_MODE = os.environ.get("GONGWEN_DEMO", "0") == "1"

# Passwords (口令, GB/T 22239-2019 8.1.4.1 a): eight characters of three of the four kinds,
# not containing the login name, not one of the last five, changed every 90 days; a password
# an administrator set (new account, import, reset) is changed at the first login
# (org/passwords.py, web/security.py).
PASSWORD_MAX_AGE_DAYS = int(os.environ.get("GONGWEN_PASSWORD_MAX_AGE_DAYS", "90"))
PASSWORD_HISTORY_DEPTH = int(os.environ.get("GONGWEN_PASSWORD_HISTORY", "5"))
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "org.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "org.passwords.CharacterKindsValidator", "OPTIONS": {"min_kinds": 3}},
    {"NAME": "org.passwords.UsernameNotContainedValidator"},
    {"NAME": "org.passwords.NotRecentlyUsedValidator"},
]

# Failed logins (登录失败处理, 8.1.4.1 b), django-axes: five failures lock the account, and
# five from one address lock the address, for 15 minutes; a success clears the count (the
# failures must be consecutive); an attempt during the lock does not prolong it. The
# security administrator sees and lifts locks (/admin/locks/). AxesStandaloneBackend comes
# first: a locked account is refused before its password is even checked.
from datetime import timedelta as _timedelta  # noqa: E402

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("GONGWEN_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = _timedelta(minutes=int(os.environ.get("GONGWEN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_TEMPLATE = "web/account/lockout.html"
AXES_ENABLE_ADMIN = False  # no Django admin here; locks are on /admin/locks/
# The address is the connection's (REMOTE_ADDR): a client-supplied X-Forwarded-For would let
# an attacker pick a fresh address for every guess.
AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
# Behind a reverse proxy of ours (make cluster's haproxy): the proxies' addresses, whose
# X-Forwarded-For names the client (gongwen/proxy.py); from anyone else the header is ignored.
TRUSTED_PROXIES = tuple(a.strip() for a in os.environ.get("GONGWEN_TRUSTED_PROXIES", "").split(",") if a.strip())
AXES_CLIENT_IP_CALLABLE = "gongwen.proxy.client_ip"

# Sessions (会话, 8.1.4.1 b): signed out after 30 minutes without a request (web/security.py
# keeps the last activity in the session, written at most once a minute, not on every
# request); the cookies are not readable by scripts and not sent cross-site.
SESSION_IDLE_SECONDS = int(os.environ.get("GONGWEN_SESSION_IDLE_MINUTES", "30")) * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Served over HTTPS (GONGWEN_HTTPS=1, behind a TLS-terminating proxy that sets
# X-Forwarded-Proto and drops any the client sent): the cookies only travel encrypted, plain
# HTTP is redirected, and browsers are told to use HTTPS only for a year (HSTS).
HTTPS = os.environ.get("GONGWEN_HTTPS", "0") == "1"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 365 * 24 * 3600 if HTTPS else 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None

# Second factor (双因素认证, 8.1.4.1 d): TOTP (django-otp), mandatory for the three
# administrators, available to everyone; asked for after the password before anything else
# and before an API token is issued (web/security.py, api/routers/tokens.py).
OTP_TOTP_ISSUER = "电子公文处理系统"

# --- content security policy and API token lifetime (trust issue) ---

# Content-Security-Policy on every response (django-csp 4; the middleware is
# gongwen.csp.CSPMiddleware, which adapts it for files shown inline). No script runs but
# the project's own files under /static/: no inline <script>, no on…= handler, no eval
# (tests/test_csp.py walks every template; the browser tests fail on any violation).
# style-src allows 'unsafe-inline' because the pages still carry style="…" attributes and
# a few <style> blocks (print page sizes), ECharts writes style attributes into its tooltip
# markup, htmx inserts its indicator <style>, and Chromium's PDF viewer styles its frame
# inline; inline styles cannot run code. img-src allows data: for Bootstrap's SVG icons
# (select arrows, check marks, close buttons) that its CSS embeds as data: URIs.
from csp.constants import NONE, SELF, UNSAFE_INLINE  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# API tokens (接口令牌) expire: a token lives API_TOKEN_DAYS days unless its holder asks for
# another lifetime when issuing it, never longer than API_TOKEN_MAX_DAYS (等保 level 3: a
# credential has a lifetime; an integration renews its token at least once a year).
API_TOKEN_DAYS = int(os.environ.get("GONGWEN_API_TOKEN_DAYS", "90"))
API_TOKEN_MAX_DAYS = int(os.environ.get("GONGWEN_API_TOKEN_MAX_DAYS", "365"))
