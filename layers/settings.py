"""The one typed settings object, read from the environment (prefix ``MACHIMAP_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MACHIMAP_", extra="ignore")

    # Without DATABASE_URL machimap runs its own PostGIS under data_dir.
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "MACHIMAP_DATABASE_URL")
    )
    data_dir: Path = Path(".machimap")
    # Debian layout; overridable for other distributions.
    pg_bindir: Path | None = None
    # As root, the embedded cluster runs as this unprivileged account (initdb refuses root).
    pg_user: str = "machimap"

    # How far outside the city boundary a feature may lie and still be accepted
    # (GPS error along the border, a facility straddling the line).
    boundary_tolerance_m: float = Field(default=50.0, ge=0)

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    statement_timeout_ms: int = Field(default=30_000, ge=0)
    log_level: str = "info"


@lru_cache
def get_settings() -> Settings:
    return Settings()
