"""Configuration from the environment (and an optional ``instance/hub.env``).

Every setting is read and checked once at start-up; a bad value stops the process with one
line saying what is wrong (``ConfigError``), never a traceback from deep inside a request.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import time
from pathlib import Path

from dotenv import dotenv_values

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = PROJECT_ROOT / "instance"
DEFAULT_UPLOAD_MAX_BYTES = 20 * 1024 * 1024
# Room above the upload limit for the rest of a multipart form, so that a file just over
# the limit still reaches the attachment service and gets its clear message.
UPLOAD_REQUEST_SLACK_BYTES = 1024 * 1024

# Agency plug-ins enabled by default.  The hub imports these modules by the names listed
# here (configuration), never by writing an import of a plug-in in its own code.
DEFAULT_AGENCY_PLUGINS = (
    "agencies.petition",
    "agencies.discipline",
    "agencies.inspection",
    "agencies.organization",
    "agencies.political_legal",
)


class ConfigError(Exception):
    """A setting is missing or wrong; the message is one line meant for the operator."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    redis_url: str | None
    secret_key: str
    demo_password: str | None
    port: int
    smtp_host: str | None
    smtp_port: int
    smtp_user: str | None
    smtp_password: str | None
    smtp_sender: str | None
    smtp_tls: bool
    secure_cookies: bool
    proxy_hops: int
    end_on_workday: bool
    yellow_remaining: float
    no_progress: float
    agency_plugins: tuple[str, ...]
    instance_path: Path
    upload_dir: Path
    upload_max_bytes: int
    meeting_hours: tuple = ()
    public_url: str | None = None
    metrics_token: str | None = None


def _int(env: dict, name: str, default: int, low: int = 1, high: int = 65535) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _fraction(env: dict, name: str, default: float) -> float:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a fraction such as 0.33, got {raw!r}") from None
    if not 0 < value < 1:
        raise ConfigError(f"{name} must be between 0 and 1, got {value}")
    return value


def _hours(env: dict, name: str, default: str) -> tuple[tuple[time, time], ...]:
    """Working hours such as "08:30-12:00,14:30-18:00" (windows in the day, in order)."""
    raw = env.get(name) or default
    windows = []
    try:
        for part in raw.split(","):
            start, end = (time.fromisoformat(x.strip()) for x in part.split("-"))
            windows.append((start, end))
    except ValueError:
        raise ConfigError(f"{name} must look like 08:30-12:00,14:30-18:00, got {raw!r}") from None
    for (a, b), nxt in zip(windows, [*windows[1:], None], strict=True):
        if not a < b or (nxt is not None and not b <= nxt[0]):
            raise ConfigError(f"{name}: windows must be in order and not overlap, got {raw!r}")
    return tuple(windows)


