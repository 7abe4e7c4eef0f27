"""Settings from the environment (and `.env` in development), read once by create_app."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

from dotenv import load_dotenv

from ivr.calendar import CalendarConfigError, parse_business_hours, parse_holiday_calendar
from ivr.phones import to_e164
from sandbox.twilio.account import SANDBOX_ACCOUNT_SID, SANDBOX_AUTH_TOKEN
from ticketing.firm import Firm, firm_from

# Flask signs session cookies with it: shorter keys are open to offline guessing.
SECRET_KEY_MIN_LENGTH = 32
# Who sends the demo's pages (the sandbox's local number) when TWILIO_SMS_FROM is not set.
DEMO_SMS_FROM = "+13368991911"
LOG_FORMATS = ("text", "json")
# Twilio's own hold music (its public classical collection, served from its bucket).
# What an after-hours caller hears counts as an emergency, in one sentence (the firm's
# published definition of Emergency Services, in words a caller takes in at night).
DEFAULT_EMERGENCY_DEFINITION = (
    "Emergency service is for the most urgent matters, when your ability to capture revenue"
    " or serve your customers is severely impaired, such as a point of sale system that is"
    " down or payments that cannot be processed."
)
# A sentence, not a speech: the caller is waiting to say what is wrong.
MAX_EMERGENCY_DEFINITION = 400
DEFAULT_HOLD_MUSIC_URL = "http://com.twilio.music.classical.s3.amazonaws.com/BusyStrings.mp3"


class ConfigError(ValueError):
    """A setting has a value the service cannot run with."""


@dataclass(frozen=True)
class Settings:
    """Every setting of docs/design.md §3, typed."""

    instance_path: Path
    database_url: str
    secret_key: str
    public_base_url: str = "http://127.0.0.1:5000"
    twilio_account_sid: str = SANDBOX_ACCOUNT_SID
    twilio_auth_token: str = SANDBOX_AUTH_TOKEN
    # Accepted as well during an auth-token rotation.
    twilio_auth_token_secondary: str | None = None
    twilio_voice_number: str = "+18888991911"
    # Further support lines answered like the main one (a local number, say), E.164.
    support_lines: tuple[str, ...] = ()
    twilio_sms_from: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_api_base_url: str = "https://api.twilio.com"
    business_timezone: str = "America/New_York"
    business_hours: str = "Mon-Fri 08:00-17:00"
    holiday_calendar: str = "US-NC"
    firm_name: str = "Accelerando"
    # Said to an after-hours caller before "emergency rates apply"; "" (`none`): not said.
    emergency_definition: str = DEFAULT_EMERGENCY_DEFINITION
    smtp_url: str | None = None
    fallback_forward_number: str | None = None
    helpdesk_busy_queue: int = 3
    # Minutes a help-desk caller may wait with no technician available before staff are
    # texted (once per caller); 0: never.
    helpdesk_wait_alert: int = 10
    # Played between the help-desk queue's announcements (Twilio plays the whole track, so
    # its length sets how often the caller hears their place). None (`none`): silence.
    hold_music_url: str | None = DEFAULT_HOLD_MUSIC_URL
    # Ring the on-call technician while an emergency caller holds, before taking a message.
    live_transfer: bool = True
    live_transfer_seconds: int = 20
    # Callers may key an international callback number (premium numbers never).
    callback_international: bool = False
    # How many reverse proxies in front of the app may set X-Forwarded-For/-Proto.
    trust_proxy_hops: int = 0
    sandbox: bool = False
    # Card payments by Stripe Checkout: both keys set, or the portal says how else to pay.
    stripe_secret_key: str | None = None
    stripe_webhook_secret: str | None = None
    # Seconds to wait for a database connection before a call gets the fallback answer.
    database_connect_timeout: float = 1.0
    # Connections a process keeps open to PostgreSQL (and as many more it may open for a
    # moment). Fewer than a web worker's threads use at once, and connections are closed
    # and opened again all through a busy minute: each a new server process.
    database_pool_size: int = 10
    # Where the scheduler LISTENs for committed pages (PostgreSQL): a direct connection,
    # since a pooler in transaction mode drops LISTEN. None: DATABASE_URL.
    database_listen_url: str | None = None
    # Public access requests taken per hour from one address, and from all together: a
    # person asks once; a script must not fill the staff's queue or the outbox.
    access_requests_per_address: int = 5
    access_requests_per_hour: int = 50
    # Bearer token for GET /metrics; without one, only loopback clients may scrape it.
    metrics_token: str | None = None
    # A dead-man's switch (healthchecks.io and the like) the scheduler GETs every minute.
    heartbeat_url: str | None = None
    # "text", or "json" for one JSON object per log line (log collectors).
    log_format: str = "text"

    @cached_property
    def auth_tokens(self) -> tuple[str, ...]:
        """Tokens a webhook signature may be made with (primary first); read by every
        webhook, so made once per settings.

        Never an empty one: anybody can compute an HMAC with an empty key."""
        tokens = (self.twilio_auth_token, self.twilio_auth_token_secondary)
        return tuple(token for token in tokens if token and token.strip())

    @cached_property
    def firm(self) -> Firm:
        """The firm as callers, clients and technicians see it (name, lines, hours); made
        once per settings, since wording the hours parses them and every call says them."""
        return firm_from(
            self.firm_name,
            self.public_base_url,
            self.twilio_voice_number,
            self.support_lines,
            self.business_hours,
        )

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with some settings changed (tests, demo mode)."""
        return replace(self, **changes)


