"""Settings read from the environment once, at start-up, and validated.

A missing or malformed value raises ConfigError naming the variable; the CLI
prints that one line and exits with status 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///peerbot.db"


class ConfigError(ValueError):
    """A configuration value is missing or malformed; the message names it."""


@dataclass(frozen=True)
class Settings:
    bot_token: str
    signing_secret: str | None
    app_token: str | None
    api_url: str
    database_url: str
    port: int
    timezone: str
    scheduler_on: bool
    public_url: str | None

    @classmethod
    def from_env(cls, environ: Mapping[str, str], *, http: bool = True) -> "Settings":
        """Build settings from `environ`. `http` says whether Slack will POST
        to us (then the signing secret is required) or we use Socket Mode."""
        env = {key: value.strip() for key, value in environ.items()}
        bot_token = _bot_token(env)
        app_token = _optional(env, "SLACK_APP_TOKEN")
        if app_token is not None and not app_token.startswith("xapp-"):
            raise ConfigError("SLACK_APP_TOKEN must be an app-level token starting with 'xapp-'")
        signing_secret = _optional(env, "SLACK_SIGNING_SECRET")
        if http and signing_secret is None:
            raise ConfigError(
                "SLACK_SIGNING_SECRET is required to verify requests from Slack "
                "(find it under Basic Information > App Credentials)"
            )
        return cls(
            bot_token=bot_token,
            signing_secret=signing_secret,
            app_token=app_token,
            api_url=_url(env, "SLACK_API_URL", DEFAULT_API_URL, trailing_slash=True),
            database_url=_database_url(env),
            port=_port(env),
            timezone=_timezone(env),
            scheduler_on=_on_off(env, "PEERBOT_SCHEDULER", "on"),
            public_url=_optional_url(env, "PEERBOT_PUBLIC_URL"),
        )


def _optional(env: Mapping[str, str], name: str) -> str | None:
    return env.get(name) or None


def _bot_token(env: Mapping[str, str]) -> str:
    token = _optional(env, "SLACK_BOT_TOKEN")
    if token is None:
        raise ConfigError("SLACK_BOT_TOKEN is required (the bot token, starting with 'xoxb-')")
    if not token.startswith("xoxb-"):
        raise ConfigError("SLACK_BOT_TOKEN must be a bot token starting with 'xoxb-'")
    return token


def _url(env: Mapping[str, str], name: str, default: str, *, trailing_slash: bool = False) -> str:
    value = env.get(name) or default
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(f"{name} must be an http(s) URL, got {value!r}")
    if trailing_slash and not value.endswith("/"):
        value += "/"
    return value


def _optional_url(env: Mapping[str, str], name: str) -> str | None:
    if not env.get(name):
        return None
    return _url(env, name, "").rstrip("/")


def _database_url(env: Mapping[str, str]) -> str:
    value = env.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    try:
        url = make_url(value)
    except ArgumentError:
        raise ConfigError(f"DATABASE_URL is not a database URL: {value!r}") from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(f"DATABASE_URL must be a sqlite:// or postgresql+psycopg:// URL, got {value!r}")
    return value


def _port(env: Mapping[str, str]) -> int:
    value = env.get("PORT") or "3000"
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise ConfigError(f"PORT must be a number from 1 to 65535, got {value!r}")
    return int(value)


def _timezone(env: Mapping[str, str]) -> str:
    value = env.get("PEERBOT_TIMEZONE") or "UTC"
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"PEERBOT_TIMEZONE must be an IANA time zone such as Europe/Berlin, got {value!r}") from None
    return value


def _on_off(env: Mapping[str, str], name: str, default: str) -> bool:
    value = (env.get(name) or default).lower()
    if value not in ("on", "off"):
        raise ConfigError(f"{name} must be 'on' or 'off', got {value!r}")
    return value == "on"
