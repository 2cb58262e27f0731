"""The one settings object, read from the environment, with defaults that run on a laptop."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_SECRET = "dev-only-secret-change-me"
# A production key: at least this long, and not a few characters repeated ("x" * 40).
MIN_SECRET_LENGTH = 32
MIN_SECRET_DISTINCT = 10
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_ROOT / 'var' / 'inventory.sqlite3'}"
DEFAULT_REMINDER_FILE = str(PROJECT_ROOT / "var" / "reminders.jsonl")
REMINDER_SENDERS = ("console", "file", "smtp", "http")
DEFAULT_GOAL_AUTONOMOUS = 1000  # people autonomous online: the association's goal
DEFAULT_ASSOCIATION = "Espace de solidarité numérique"


class SettingsError(ValueError):
    """The environment holds a setting the service cannot run with."""


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on", "oui"}


@dataclass(frozen=True, slots=True)
class Settings:
    """Service settings; every field has an ``INVENTORY_…`` or standard variable."""

    database_url: str = DEFAULT_DATABASE_URL
    environment: str = "development"  # development | production
    secret_key: str = DEFAULT_SECRET
    base_url: str = "http://127.0.0.1:8000"
    host: str = "127.0.0.1"
    port: int = 8000
    tag_prefix: str = "ESN"
    association_name: str = DEFAULT_ASSOCIATION
    default_locale: str = "fr"
    session_hours: int = 12
    login_max_failures: int = 5
    login_window_seconds: int = 900
    db_pool_size: int = 10
    # Reminders: comma-separated senders (console | file | smtp | http), e.g. "smtp,http".
    reminder_sender: str = "console"
    reminder_file: str = DEFAULT_REMINDER_FILE
    reminder_days_before: int = 7
    reminder_repeat_days: int = 7
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_from: str = ""
    smtp_starttls: bool = True
    sms_url: str = ""
    sms_token: str = field(default="", repr=False)
    # Reports: people autonomous at the end of their path that the association aims at.
    goal_autonomous: int = DEFAULT_GOAL_AUTONOMOUS
    # Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or
    # networks, comma-separated): the client address behind them keys the login throttling.
    trusted_proxies: str = "127.0.0.1"

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith(("postgres://", "postgresql://"))

    @property
    def sqlite_path(self) -> Path:
        """Path of the SQLite file (only meaningful when not on PostgreSQL)."""
        return Path(self.database_url.removeprefix("sqlite:///"))

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Read settings from the environment (or ``env``); refuse unsafe production set-ups."""
        env = dict(os.environ if env is None else env)
        get = env.get
        try:
            settings = cls(
                database_url=get("DATABASE_URL", DEFAULT_DATABASE_URL),
                environment=get("INVENTORY_ENV", "development"),
                secret_key=get("INVENTORY_SECRET_KEY", DEFAULT_SECRET),
                base_url=get("INVENTORY_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
                host=get("INVENTORY_HOST", "127.0.0.1"),
                port=int(get("INVENTORY_PORT", "8000")),
                tag_prefix=get("INVENTORY_TAG_PREFIX", "ESN").strip().upper(),
                association_name=get("INVENTORY_ASSOCIATION", DEFAULT_ASSOCIATION),
                default_locale=get("INVENTORY_LOCALE", "fr"),
                session_hours=int(get("INVENTORY_SESSION_HOURS", "12")),
                db_pool_size=int(get("INVENTORY_DB_POOL_SIZE", "10")),
                reminder_sender=get("INVENTORY_REMINDER_SENDER", "console").strip().lower(),
                reminder_file=get("INVENTORY_REMINDER_FILE", DEFAULT_REMINDER_FILE),
                reminder_days_before=int(get("INVENTORY_REMINDER_DAYS_BEFORE", "7")),
                reminder_repeat_days=int(get("INVENTORY_REMINDER_REPEAT_DAYS", "7")),
                smtp_host=get("INVENTORY_SMTP_HOST", "").strip(),
                smtp_port=int(get("INVENTORY_SMTP_PORT", "587")),
                smtp_user=get("INVENTORY_SMTP_USER", ""),
                smtp_password=get("INVENTORY_SMTP_PASSWORD", ""),
                smtp_from=get("INVENTORY_SMTP_FROM", "").strip(),
                smtp_starttls=_bool(get("INVENTORY_SMTP_STARTTLS", "true")),
                sms_url=get("INVENTORY_SMS_URL", "").strip(),
                sms_token=get("INVENTORY_SMS_TOKEN", ""),
                goal_autonomous=int(get("INVENTORY_GOAL_AUTONOMOUS", DEFAULT_GOAL_AUTONOMOUS)),
                trusted_proxies=get("INVENTORY_TRUSTED_PROXIES", "127.0.0.1").strip(),
            )
        except ValueError as exc:
            raise SettingsError(f"Réglage invalide : {exc}") from exc
        settings.check()
        return settings

    def check(self) -> None:
        """Raise SettingsError if the service must not start with these settings."""
        if self.environment not in {"development", "production"}:
            raise SettingsError("INVENTORY_ENV doit valoir development ou production.")
        if not self.database_url.startswith(("sqlite:///", "postgres://", "postgresql://")):
            raise SettingsError("DATABASE_URL doit commencer par sqlite:/// ou postgresql://.")
        if self.is_production:
            self._check_secret()
        if self.default_locale not in {"fr", "en"}:
            raise SettingsError("INVENTORY_LOCALE doit valoir fr ou en.")
        if not 1 <= self.goal_autonomous <= 10_000_000:
            raise SettingsError("INVENTORY_GOAL_AUTONOMOUS doit être un nombre de personnes "
                                "entre 1 et 10 000 000.")
        self._check_reminders()
        self._check_proxies()

    def _check_secret(self) -> None:
        """Production needs a random key: not unset, not the development one, not short or
        made of a few repeated characters (the message says which, never the key itself)."""
        key = self.secret_key
        problem = (
            "n'est pas définie" if not key.strip()
            else "est la clé de développement" if key == DEFAULT_SECRET
            else f"est trop courte ({len(key)} caractères)" if len(key) < MIN_SECRET_LENGTH
            else "est trop peu variée" if len(set(key)) < MIN_SECRET_DISTINCT
            else None
        )
        if problem:
            raise SettingsError(
                f"En production, INVENTORY_SECRET_KEY {problem} : il faut une valeur aléatoire "
                f"d'au moins {MIN_SECRET_LENGTH} caractères (par exemple : python3 -c 'import "
                "secrets; print(secrets.token_urlsafe(48))')."
            )

    @property
    def reminder_senders(self) -> tuple[str, ...]:
        """The configured reminder senders, in order ("smtp,http" → ("smtp", "http"))."""
        return tuple(s.strip() for s in self.reminder_sender.split(",") if s.strip())

    def proxy_list(self) -> list[str]:
        """The trusted proxies, one address or network each ("*": any, for a proxy that is
        the only way in)."""
        return [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]

    def _check_proxies(self) -> None:
        for proxy in self.proxy_list():
            if proxy == "*":
                continue
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise SettingsError(
                    f"INVENTORY_TRUSTED_PROXIES : « {proxy[:60]} » n'est ni une adresse IP ni "
                    "un réseau (ex. 127.0.0.1,172.16.0.0/12).") from None

    def _check_reminders(self) -> None:
        senders = self.reminder_senders
        if not senders or set(senders) - set(REMINDER_SENDERS):
            raise SettingsError("INVENTORY_REMINDER_SENDER doit valoir console, file, smtp ou "
                                "http (ou plusieurs, séparés par des virgules).")
        if not 0 <= self.reminder_days_before <= 60:
            raise SettingsError("INVENTORY_REMINDER_DAYS_BEFORE doit être entre 0 et 60.")
        if not 1 <= self.reminder_repeat_days <= 90:
            raise SettingsError("INVENTORY_REMINDER_REPEAT_DAYS doit être entre 1 et 90.")
        if "smtp" in senders and not (self.smtp_host and self.smtp_from):
            raise SettingsError("L'envoi par e-mail demande INVENTORY_SMTP_HOST et "
                                "INVENTORY_SMTP_FROM.")
        if "http" in senders and not self.sms_url.startswith(("https://", "http://")):
            raise SettingsError("L'envoi de SMS demande INVENTORY_SMS_URL (https://…).")
        if "http" in senders and self.is_production and not self.sms_url.startswith("https://"):
            raise SettingsError("En production, INVENTORY_SMS_URL doit commencer par https://.")
