"""Settings, read from the environment (see README, "Configuration").

DEBUG is off unless set: `make run` (bin/run-dev) and the tests turn it on. Development
(DEBUG=1) generates its own keys into var/ on first run; production refuses to start without
SECRET_KEY, ID_LOOKUP_KEY, FIELD_ENCRYPTION_KEYS and RECEIPT_SIGNING_KEY.
"""

import base64
import binascii
import datetime
import importlib.util
import json
import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from blacklist.lib import signing

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.getenv("VAR_DIR", BASE_DIR / "var"))


TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off")


def envbool(name: str, default: str) -> bool:
    """A switch; a value that is neither on nor off stops the start (a typo is not "off")."""
    value = (os.getenv(name) or default).strip().lower()
    if value not in TRUE + FALSE:
        raise ImproperlyConfigured(
            f"{name}={value!r}: use one of {', '.join(TRUE)} (on) or {', '.join(FALSE)} (off)"
        )
    return value in TRUE


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", "0")
REQUIRED_KEYS = ("SECRET_KEY", "ID_LOOKUP_KEY", "FIELD_ENCRYPTION_KEYS", "RECEIPT_SIGNING_KEY")


def development_keys() -> dict[str, str]:
    """Keys kept in var/ so a development database stays readable across restarts; written by
    `python -m devtools.devenv` (`make run`, `make test`), never here: loading the settings
    writes nothing."""
    path = VAR_DIR / "dev-keys.json"
    if not path.exists():
        raise ImproperlyConfigured(
            f"DEBUG is on but {path} does not exist: run `python -m devtools.devenv` "
            "(`make run` and `make test` do), or set the keys in the environment"
        )
    keys: dict[str, str] = json.loads(path.read_text())
    return keys


def secret(name: str) -> str:
    value = os.getenv(name, "").strip()
    if value:
        return value
    if not DEBUG:
        missing = ", ".join(key for key in REQUIRED_KEYS if not os.getenv(key, "").strip())
        raise ImproperlyConfigured(
            f"DEBUG is off and these settings are missing: {missing} "
            "(for development, set DEBUG=1 or use `make run`)"
        )
    keys = development_keys()
    if name not in keys:  # a var/ made before this key existed
        raise ImproperlyConfigured(
            f"{name} is missing from var/dev-keys.json: run `python -m devtools.devenv` to add it"
        )
    return keys[name]


SECRET_KEY = secret("SECRET_KEY")
# Keyed HMAC of normalised ID numbers: exact lookup without storing the plain number.
ID_LOOKUP_KEY = secret("ID_LOOKUP_KEY").encode()
# AES-256 keys (32 bytes, url-safe base64), comma separated: the first encrypts, all
# decrypt, so a new key goes first and old ones stay until every value is re-encrypted.
FIELD_ENCRYPTION_KEYS = envlist("FIELD_ENCRYPTION_KEYS") or secret("FIELD_ENCRYPTION_KEYS").split(
    ","
)


def check_encryption_key(key: str) -> None:
    try:
        size = len(base64.urlsafe_b64decode(key.encode("ascii")))
    except (ValueError, binascii.Error):
        size = 0
    if size != 32:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS: each key must be 32 bytes in base64url")


for _key in FIELD_ENCRYPTION_KEYS:
    check_encryption_key(_key)

# Check receipts are signed with this Ed25519 key (base64url of its 32 bytes, or PEM). The
# public keys of former signing keys, comma separated, stay published at /api/v1/keys/ so that
# receipts they signed still verify (README, "Receipts").
RECEIPT_SIGNING_KEY = secret("RECEIPT_SIGNING_KEY")
RECEIPT_RETIRED_PUBLIC_KEYS = envlist("RECEIPT_RETIRED_PUBLIC_KEYS")
try:
    signing.load_private_key(RECEIPT_SIGNING_KEY)
except ValueError:
    raise ImproperlyConfigured(
        "RECEIPT_SIGNING_KEY must be an Ed25519 private key: 32 bytes in base64url, or PEM"
    ) from None
for _key in RECEIPT_RETIRED_PUBLIC_KEYS:
    try:
        signing.load_public_key(_key)
    except ValueError:
        raise ImproperlyConfigured(
            "RECEIPT_RETIRED_PUBLIC_KEYS: each must be an Ed25519 public key, 32 bytes in "
            "base64url (as /api/v1/keys/ publishes it) or PEM"
        ) from None

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_celery_beat",
    "csp",
    "rest_framework",
    "rest_framework_api_key",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "blacklist",
    "axes",
]
# Demo data, synthetic lists and benchmarks (`make run`, `make bench`): present in a checkout,
# left out of the installed package.
if importlib.util.find_spec("devtools") is not None:
    INSTALLED_APPS.append("devtools")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # which requests may read from a replica (none unless DATABASE_REPLICA_URLS is set)
    "portal.dbrouting.ReplicaReadsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    # last, as django-axes asks: turns a locked-out login into its refusal page
    "axes.middleware.AxesMiddleware",
]