def _bool(env: dict, name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, got {raw!r}")


def _public_url(env: dict) -> str | None:
    """The portal's address as the public reaches it (printed in the 一县一码 QR codes):
    http(s)://host[:port], to which the portal's paths are added.  Unset: the host of the
    request."""
    raw = (env.get("HUB_PUBLIC_URL") or "").strip()
    if not raw:
        return None
    from urllib.parse import urlsplit

    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/") \
            or parts.query or parts.fragment:
        raise ConfigError(f"HUB_PUBLIC_URL must look like https://xf.example.gov.cn, got {raw!r}")
    return raw.rstrip("/")


def _metrics_token(env: dict) -> str | None:
    """The bearer token Prometheus sends to /metrics.  Unset: /metrics answers 404."""
    raw = (env.get("HUB_METRICS_TOKEN") or "").strip()
    if not raw:
        return None
    if len(raw) < 24:
        raise ConfigError("HUB_METRICS_TOKEN must be at least 24 characters long")
    return raw


def _check_database_url(url: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(f"HUB_DATABASE_URL is not a database URL: {url!r}") from None
    backend = parsed.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ConfigError(
            f"HUB_DATABASE_URL must use sqlite or postgresql, got {backend!r}"
        )
    if backend == "postgresql" and parsed.drivername not in (
        "postgresql", "postgresql+psycopg"
    ):
        raise ConfigError("HUB_DATABASE_URL for PostgreSQL must use the psycopg driver")
    if backend == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def _secret_key(instance: Path, env: dict) -> str:
    given = env.get("HUB_SECRET_KEY")
    if given:
        if len(given) < 32:
            raise ConfigError("HUB_SECRET_KEY must be at least 32 characters long")
        return given
    path = instance / "secret_key"
    if path.exists():
        value = path.read_text().strip()
        if len(value) < 32:
            raise ConfigError(f"{path.name} in the instance folder is too short; delete it")
        return value
    value = secrets.token_urlsafe(48)
    instance.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value + "\n")
    return value


def load_settings(environ: dict | None = None) -> Settings:
    """Read settings: process environment first, then ``instance/hub.env``."""
    environ = dict(os.environ if environ is None else environ)
    instance = Path(environ.get("HUB_INSTANCE_PATH") or DEFAULT_INSTANCE)
    env_file = instance / "hub.env"
    env: dict = {}
    if env_file.exists():
        env.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    env.update(environ)

    database_url = env.get("HUB_DATABASE_URL") or f"sqlite:///{instance / 'hub.db'}"
    database_url = _check_database_url(database_url)
    redis_url = env.get("HUB_REDIS_URL") or None
    if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(f"HUB_REDIS_URL must start with redis://, rediss:// or unix://, got {redis_url!r}")
    demo_password = env.get("HUB_DEMO_PASSWORD") or None
    if demo_password:
        from hub.auth.passwords import password_problems

        problems = password_problems(demo_password)
        if problems:
            raise ConfigError("HUB_DEMO_PASSWORD is too weak: " + "; ".join(problems))
    plugins_raw = env.get("HUB_AGENCY_PLUGINS")
    plugins = (
        tuple(p.strip() for p in plugins_raw.split(",") if p.strip())
        if plugins_raw
        else DEFAULT_AGENCY_PLUGINS
    )
    return Settings(
        database_url=database_url,
        redis_url=redis_url,
        secret_key=_secret_key(instance, env),
        demo_password=demo_password,
        port=_int(env, "HUB_PORT", 5000),
        smtp_host=env.get("HUB_SMTP_HOST") or None,
        smtp_port=_int(env, "HUB_SMTP_PORT", 25),
        smtp_user=env.get("HUB_SMTP_USER") or None,
        smtp_password=env.get("HUB_SMTP_PASSWORD") or None,
        smtp_sender=env.get("HUB_SMTP_SENDER") or None,
        smtp_tls=_bool(env, "HUB_SMTP_TLS", False),
        secure_cookies=_bool(env, "HUB_SECURE_COOKIES", False),
        proxy_hops=_int(env, "HUB_PROXY_HOPS", 0, low=0, high=5),
        end_on_workday=_bool(env, "HUB_END_ON_WORKDAY", True),
        yellow_remaining=_fraction(env, "HUB_YELLOW_REMAINING_FRACTION", 1 / 3),
        no_progress=_fraction(env, "HUB_NO_PROGRESS_FRACTION", 1 / 2),
        agency_plugins=plugins,
        instance_path=instance,
        upload_dir=Path(env.get("HUB_UPLOAD_DIR") or instance / "uploads"),
        upload_max_bytes=_int(env, "HUB_UPLOAD_MAX_BYTES", DEFAULT_UPLOAD_MAX_BYTES,
                              high=1024 * 1024 * 1024),
        meeting_hours=_hours(env, "HUB_MEETING_HOURS", "08:30-12:00,14:30-18:00"),
        public_url=_public_url(env),
        metrics_token=_metrics_token(env),
    )


def flask_config(settings: Settings) -> dict:
    """The Flask config mapping built from checked settings."""
    return {
        "SECRET_KEY": settings.secret_key,
        "SQLALCHEMY_DATABASE_URI": settings.database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(settings.database_url),
        "HUB_REDIS_URL": settings.redis_url,
        "HUB_DEMO_PASSWORD": settings.demo_password,
        "HUB_PORT": settings.port,
        "HUB_AGENCY_PLUGINS": settings.agency_plugins,
        "HUB_SMTP": {
            "host": settings.smtp_host,
            "port": settings.smtp_port,
            "user": settings.smtp_user,
            "password": settings.smtp_password,
            "sender": settings.smtp_sender,
            "tls": settings.smtp_tls,
        },
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": settings.secure_cookies,
        # Reverse proxies in front of gunicorn whose X-Forwarded-For/-Proto are trusted, so
        # the audit log records the real client address.
        "HUB_PROXY_HOPS": settings.proxy_hops,
        "SESSION_COOKIE_NAME": "hub_session",
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "hub" / "translations"),
        # 等保三级 session rules
        "HUB_IDLE_TIMEOUT_SECONDS": 30 * 60,
        "HUB_IDLE_WARNING_SECONDS": 2 * 60,
        "HUB_SESSION_MAX_SECONDS": 12 * 3600,
        "HUB_LOCKOUT_FAILURES": 5,
        "HUB_LOCKOUT_SECONDS": 15 * 60,
        "HUB_ADDRESS_FAILURE_LIMIT": 20,
        "HUB_ADDRESS_WINDOW_SECONDS": 15 * 60,
        "HUB_ARGON2": {"time_cost": 3, "memory_cost": 64 * 1024, "parallelism": 2},
        "HUB_AUDIT_VERIFY_HOUR": 2,  # nightly, local time
        "HUB_TALLIES_CHECK_HOUR": 3,  # the indicator tallies' nightly check, local time
        # Similar cases: the index's catch-up and the month's clusters, nightly, local time.
        "HUB_SIMILAR_NIGHTLY_HOUR": 4,
        # 政策完善建议: calendar days for the addressee's answer (default of a new proposal)
        # and, once accepted, for its first measure; both chased (hub.proposals.chase).
        "HUB_PROPOSAL_ANSWER_DAYS": 30,
        "HUB_PROPOSAL_MEASURE_DAYS": 60,
        # Deadline rules (DESIGN §5): the end-on-a-non-working-day rule and 红黄绿 thresholds.
        "HUB_END_ON_WORKDAY": settings.end_on_workday,
        "HUB_YELLOW_REMAINING_FRACTION": settings.yellow_remaining,
        "HUB_NO_PROGRESS_FRACTION": settings.no_progress,
        # 包案 chasing ladder (DESIGN §7): days relative to the due date, and the fairness gap.
        "HUB_LADDER_OFFSETS": {"remind_before": -3, "remind_due": 0, "yellow": 1,
                               "inspect": 7, "circulate": 15},
        "HUB_LADDER_GAP_DAYS": 3,
        # Handoffs' sign-for and feedback clocks: 提醒 the receiving liaisons, 预警 the
        # secretariat, then 督查 addressed to the receiving agency.
        "HUB_HANDOFF_LADDER_OFFSETS": {"remind_before": -1, "remind_due": 0, "yellow": 1,
                                       "inspect": 5},
        "HUB_INSPECTION_RESPONSE_WORKING_DAYS": 5,
        "HUB_CHASE_EVERY_MINUTES": 5,
        # Attachments (附件): stored outside the web root, content-addressed.
        "HUB_UPLOAD_DIR": str(settings.upload_dir),
        "HUB_UPLOAD_MAX_BYTES": settings.upload_max_bytes,
        # Case imports (50,000 rows of a national-system export fit well within this);
        # the import page raises the request limit to it for its own upload.
        "HUB_IMPORT_MAX_BYTES": 64 * 1024 * 1024,
        "HUB_MEETING_HOURS": settings.meeting_hours,
        # Meeting reminders, hours before the start (chased once per start time).
        "HUB_MEETING_REMINDERS_HOURS": (24, 1),
        "MAX_CONTENT_LENGTH": settings.upload_max_bytes + UPLOAD_REQUEST_SLACK_BYTES,
        # The public portal (网上信访, 一县一码): per-address limits as ((window seconds,
        # most), ...), the wrong-secret lock of one query code, the spam checks of the form.
        "HUB_PUBLIC_URL": settings.public_url,
        # Prometheus scrapes /metrics with "Authorization: Bearer <token>"; unset: 404.
        "HUB_METRICS_TOKEN": settings.metrics_token,
        "HUB_PORTAL_SUBMIT_LIMITS": ((3600, 5), (86400, 10)),
        "HUB_PORTAL_SECRET_LIMITS": ((900, 10),),
        "HUB_PORTAL_CODE_LOCK_FAILURES": 10,
        "HUB_PORTAL_CODE_LOCK_SECONDS": 3600,
        "HUB_PORTAL_MIN_FILL_SECONDS": 5,  # faster than a person can fill the form
        "HUB_PORTAL_FORM_MAX_AGE_SECONDS": 6 * 3600,
        "HUB_PORTAL_MAX_FILES": 3,
        "HUB_PORTAL_FILE_MAX_BYTES": 10 * 1024 * 1024,
        "HUB_PORTAL_REQUEST_MAX_BYTES": 3 * 10 * 1024 * 1024,  # the form with its files
        "HUB_PORTAL_ACCESS_SECONDS": 30 * 60,  # a tracked submission stays open this long
    }


def _engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 10}
