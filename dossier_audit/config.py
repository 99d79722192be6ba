"""The platform's configuration: one typed, frozen settings object.

Read from environment variables prefixed ``DOSSIER_AUDIT_`` (and an optional ``.env``-style file) only
when :func:`load_settings` is called — never at import time.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any, cast

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Deployment settings; every field maps to ``DOSSIER_AUDIT_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="DOSSIER_AUDIT_", frozen=True, extra="ignore")

    pseudonym_key: SecretStr | None = Field(
        default=None,
        description="HMAC-SHA256 key for pseudonymising applicants (≥ 16 bytes). Unset: a random key per "
        "process, so pseudonyms cannot be linked across runs.",
    )
    catalogue: Path | None = Field(default=None, description="Catalogue YAML; unset: the bundled sample.")
    calendar_override: Path | None = Field(default=None, description="Province calendar override YAML.")
    apology_lead_working_days: int = Field(default=1, ge=0, description="RULES.md param.")
    pause_on_financial_obligation: bool = Field(default=False, description="RULES.md param.")
    batch_lateness_days: int = Field(
        default=2, ge=0, description="Batch engine: days an ended dossier waits."
    )
    batch_workers: int | None = Field(
        default=None, ge=1, description="Batch engine processes (default: cores)."
    )
    lang: str = Field(default="vi", pattern="^(vi|en)$", description="Language of human reports.")

    def pseudonym_key_bytes(self) -> tuple[bytes, bool]:
        """The key, and whether it is ephemeral (generated because none was configured)."""
        if self.pseudonym_key is None:
            return secrets.token_bytes(32), True
        return self.pseudonym_key.get_secret_value().encode(), False


def load_settings(env_file: Path | None = None, **overrides: object) -> Settings:
    """Settings from the environment (and ``env_file``), with explicit overrides winning."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    factory: Any = Settings  # pydantic-settings' init-only arguments are not in the model's signature
    return cast(Settings, factory(_env_file=env_file, **clean))