# django-axes first: it refuses a locked-out login before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
            ],
        },
    },
]


def database_settings(url: str = "") -> dict[str, Any]:
    """One database from its URL; the primary's from DATABASE_URL when none is given."""
    url = url or os.getenv("DATABASE_URL", "").strip()
    if not url:
        url = f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"
    config: dict[str, Any] = dict(
        dj_database_url.parse(url, conn_max_age=int(os.getenv("CONN_MAX_AGE", "60")))
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers (web) and the writer (worker) work at once; IMMEDIATE avoids
        # "database is locked" upgrades inside write transactions.
        config["OPTIONS"] = {
            # a 64 MB page cache keeps the indexes of a large import in memory; reads through
            # a memory map (address space, not memory) skip a copy per page: a scored check
            # reads 20,000 rows at random, a third faster
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536;"
                " PRAGMA mmap_size=4294967296;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
        # A file, not shared-cache memory, so tests with threads and a worker see the
        # same locking (busy timeout, WAL) as a running portal.
        # (one per process, so two test runs at once do not share it)
        config["TEST"] = {"NAME": str(VAR_DIR / f"test-portal-{os.getpid()}.sqlite3")}
    elif config["ENGINE"] == "django.db.backends.postgresql":
        # Planner settings for each session (DATABASE_SESSION_SETTINGS): requests read a few
        # thousand rows from a cached database. JIT compiles for tens of milliseconds what
        # runs in a few; random_page_cost 4 (for spinning disks) turns 10,000 index lookups
        # of a scored check into a scan of every subject.
        session = os.getenv("DATABASE_SESSION_SETTINGS", "jit=off random_page_cost=1.1").split()
        if session:
            options = config.setdefault("OPTIONS", {})
            # after any `?options=` of the URL (a statement_timeout, a search_path), not instead
            given = options.get("options", "")
            options["options"] = " ".join([given, *(f"-c {s}" for s in session)]).strip()
    return config


def replica_databases(primary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Read replicas of the primary (DATABASE_REPLICA_URLS, comma separated): aliases replica1,
    replica2, ... that portal.dbrouting sends some reads to (README, "Read replicas").

    A streaming replica holds every database of its primary, so its URL names the primary's
    database. In tests each replica mirrors the default database: Django gives the alias the
    test database's name and creates nothing on it; on a real replica that database arrives
    by replication.
    """
    replicas = {}
    for number, url in enumerate(envlist("DATABASE_REPLICA_URLS"), start=1):
        config = database_settings(url)
        if config["ENGINE"] != "django.db.backends.postgresql":
            raise ImproperlyConfigured("DATABASE_REPLICA_URLS: replicas are PostgreSQL servers")
        config["TEST"] = {"MIRROR": "default"}
        replicas[f"replica{number}"] = config
    if replicas and primary["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URLS needs a PostgreSQL DATABASE_URL")
    return replicas


# The few queries every search runs, prepared on PostgreSQL (blacklist/lib/prepared.py); off
# behind a pooler in transaction mode that does not keep prepared statements.
DATABASE_PREPARED_STATEMENTS = envbool("DATABASE_PREPARED_STATEMENTS", "on")
_primary = database_settings()
DATABASES = {"default": _primary, **replica_databases(_primary)}
# The aliases reads may go to; none configured, every query goes to the primary as before.
DATABASE_REPLICAS = [alias for alias in DATABASES if alias != "default"]
DATABASE_ROUTERS = ["portal.dbrouting.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("zh-hant", "繁體中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = Path(os.getenv("MEDIA_ROOT", VAR_DIR / "media"))
# Where the portal keeps files (snapshots, uploads, validated rows, attachments): always through
# Django's storage API, so that web and workers on different machines can share an object
# store. filesystem (MEDIA_ROOT), memory (the tests' proof that nothing needs a disk) or s3
# (django-storages: `pip install ".[s3]"`, S3_BUCKET, S3_ENDPOINT_URL, AWS_* credentials).
STORAGE_BACKEND = os.getenv("STORAGE_BACKEND", "filesystem").strip()


def file_storage() -> dict[str, Any]:
    if STORAGE_BACKEND == "filesystem":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if STORAGE_BACKEND == "memory":
        return {"BACKEND": "django.core.files.storage.InMemoryStorage"}
    if STORAGE_BACKEND == "s3":
        return {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": os.getenv("S3_BUCKET", ""),
                "endpoint_url": os.getenv("S3_ENDPOINT_URL") or None,
                "region_name": os.getenv("S3_REGION") or None,
                "file_overwrite": False,
                "default_acl": "private",
                "querystring_auth": True,
            },
        }
    raise ImproperlyConfigured(f"STORAGE_BACKEND={STORAGE_BACKEND!r}: use filesystem, memory or s3")


STORAGES = {
    "default": file_storage(),
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Shared between web and worker processes (import progress, rate limits): files under var/
# by default, Redis when CACHE_URL says so.
CACHE_URL = os.getenv("CACHE_URL", "").strip()
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL
    else {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache"),
    },
    # the parts of pages that are the same for every visitor ({% cache %}), kept by each process
    "template_fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "template-fragments",
    },
}

# Imports of list files.
IMPORT_MAX_BYTES = int(os.getenv("IMPORT_MAX_BYTES", str(200 * 2**20)))
IMPORT_MAX_UNPACKED_BYTES = int(os.getenv("IMPORT_MAX_UNPACKED_BYTES", str(2 * 2**30)))
IMPORT_MAX_ZIP_RATIO = 100  # real spreadsheets pack 5-20 times; bombs pack thousands of times
# Files up to these sizes are validated and committed within the request; larger ones by
# a Celery worker while the admin shows a progress bar.
IMPORT_INLINE_MAX_BYTES = int(os.getenv("IMPORT_INLINE_MAX_BYTES", str(1 * 2**20)))
IMPORT_INLINE_MAX_ROWS = int(os.getenv("IMPORT_INLINE_MAX_ROWS", "10000"))
IMPORT_MAX_STORED_ERRORS = 10_000
# Uploaded list files (sealed) are deleted this long after upload; the run's record stays.
IMPORT_FILE_RETENTION_DAYS = int(os.getenv("IMPORT_FILE_RETENTION_DAYS", "30"))

# The public site: per-IP limits (django-ratelimit, on the shared cache) and objections.
SEARCH_RATE = os.getenv("SEARCH_RATE", "30/m")
OBJECTION_RATE = os.getenv("OBJECTION_RATE", "5/h")
# People a name search considers, at most: of exactly the name typed, and as many others whose
# names contain it. The work of a search stays bounded on a national list.
SEARCH_NAME_CANDIDATES = int(os.getenv("SEARCH_NAME_CANDIDATES", "100"))
# Scored checks: people read per candidate key (registry/match_index.candidates_by_key)
SCORED_CANDIDATES_PER_KEY = int(os.getenv("SCORED_CANDIDATES_PER_KEY", "20"))
RATELIMIT_VIEW = "blacklist.public.views.rate_limited"
# Behind a proxy, where the client's address comes from (blacklist.lib.client_address): a single
# header the proxy sets (CLIENT_IP_HEADER=X-Real-IP), or the number of proxies that append to
# X-Forwarded-For (TRUSTED_PROXY_COUNT). Neither: REMOTE_ADDR.
CLIENT_IP_HEADER = os.getenv("CLIENT_IP_HEADER", "").strip()
TRUSTED_PROXY_COUNT = int(os.getenv("TRUSTED_PROXY_COUNT", "0"))
if CLIENT_IP_HEADER and TRUSTED_PROXY_COUNT:
    raise ImproperlyConfigured("Set CLIENT_IP_HEADER or TRUSTED_PROXY_COUNT, not both")
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT cannot be negative")
if os.getenv("RATELIMIT_IP_META_KEY"):
    raise ImproperlyConfigured(
        "RATELIMIT_IP_META_KEY is no longer read: set CLIENT_IP_HEADER (e.g. X-Real-IP) "
        "or TRUSTED_PROXY_COUNT instead"
    )
OBJECTION_MAX_ATTACHMENT_BYTES = 5 * 2**20
# Objections' attachments (sealed) are deleted this long after the decision; the objection stays.
OBJECTION_ATTACHMENT_RETENTION_DAYS = int(os.getenv("OBJECTION_ATTACHMENT_RETENTION_DAYS", "90"))

# The admin's login (django-axes, records in the database): after LOGIN_FAILURE_LIMIT failures
# a username is locked from every address, and an address for every username, for
# LOGIN_COOLOFF_MINUTES; officials unlock earlier by deleting the access attempt in the admin.
AXES_FAILURE_LIMIT = int(os.getenv("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.getenv("LOGIN_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "blacklist.lib.client_address.client_lockout_address"
AXES_LOCKOUT_CALLABLE = "blacklist.admin.lockout.locked_out"
# Kept out of the log lines and of the stored form data (the password always is).
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "csrfmiddlewaretoken"]

# The API for credit platforms (/api/v1/).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["blacklist.api.access.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["blacklist.api.access.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["blacklist.api.access.ClientRateThrottle"],
    # orjson: a 10,000-event feed page renders in a tenth of the standard renderer's time
    "DEFAULT_RENDERER_CLASSES": ["drf_orjson_renderer.renderers.ORJSONRenderer"],
    # orjson refuses what cannot be text (lone surrogates, NaN) as a parse error
    "DEFAULT_PARSER_CLASSES": ["drf_orjson_renderer.parsers.ORJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "blacklist.api.schema.PlatformAutoSchema",
    "EXCEPTION_HANDLER": "blacklist.api.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "信用懲戒公示平台 API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # two fields named status: the entries' keeps the name it had, the keys' gets its own;
    # subjects and monitors share one kind of subject
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "blacklist.registry.models.EntryStatus.values",
        "KeyStatusEnum": "blacklist.platforms.receipts.KEY_STATUSES",
        "SubjectKindEnum": ["person", "organisation"],
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "blacklist.api.schema.add_error_responses",
        # the document's prose lives beside the API, in blacklist/api/description.md
        "blacklist.api.schema.add_description",
    ],
}
# The screening guard (blacklist/guard.py): how many distinct guesses around one masked
# identity an actor may make in a day before its requests are refused. A bank's customers
# rarely share a mask with a listed person; an enumeration of one shares it thousands of times.
GUARD_LIMITS = {
    # per API client without the identity scope; id_mask grows with the client's volume
    "api": {"id_mask": 6, "id_names": 4, "name_pattern": 30},
    # per visitor's address on the public search; id_searches is the daily cap of ID searches
    "search": {
        "id_mask": 4,
        "id_names": 4,
        "name_pattern": 20,
        "id_searches": int(os.getenv("PUBLIC_ID_SEARCHES_PER_DAY", "20")),
    },
}
# Masks a county's people spread over: sequence numbers in use (fewer than the 1,000
# possible) times 11 check characters. Fewer masks means more real customers per mask.
GUARD_MASKS_PER_REGION = int(os.getenv("GUARD_MASKS_PER_REGION", "3000"))
# The same guesses counted across every client (an alert) or every address (refused too).
GUARD_LIMITS_EVERYONE = {
    "api": {"id_mask": 12},
    "search": {"id_mask": 12, "id_names": 12},
}

# The audit log of platforms' queries is kept this long, then deleted by a daily task.
QUERY_LOG_RETENTION_DAYS = int(os.getenv("QUERY_LOG_RETENTION_DAYS", "365"))

# Webhooks to credit platforms. A delivery's task is stopped a little after these timeouts,
# so an endpoint that hangs holds one worker slot for seconds, never the queue.
WEBHOOK_CONNECT_TIMEOUT = float(os.getenv("WEBHOOK_CONNECT_TIMEOUT", "3.05"))
WEBHOOK_READ_TIMEOUT = float(os.getenv("WEBHOOK_READ_TIMEOUT", "10"))
# Outgoing proxy for webhook requests; the worker's own proxy variables are not used.
WEBHOOK_PROXY = os.getenv("WEBHOOK_PROXY", "").strip()
# Without a proxy, webhooks go only to public addresses (blacklist.webhooks.services); a receiver
# on the local network (development, a platform's test server) needs this set to 1.
WEBHOOK_ALLOW_PRIVATE = envbool("WEBHOOK_ALLOW_PRIVATE", "0")

# Celery. The default broker is kombu's filesystem transport under var/, so a
# development machine needs no server; production sets CELERY_BROKER_URL.
CELERY_BROKER_URL = os.getenv("CELERY_BROKER_URL", "").strip() or "filesystem://"
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT = "portal.filebroker:Transport"  # writes each message whole
    BROKER_DIR = VAR_DIR / "broker"  # its folders are made by `python -m devtools.devenv`
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_RESULT_BACKEND = os.getenv("CELERY_RESULT_BACKEND") or None
CELERY_TASK_IGNORE_RESULT = CELERY_RESULT_BACKEND is None
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # ID numbers are masked in every record (blacklist.lib.logfilters, installed by the app)
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes.apps": {"level": "WARNING"},  # its start banner on every command
        # the development server's request lines carry query strings
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

if not DEBUG:
    # HTTPS only (`manage.py check --deploy` is clean with the defaults). The proxy in front
    # terminates TLS and says so in X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", "1")
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # 0 when the proxy redirects http to https itself; health checks come over plain http.
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "1")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = int(os.getenv("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", "1")
    # Joining the browsers' preload list is hard to undo: only when asked for.
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "0")
    # Choices the operator made on purpose are not warnings.
    SILENCED_SYSTEM_CHECKS = [
        *([] if SECURE_SSL_REDIRECT else ["security.W008"]),
        *([] if SECURE_HSTS_INCLUDE_SUBDOMAINS else ["security.W005"]),
        *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
    ]
SECURE_CONTENT_TYPE_NOSNIFF = True
# No inline scripts or styles anywhere on the public site; the admin keeps Django's own.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
