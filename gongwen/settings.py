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
DEBUG = os.environ.get("GONGWEN_DEBUG", "1") == "1"
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
    "audit",
    "org",
    "documents",
    "flow",
    "deadlines",
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
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "audit.middleware.ClientAddressMiddleware",
    "web.middleware.RejectControlCharactersMiddleware",
]

ROOT_URLCONF = "gongwen.urls"

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

WSGI_APPLICATION = "gongwen.wsgi.application"

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
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("GONGWEN_SQLITE_PATH", str(VAR_DIR / "gongwen.sqlite3")),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
]

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
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

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

EMAIL_BACKEND = os.environ.get("GONGWEN_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("GONGWEN_FROM_EMAIL", "gongwen@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
