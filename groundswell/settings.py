"""Groundswell settings: one file, driven by the environment.

Every knob an operator turns is an environment variable (README.md, "Configuration").
With none set, the site runs on an embedded SQLite database under ``var/``.
"""

import contextlib
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

# Everything this process writes (the SQLite database, mail files, uploads, sockets,
# secret_key) is for the user it runs as alone: files 0600, folders 0700. Set here because
# every process (web, worker, scheduler, signing service, manage.py) reads these settings
# before it writes anything.
os.umask(0o077)
VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)
# Also a var/ made before this rule: what is in it is ours alone. A folder that someone
# else owns keeps the mode its owner gave it.
with contextlib.suppress(OSError):
    VAR_DIR.chmod(0o700)

DEBUG = env.bool("DEBUG", default=False)


def _development_secret_key() -> str:
    """A per-checkout key kept under var/, so `make run` needs no setup."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env("SECRET_KEY", default="") or _development_secret_key()

SITE_URL = env("SITE_URL", default=f"http://127.0.0.1:{env('PORT', default='8000')}").rstrip("/")
SITE_NAME = env("SITE_NAME", default="Groundswell")
_site = urlsplit(SITE_URL)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[_site.hostname, "127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = [f"{_site.scheme}://{_site.netloc}"]

INSTALLED_APPS = [
    "groundswell.core.admin_site.AdminConfig",  # the admin, behind the site's own login
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",  # recovery codes
    "django_countries",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "ninja",  # serves the API docs page from local static files, not a CDN
    "groundswell.core",
    "groundswell.accounts",
    "groundswell.targets",
    "groundswell.petitions",
    "groundswell.updates",
    "groundswell.support",
    "groundswell.moderation",
    "groundswell.integrations",
    "groundswell.letters",
    "groundswell.api",
]

MIDDLEWARE = [
    # First, so that nothing after it sees where a help seeker comes from (docs/privacy.md).
    "groundswell.support.middleware.ForgetVisitorMiddleware",
    # The /24 or /48 a request came from, for the audit log (never the address).
    "groundswell.moderation.middleware.AuditNetworkMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The reader's language: the switcher's cookie, else Accept-Language (docs/i18n.md) ...
    "django.middleware.locale.LocaleMiddleware",
    # ... unless the address says ?lang=es, as shared links and the embed do.
    "groundswell.core.i18n.QueryLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "groundswell.accounts.middleware.SessionRecordMiddleware",
    "groundswell.accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last: it only looks at 404s, to redirect an imported post's old address.
    "groundswell.updates.middleware.OldPermalinkMiddleware",
]

ROOT_URLCONF = "groundswell.urls"
WSGI_APPLICATION = "groundswell.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "groundswell" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "groundswell.core.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------

DATABASE_URL = env("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'groundswell.sqlite3'}"
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at BEGIN,
    # so concurrent writers queue on busy_timeout instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif env.bool("DB_POOL", default=True):
    # A pool per process (psycopg_pool): Granian's 32 threads per process share a few
    # connections instead of each keeping its own, so workers x threads never passes
    # PostgreSQL's max_connections (docs/deploy.md).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "pool": {"min_size": 2, "max_size": env.int("DB_POOL_SIZE", default=16), "timeout": 10}
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- Cache ----------------------------------------------------------------------------------

SILENCED_SYSTEM_CHECKS = [
    # HSTS preload is a one-way door an operator opts into for their own domain.
    "security.W021",
]

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "groundswell.core.cache.SharedClientRedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # Without Redis each process keeps its own rate-limit windows: good enough for one
    # development machine; docs/deploy.md asks for REDIS_URL in production.
    SILENCED_SYSTEM_CHECKS.append("django_ratelimit.E003")
# Counts read on every page view come from a per-process cache (no network hop at all).
CACHES["local"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "local"}
RATELIMIT_USE_CACHE = "default"
RATELIMIT_ENABLE = env.bool("RATELIMIT_ENABLE", default=True)

# --- Background tasks -----------------------------------------------------------------------

# Webhooks have a queue and a worker of their own (bin/serve), so that a surge's backlog of
# confirmation emails does not hold events back, nor the reverse.
TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "webhooks"],
    }
}

# A queue kept in rows (signatures owed an email) wakes its task at most this often per
# process, however many commits a second want it (groundswell/core/tasks.wake_on_commit).
TASK_WAKE_SECONDS = env.float("TASK_WAKE_SECONDS", default=0.2)

# SMTP sessions the signature mailer keeps open at once. Each message waits for four of
# the mail server's replies: one session sends a few hundred a second to a server on the
# same machine, a few dozen to one across the internet (docs/deploy.md).
MAILER_CONNECTIONS = env.int("MAILER_CONNECTIONS", default=4)

# Every email goes out under a lease: a claim records when it runs out, and one not marked
# sent by then (its worker died, or was killed, mid-send) is taken again. So mail is sent at
# least once, twice only if it was in flight at a crash. Longer than a batch of 100 can
# take to send (EMAIL_TIMEOUT bounds each reply); shorter means quicker recovery.
MAIL_LEASE_SECONDS = env.int("MAIL_LEASE_SECONDS", default=120)
# A task still running this long after it started is taken to have died with its worker
# and is run again (groundswell/core/tasks.requeue_abandoned_tasks): every task here is
# safe to run twice. Longer than the mail lease, so that a rerun finds its rows free.
TASK_LEASE_SECONDS = env.int("TASK_LEASE_SECONDS", default=600)

# --- API tokens and webhooks (docs/api.md) -------------------------------------------------

# Requests one API token may make (django-ratelimit's notation).
API_TOKEN_RATE = env("API_TOKEN_RATE", default="600/m")
# Webhooks never go to private, loopback or link-local addresses unless this is on
# (development against a local receiver, and the tests).
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=False)
# Events gather this long before the dispatcher runs (per process), and one delivery
# carries at most WEBHOOK_BATCH_SIZE of them: a surge of confirmations makes
# events / WEBHOOK_BATCH_SIZE requests per endpoint, not one per confirmation.
WEBHOOK_BATCH_SECONDS = env.float("WEBHOOK_BATCH_SECONDS", default=1.0)
WEBHOOK_BATCH_SIZE = env.int("WEBHOOK_BATCH_SIZE", default=500)
# How long a process trusts its list of organisations that have endpoints.
WEBHOOK_LISTENERS_SECONDS = env.float("WEBHOOK_LISTENERS_SECONDS", default=1.0)
WEBHOOK_CONNECTIONS = env.int("WEBHOOK_CONNECTIONS", default=4)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
# A claimed delivery not finished within this long is taken again by the next run.
WEBHOOK_LEASE_SECONDS = env.int("WEBHOOK_LEASE_SECONDS", default=60)
WEBHOOK_RETRY_BASE_SECONDS = env.int("WEBHOOK_RETRY_BASE_SECONDS", default=10)
WEBHOOK_RETRY_HOURS = env.int("WEBHOOK_RETRY_HOURS", default=24)
WEBHOOK_DISABLE_AFTER_HOURS = env.int("WEBHOOK_DISABLE_AFTER_HOURS", default=24)
WEBHOOK_OLD_SECRET_HOURS = env.int("WEBHOOK_OLD_SECRET_HOURS", default=24)

# --- Email ----------------------------------------------------------------------------------

# Production needs EMAIL_URL (the groundswell.E001 check): file:// (or file:///a/folder)
# says on purpose that mail goes to files.
EMAIL_URL = env("EMAIL_URL", default="")
if EMAIL_URL and not EMAIL_URL.startswith("file:"):
    vars().update(env.email_url("EMAIL_URL"))
else:
    # No SMTP server: every message is written to var/mail/ as an .eml file and listed at
    # /dev/mail/ while DEBUG is on, so a newcomer can click the confirmation link.
    EMAIL_BACKEND = "groundswell.core.mail.MailDirBackend"
_mail_folder = urlsplit(EMAIL_URL).path if EMAIL_URL.startswith("file:") else ""
EMAIL_FILE_PATH = Path(_mail_folder or VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default=f"{SITE_NAME} <noreply@{_site.hostname}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = 20

# --- Auth -----------------------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Unverified users are let through to the login form, which then tells them to confirm
# their email rather than that their password is wrong; a deactivated user's sessions end
# at their next request (groundswell/accounts/backends.py).
AUTHENTICATION_BACKENDS = ["groundswell.accounts.backends.AccountBackend"]
# The name authenticator apps show beside the code.
OTP_TOTP_ISSUER = SITE_NAME
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "home"

# --- Internationalisation -------------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "groundswell" / "locale"]
# One date and number format per language (groundswell/formats/<code>/formats.py).
FORMAT_MODULE_PATH = ["groundswell.formats"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns about a missing folder before collectstatic
STATICFILES_DIRS = [BASE_DIR / "groundswell" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Django sets an uploaded (or collected) file's mode itself, whatever the umask says.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 3 * 1024 * 1024

# --- Security -------------------------------------------------------------------------------

SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = False
# TLS ends at the reverse proxy (docs/deploy.md); it says so in this header.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# No inline script or style anywhere: a page's JavaScript is a static file, and the only
# third-party host a page ever loads from is none.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# Browser features, in the Permissions-Policy header of every answer (core/edge.py): off
# unless a page uses it. Copying a share link (static/js/petition.js) writes the clipboard.
PERMISSIONS_POLICY = {
    "accelerometer": [],
    "autoplay": [],
    "browsing-topics": [],
    "camera": [],
    "clipboard-read": [],
    "clipboard-write": ["self"],
    "display-capture": [],
    "encrypted-media": [],
    "fullscreen": ["self"],
    "geolocation": [],
    "gyroscope": [],
    "hid": [],
    "idle-detection": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "screen-wake-lock": [],
    "serial": [],
    "usb": [],
    "web-share": ["self"],
    "xr-spatial-tracking": [],
}

# --- Serving (groundswell/core/edge.py, docs/signing.md "Serving") -------------------

# Requests that run Django at once in one web process; more wait for a slot.
WEB_CONCURRENCY = env.int("WEB_CONCURRENCY", default=8)
# How long a request may wait for a slot before it is answered 503 with Retry-After.
ADMISSION_WAIT_SECONDS = env.float("ADMISSION_WAIT_SECONDS", default=0.5)
# How long a process shares a public page (or count) among anonymous visitors. Together
# with COUNT_CACHE_SECONDS it bounds how old a count on a page can be (1 s by default).
MICROCACHE_SECONDS = env.float("MICROCACHE_SECONDS", default=0.5)
# The fast signing path (groundswell/petitions/fastpath.py): signers waiting for this
# process's writer at most, and how long one waits for the commit before a 503.
SIGN_QUEUE_SIZE = env.int("SIGN_QUEUE_SIZE", default=1000)
SIGN_WAIT_SECONDS = env.float("SIGN_WAIT_SECONDS", default=10.0)
# The signing service's socket (groundswell/petitions/service.py), set by bin/serve: one
# process writes every web process's signatures. Empty: each process writes its own.
SIGN_WRITER_SOCKET = env("SIGN_WRITER_SOCKET", default="")

# --- Petitions ------------------------------------------------------------------------------

GROUNDSWELL = {
    # Confirmed signatures are counted in this many rows per petition, so that concurrent
    # confirmations rarely wait for one another (docs/signing.md, "Counting").
    "COUNTER_SHARDS": env.int("COUNTER_SHARDS", default=16),
    # The country the signing form starts on.
    "DEFAULT_COUNTRY": env("DEFAULT_COUNTRY", default="US"),
    # How long a page may show a count that is older than the database's (seconds).
    "COUNT_CACHE_SECONDS": env.float("COUNT_CACHE_SECONDS", default=0.5),
    "CONFIRMATION_DAYS": 7,
    # How long the "withdraw my signature" link in a signer's emails works; the "My data"
    # page sends fresh ones at any time.
    "WITHDRAW_LINK_DAYS": 365,
    # How long the "erase everything" link in a "My data" email works.
    "ERASE_LINK_DAYS": 7,
    "MY_DATA_RATE_PER_IP": env("MY_DATA_RATE_PER_IP", default="10/h"),
    "MY_DATA_RATE_PER_EMAIL": env("MY_DATA_RATE_PER_EMAIL", default="3/h"),
    # Emails one signature may cause: the confirmation and two reminders.
    "MAX_SIGNATURE_EMAILS": 3,
    # Refuse signatures from throwaway mailboxes (the disposable-email-domains list).
    "BLOCK_DISPOSABLE_EMAIL": env.bool("BLOCK_DISPOSABLE_EMAIL", default=False),
    "SIGN_RATE_PER_PERSON": env("SIGN_RATE_PER_PERSON", default="5/h"),
    "SIGN_RATE_PER_EMAIL": env("SIGN_RATE_PER_EMAIL", default="10/h"),
    "SIGN_RATE_PER_IP": env("SIGN_RATE_PER_IP", default="2000/h"),
    # Write to your official: letters a supporter (or a network) may ask to send.
    "WRITE_RATE_PER_EMAIL": env("WRITE_RATE_PER_EMAIL", default="5/h"),
    "WRITE_RATE_PER_IP": env("WRITE_RATE_PER_IP", default="2000/h"),
    "SIGNUP_RATE_PER_IP": env("SIGNUP_RATE_PER_IP", default="20/h"),
    "LOGIN_RATE_PER_IP": env("LOGIN_RATE_PER_IP", default="30/10m"),
    # Password guessing (groundswell/accounts/throttle.py): failures of one account from one
    # address before each next try must wait, then before that address is locked out of
    # it; failures from every address before the account locks everywhere (until its
    # owner follows the emailed unlock link); how long the counts and locks last.
    "PASSWORD_RESET_RATE_PER_IP": env("PASSWORD_RESET_RATE_PER_IP", default="10/h"),
    "PASSWORD_RESET_RATE_PER_EMAIL": env("PASSWORD_RESET_RATE_PER_EMAIL", default="3/h"),
    "LOGIN_SLOW_AFTER": env.int("LOGIN_SLOW_AFTER", default=3),
    "LOGIN_LOCK_AFTER": env.int("LOGIN_LOCK_AFTER", default=10),
    "LOGIN_ACCOUNT_LOCK_AFTER": env.int("LOGIN_ACCOUNT_LOCK_AFTER", default=30),
    "LOGIN_LOCK_SECONDS": env.int("LOGIN_LOCK_SECONDS", default=3600),
}

# --- Trust and safety ------------------------------------------------------------------------

# How long the audit log keeps an entry (docs/moderation.md); a daily job deletes older ones.
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=730)

# --- Help programme -------------------------------------------------------------------------

# A server secret kept out of the database (docs/privacy.md, "The confidential help
# programme"); derived from SECRET_KEY when empty. Set it before you ever rotate SECRET_KEY.
SUPPORT_PEPPER = env("SUPPORT_PEPPER", default="")

# --- Logging --------------------------------------------------------------------------------

# One line per request (groundswell/core/accesslog.py), with tokens in paths redacted and
# no client address, user agent or query string. On under DEBUG; off in production by
# default: the TLS proxy in front logs requests, and each line costs (docs/benchmarks.md).
ACCESS_LOG = env.bool("ACCESS_LOG", default=DEBUG)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Django names the path of every refused request: tokens in it are redacted.
    "filters": {"redact_secrets": {"()": "groundswell.core.accesslog.RedactSecrets"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"filters": ["redact_secrets"]},
    },
}
