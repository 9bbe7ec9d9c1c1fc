"""The API's settings, in one place (environment variables prefixed PENSION_AUDIT_)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

from pension_audit.home import Home


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PENSION_AUDIT_", env_file=".env", extra="ignore")

    home: str | None = None  # the data folder; ./data by default
    database_url: str | None = None  # the case store; SQLite in the data folder by default
    token_hours: int = 12
    threads: int = 4  # worker threads for the routes (see api.app's lifespan)

    @property
    def data_home(self) -> Home:
        return Home.at(self.home)

    @property
    def store_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_home.root / 'cases.sqlite'}"
