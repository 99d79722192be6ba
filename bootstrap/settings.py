"""The platform's configuration: one typed, frozen settings object.

Read from environment variables prefixed ``DOSSIER_AUDIT_`` (and an optional ``.env``-style file) only
when :func:`load_settings` is called — never at import time.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any, Literal, cast

from pydantic import Field, SecretStr, model_validator
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
    apology_lead_working_days: int = Field(
        default=1,
        ge=0,
        description="APOLOGY_TOO_LATE: an apology is due this many working days before the due date.",
    )
    pause_on_financial_obligation: bool = Field(
        default=False,
        description="Whether time waiting for a financial obligation pauses the processing clock (under "
        "rulebook 2 only for procedures the catalogue marks financial_obligation: true).",
    )
    rulebook_version: Literal["1", "2"] = Field(
        default="2",
        description="The rulebook dossiers are judged by: 2 (v1 amended, RULES.md) or 1 (as first published, "
        "to reproduce earlier audits).",
    )
    supplement_clock: Literal["pause", "restart"] = Field(
        default="pause",
        description="How a supplement stops the clock (rulebook 2): pause (supplement time is subtracted, "
        "the national index formula) or restart (the time limit counts again from the completion, Decree "
        "61/2018 Art. 19(4)).",
    )
    batch_lateness_days: int = Field(
        default=2, ge=0, description="Batch engine: days an ended dossier waits."
    )
    batch_workers: int | None = Field(
        default=None, ge=1, description="Batch engine processes (default: cores)."
    )
    lang: str = Field(default="vi", pattern="^(vi|en)$", description="Language of human reports.")

    # -- where things live ------------------------------------------------------------------------------
    workdir: Path = Field(
        default=Path(".dossier-audit"), description="Embedded mode: broker logs, chdb warehouse, state."
    )
    warehouse: str | None = Field(
        default=None,
        description="Warehouse URL: chdb:///dir or clickhouse://user:password@host:9000/db "
        "(default: chdb under the workdir).",
    )
    reports_dir: Path = Field(default=Path("reports"), description="Where reports and audit packs go.")
    report_issuer: str | None = Field(
        default=None,
        description="Issuing body on the report header (unset: the catalogue's province, e.g. "
        "'ỦY BAN NHÂN DÂN TỈNH ...').",
    )
    report_team: str | None = Field(
        default=None, description="Second header line (unset: 'TỔ KIỂM TRA CẢI CÁCH HÀNH CHÍNH')."
    )
    report_place: str | None = Field(
        default=None, description="Place of the date line (unset: the province's name)."
    )

    # -- Kafka --------------------------------------------------------------------------------------------
    bootstrap_servers: str | None = Field(
        default=None, description="Kafka bootstrap servers host:port[,host:port] (unset: embedded broker)."
    )
    security_protocol: str = Field(
        default="PLAINTEXT",
        pattern="^(PLAINTEXT|SSL|SASL_PLAINTEXT|SASL_SSL)$",
        description="Kafka security protocol.",
    )
    sasl_mechanism: str | None = Field(default=None, description="PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512.")
    sasl_username: str | None = Field(default=None, description="SASL user name.")
    sasl_password: SecretStr | None = Field(default=None, description="SASL password.")
    ssl_cafile: Path | None = Field(default=None, description="CA bundle for TLS to Kafka.")
    topic_events: str = Field(default="dossier-events", description="Topic of dossier events.")
    topic_violations: str = Field(default="dossier-violations", description="Topic of violation events.")
    topic_dead_letters: str = Field(default="dossier-dead-letters", description="Topic of dead letters.")
    partitions: int = Field(default=8, ge=1, description="Partitions of the events topic when created.")
    replication_factor: int = Field(default=1, ge=1, description="Replication factor of created topics.")

    # -- stream workers -----------------------------------------------------------------------------------
    allowed_lateness_seconds: int = Field(
        default=3600,
        ge=0,
        description="Detector: the watermark trails the highest event time seen by this much.",
    )
    sink_batch_size: int = Field(default=5000, ge=1, description="Sink: events per warehouse write.")
    sink_batch_seconds: float = Field(default=1.0, gt=0, description="Sink: longest wait to fill a batch.")
    metrics_port: int | None = Field(
        default=None, ge=0, le=65535, description="Prometheus metrics HTTP port (unset: no endpoint)."
    )

    @model_validator(mode="after")
    def _clock_needs_rulebook_2(self) -> Settings:
        if self.rulebook_version == "1" and self.supplement_clock != "pause":
            raise ValueError("supplement_clock=restart needs rulebook_version=2 (rulebook 1 only pauses)")
        return self

    @property
    def warehouse_url(self) -> str:
        """The configured warehouse, or the embedded one under the workdir."""
        return self.warehouse or f"chdb://{(self.workdir / 'warehouse').resolve()}"

    def pseudonym_key_bytes(self) -> tuple[bytes, bool]:
        """The key, and whether it is ephemeral (generated because none was configured)."""
        if self.pseudonym_key is None:
            return secrets.token_bytes(32), True
        return self.pseudonym_key.get_secret_value().encode(), False


#: The environment variable naming an optional settings file (``NAME=value`` lines, as a ``.env`` file).
CONFIG_FILE_VARIABLE = "DOSSIER_AUDIT_CONFIG"


def load_settings(env_file: Path | None = None, **overrides: object) -> Settings:
    """Settings from the environment and a settings file, with explicit overrides winning.

    The file is ``env_file``, else the one ``DOSSIER_AUDIT_CONFIG`` names (``dossier-audit --config FILE``
    sets it, so child workers read the same file); variables in the environment win over the file.
    """
    import os

    if env_file is None and os.environ.get(CONFIG_FILE_VARIABLE):
        env_file = Path(os.environ[CONFIG_FILE_VARIABLE])
    if env_file is not None and not env_file.is_file():
        raise ValueError(f"settings file {env_file} does not exist")
    clean = {k: v for k, v in overrides.items() if v is not None}
    factory: Any = Settings  # pydantic-settings' init-only arguments are not in the model's signature
    return cast(Settings, factory(_env_file=env_file, **clean))
