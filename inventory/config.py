"""The one settings object, read from the environment, with defaults that run on a laptop."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_SECRET = "dev-only-secret-change-me"
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_ROOT / 'var' / 'inventory.sqlite3'}"


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
    association_name: str = "Espace de solidarité numérique"
    default_locale: str = "fr"
    session_hours: int = 12
    login_max_failures: int = 5
    login_window_seconds: int = 900
    db_pool_size: int = 10

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
                association_name=get("INVENTORY_ASSOCIATION", cls.association_name),
                default_locale=get("INVENTORY_LOCALE", "fr"),
                session_hours=int(get("INVENTORY_SESSION_HOURS", "12")),
                db_pool_size=int(get("INVENTORY_DB_POOL_SIZE", "10")),
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
        if self.is_production and (
            not self.secret_key or self.secret_key == DEFAULT_SECRET or len(self.secret_key) < 32
        ):
            raise SettingsError(
                "En production, INVENTORY_SECRET_KEY doit être une valeur secrète "
                "d'au moins 32 caractères (par exemple : python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))')."
            )
        if self.default_locale not in {"fr", "en"}:
            raise SettingsError("INVENTORY_LOCALE doit valoir fr ou en.")