def _secret_key(instance_path: Path) -> str:
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from exc


def _seconds(env: dict[str, str], name: str, default: float, most: float) -> float:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number of seconds, not {raw!r}") from exc
    if not 0 < value <= most:
        raise ConfigError(f"{name} must be more than 0 and at most {most:g} seconds")
    return value


def _pool_size(env: dict[str, str]) -> int:
    size = _int(env, "DATABASE_POOL_SIZE", 10)
    if not 1 <= size <= 100:
        raise ConfigError("DATABASE_POOL_SIZE must be from 1 to 100 connections")
    return size


def _flag(env: dict[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be on or off, not {raw!r}")


def _phone_list(env: dict[str, str], name: str) -> tuple[str, ...]:
    """A comma-separated list of phone numbers, each made E.164."""
    numbers = []
    for raw in filter(str.strip, (env.get(name) or "").split(",")):
        e164 = to_e164(raw.strip())
        if e164 is None:
            raise ConfigError(f"{name}: {raw.strip()!r} is not a phone number (use E.164)")
        numbers.append(e164)
    return tuple(numbers)


def _with_driver(url: str) -> str:
    """A PostgreSQL URL naming psycopg 3 as its driver; others unchanged."""
    # Heroku-style URLs name no driver; SQLAlchemy needs one.
    for bare in ("postgres://", "postgresql://"):
        if url.startswith(bare):
            return "postgresql+psycopg://" + url[len(bare) :]
    return url


def load_settings(env: dict[str, str] | None = None, *, demo: bool = False) -> Settings:
    """Build Settings from `env` (default: os.environ after loading `.env`)."""
    if env is None:
        load_dotenv(override=False)
        env = dict(os.environ)
    instance_path = Path(env.get("INTAKE_INSTANCE_PATH", "instance")).resolve()
    database_url = _with_driver(
        env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'intake.db'}"
    )
    listen_url = _with_driver((env.get("DATABASE_LISTEN_URL") or "").strip())
    if listen_url and not listen_url.startswith("postgresql"):
        # Only PostgreSQL has LISTEN: a typo here would silently leave the relay polling.
        raise ConfigError("DATABASE_LISTEN_URL must be a PostgreSQL URL (postgresql://…)")
    values: dict[str, object] = {
        "instance_path": instance_path,
        "database_url": database_url,
        "database_listen_url": listen_url or None,
        "secret_key": env.get("SECRET_KEY") or _secret_key(instance_path),
        "helpdesk_busy_queue": _int(env, "HELPDESK_BUSY_QUEUE", 3),
        "helpdesk_wait_alert": _int(env, "HELPDESK_WAIT_ALERT", 10),
        "live_transfer": _flag(env, "LIVE_TRANSFER", True),
        "live_transfer_seconds": _int(env, "LIVE_TRANSFER_SECONDS", 20),
        "callback_international": _flag(env, "CALLBACK_INTERNATIONAL", False),
        "trust_proxy_hops": _int(env, "TRUST_PROXY_HOPS", 0),
        "database_connect_timeout": _seconds(env, "DATABASE_CONNECT_TIMEOUT", 1.0, 60),
        "database_pool_size": _pool_size(env),
        "access_requests_per_address": _int(env, "ACCESS_REQUESTS_PER_ADDRESS", 5),
        "access_requests_per_hour": _int(env, "ACCESS_REQUESTS_PER_HOUR", 50),
        "support_lines": _phone_list(env, "SUPPORT_LINES"),
        "sandbox": demo,
    }
    plain = {
        "PUBLIC_BASE_URL": "public_base_url",
        "TWILIO_ACCOUNT_SID": "twilio_account_sid",
        "TWILIO_AUTH_TOKEN": "twilio_auth_token",
        "TWILIO_AUTH_TOKEN_SECONDARY": "twilio_auth_token_secondary",
        "TWILIO_VOICE_NUMBER": "twilio_voice_number",
        "TWILIO_SMS_FROM": "twilio_sms_from",
        "TWILIO_MESSAGING_SERVICE_SID": "twilio_messaging_service_sid",
        "TWILIO_API_BASE_URL": "twilio_api_base_url",
        "BUSINESS_TIMEZONE": "business_timezone",
        "BUSINESS_HOURS": "business_hours",
        "HOLIDAY_CALENDAR": "holiday_calendar",
        "FIRM_NAME": "firm_name",
        "EMERGENCY_DEFINITION": "emergency_definition",
        "SMTP_URL": "smtp_url",
        "FALLBACK_FORWARD_NUMBER": "fallback_forward_number",
        "HOLD_MUSIC_URL": "hold_music_url",
        "STRIPE_SECRET_KEY": "stripe_secret_key",
        "STRIPE_WEBHOOK_SECRET": "stripe_webhook_secret",
        "METRICS_TOKEN": "metrics_token",
        "HEARTBEAT_URL": "heartbeat_url",
        "LOG_FORMAT": "log_format",
    }
    for env_name, attr in plain.items():
        if env.get(env_name):
            values[attr] = env[env_name].strip()
    if str(values.get("hold_music_url", "")).lower() == "none":
        values["hold_music_url"] = None
    if str(values.get("emergency_definition", "")).lower() == "none":
        values["emergency_definition"] = ""
    settings = Settings(**values)  # type: ignore[arg-type]
    if demo:
        settings = _demo_settings(settings, env)
    else:
        _production_check(settings, env)
    settings_check(settings)
    return settings


def _production_check(settings: Settings, env: dict[str, str]) -> None:
    """Refuse the weak or public secrets that only the demo may run with."""
    if len(settings.secret_key) < SECRET_KEY_MIN_LENGTH:
        raise ConfigError(
            f"SECRET_KEY must be at least {SECRET_KEY_MIN_LENGTH} characters long"
            f" (or unset, to generate one into {settings.instance_path / 'secret_key'})"
        )
    # Unset, the token would default to the sandbox one; blank, to none at all.
    if not (env.get("TWILIO_AUTH_TOKEN") or "").strip():
        raise ConfigError("TWILIO_AUTH_TOKEN must be set (only `--demo` runs without one)")
    # The sandbox token is in the source code: anybody could sign webhooks with it.
    for name, token in (
        ("TWILIO_AUTH_TOKEN", settings.twilio_auth_token),
        ("TWILIO_AUTH_TOKEN_SECONDARY", settings.twilio_auth_token_secondary),
    ):
        if token and token.strip() == SANDBOX_AUTH_TOKEN:
            raise ConfigError(f"{name} is the public sandbox token: only `--demo` may use it")


def _demo_settings(settings: Settings, env: dict[str, str]) -> Settings:
    """Demo mode talks to the local sandbox with sandbox credentials, never to Twilio."""
    return settings.with_overrides(
        twilio_account_sid=SANDBOX_ACCOUNT_SID,
        twilio_auth_token=SANDBOX_AUTH_TOKEN,
        twilio_auth_token_secondary=None,
        twilio_api_base_url=settings.public_base_url.rstrip("/") + "/sandbox/twilio",
        twilio_sms_from=settings.twilio_sms_from or DEMO_SMS_FROM,
        sandbox=True,
    )


def settings_check(settings: Settings) -> None:
    """Refuse settings that would break calls later (checked at start-up, not mid-call)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(settings.business_timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"BUSINESS_TIMEZONE {settings.business_timezone!r} is unknown") from exc
    if not settings.twilio_auth_token.strip():
        raise ConfigError("TWILIO_AUTH_TOKEN is empty: every webhook signature would be refused")
    if not 5 <= settings.live_transfer_seconds <= 60:
        raise ConfigError("LIVE_TRANSFER_SECONDS must be between 5 and 60")
    if not 1 <= settings.access_requests_per_address <= settings.access_requests_per_hour:
        raise ConfigError(
            "ACCESS_REQUESTS_PER_ADDRESS must be at least 1 and at most ACCESS_REQUESTS_PER_HOUR"
        )
    if len(settings.emergency_definition) > MAX_EMERGENCY_DEFINITION:
        raise ConfigError(
            f"EMERGENCY_DEFINITION is one sentence a caller hears: at most"
            f" {MAX_EMERGENCY_DEFINITION} characters"
        )
    if settings.log_format not in LOG_FORMATS:
        raise ConfigError("LOG_FORMAT must be text or json")
    if settings.heartbeat_url and not settings.heartbeat_url.startswith(("http://", "https://")):
        raise ConfigError("HEARTBEAT_URL must start with http:// or https://")
    if not settings.public_base_url.startswith(("http://", "https://")):
        raise ConfigError("PUBLIC_BASE_URL must start with http:// or https://")
    if settings.smtp_url and settings.smtp_url.strip().lower() != "none":
        scheme = settings.smtp_url.split("://", 1)[0].lower()
        if scheme not in ("smtp", "smtps"):
            raise ConfigError("SMTP_URL must look like smtp://user:pass@host:587 or smtps://...")
    try:
        parse_business_hours(settings.business_hours)
        parse_holiday_calendar(settings.holiday_calendar)
    except CalendarConfigError as exc:
        raise ConfigError(str(exc)) from exc
