"""The platform's configuration: one typed, frozen settings object.

Read from environment variables prefixed ``DOSSIER_AUDIT_`` (and an optional ``.env``-style file) only
when :func:`load_settings` is called — never at import time. A value it cannot use is a one-line
:class:`bootstrap.settings_file.SettingsError` (import it from there) naming the variable and what it
accepts (the CLI prints it and exits 2).
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any, Literal, cast

import pydantic_settings
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bootstrap import kafka_names, placeholders, printed
from bootstrap.settings_explain import explain, variable_of
from bootstrap.settings_file import LiteralDotEnv, SettingsError, check_names, not_a_file


class Settings(BaseSettings):
    """Deployment settings; every field maps to ``DOSSIER_AUDIT_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="DOSSIER_AUDIT_", frozen=True, extra="ignore")

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: Any, env_settings: Any, dotenv_settings: Any,
        file_secret_settings: Any,
    ) -> tuple[Any, ...]:  # fmt: skip
        """The usual order (arguments, environment, settings file, secrets); the file read literally."""
        dotenv = LiteralDotEnv(settings_cls, env_file=dotenv_settings.env_file)
        return init_settings, env_settings, dotenv, file_secret_settings

    pseudonym_key: SecretStr | None = Field(
        default=None,
        description="HMAC-SHA256 key for pseudonymising applicants (≥ 16 bytes). Unset: `dossier-audit run` "
        "generates one once and keeps it in the workdir (pseudonym.key, mode 0600), so a rerun on the same "
        "input writes the same report.html/.pdf/.xlsx, audit packs, violations.jsonl and summary.txt, byte "
        "for byte; other commands use a random key per process.",
    )
    catalogue: Path | None = Field(default=None, description="Catalogue YAML; unset: the bundled sample.")
    calendar_override: Path | None = Field(default=None, description="Province calendar override YAML.")
    apology_lead_working_days: int = Field(
        default=1,
        ge=0,
        le=60,
        description="APOLOGY_TOO_LATE: an apology is due this many working days before the due date (at most "
        "60, longer than any procedure's time limit: a larger value would move the deadline years back and "
        "turn real violations into audit errors).",
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
        default=2, ge=0, le=3650, description="Batch engine: days an ended dossier waits."
    )
    batch_workers: int | None = Field(
        default=None, ge=1, le=256, description="Batch engine processes (default: one per core, at most 4)."
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
    report_symbol: str = Field(
        default="BC-TKT",
        min_length=1,
        max_length=40,
        description="Symbol of the weekly report's number line, after the number (Decree 30/2020 "
        "Appendix III: BC for báo cáo, then the issuer's abbreviation; the default matches the default "
        "issuer and signer, the Tổ kiểm tra): 'Số:      /BC-TKT'.",
    )
    report_number: str = Field(
        default="",
        max_length=20,
        pattern=r"^(|week|[0-9]{1,6})$",
        description="The weekly report's document number. Unset: left blank ('Số:      /BC-TKT') for the "
        "clerk to fill in from the register of outgoing documents, whose numbers restart each year; 'week': "
        "the ISO week number; or a number to print.",
    )
    report_addressee: str | None = Field(
        default=None,
        description="Who the weekly report is addressed to ('Kính gửi'; unset: the chairman of the "
        "catalogue's province, 'Chủ tịch Ủy ban nhân dân Tỉnh ...').",
    )
    report_signer_title: str | None = Field(
        default=None,
        min_length=1,
        description="The signer's title above the signature, upper case; '|' breaks lines "
        "('KT. CHỦ TỊCH|PHÓ CHỦ TỊCH'). Unset: 'TỔ TRƯỞNG' ('TEAM LEADER' in English).",
    )
    report_signer_name: str | None = Field(
        default=None, description="The signer's full name under the signature (unset: left for the signer)."
    )
    report_copies: str | None = Field(
        default=None,
        min_length=1,
        description="'Nơi nhận' of the weekly report: the recipients, separated by ';'. Unset: 'Như trên;Văn "
        "phòng UBND tỉnh;Sở Nội vụ (theo dõi);Lưu: VT' (in English: 'As above;Office of the Provincial "
        "People's Committee;Department of Home Affairs (for follow-up);Filed: Records office').",
    )
    report_maturity_days: int = Field(
        default=3,
        ge=0,
        le=60,
        description="A week is provisional (marked, not compared as complete) until the data reach this "
        "many working days past its end (in the calendar): time-triggered violations and late events may "
        "still change it. Its final report is built at 07:00 the day after the first working day from then "
        "(Friday for an ordinary week).",
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
        le=315_360_000,
        description="Detector: the watermark trails the highest event time seen by this much.",
    )
    detector_history: str | None = Field(
        default=None,
        description="Detector: the warehouse server the sink stores into (clickhouse://...), read to judge "
        "events for dossiers evicted from memory. Set: ended dossiers are evicted once quiet for the allowed "
        "lateness past the watermark (bounded memory); unset: nothing is evicted (operator's guide, "
        "'Eviction of ended dossiers').",
    )
    idle_partition_timeout_seconds: float = Field(
        default=60.0,
        ge=0,
        le=86_400,
        description="Detector: a partition that receives nothing for this long follows the event time of the "
        "worker's active partitions, so time-triggered violations fire on quiet partitions (0: never).",
    )
    sink_batch_size: int = Field(default=5000, ge=1, description="Sink: events per warehouse write.")
    sink_batch_seconds: float = Field(
        default=1.0, gt=0, le=3600, description="Sink: longest wait to fill a batch."
    )
    sink_refresh_seconds: float = Field(
        default=600.0,
        ge=0,
        le=86_400,
        description="Sink with the fold: how often it folds again the open dossiers of its partitions that "
        "time alone changed (most: turned late with no new event), and at each new assignment (0: never).",
    )
    metrics_port: int | None = Field(
        default=None, ge=0, le=65535, description="Prometheus metrics HTTP port (unset: no endpoint)."
    )
    metrics_host: str = Field(
        default="127.0.0.1",
        min_length=1,
        description="Address the metrics endpoint listens on: this host only by default; 0.0.0.0 (or ::) "
        "for a scraper on another host or container.",
    )
    sink_group_id: str = Field(
        default="dossier-audit-sink",
        min_length=1,
        description="Sink: its Kafka consumer group (a new one, with DOSSIER_AUDIT_SINK_FROM_GROUP, recovers "
        "from a stuck group).",
    )
    sink_from_group: str | None = Field(
        default=None,
        description="Sink: before joining its group, give it this group's committed offsets, once (while "
        "it has none): the recovery from a stuck group.",
    )
    group_join_timeout_seconds: float = Field(
        default=60.0,
        gt=0,
        le=86_400,
        description="Stream workers: longest time out of the consumer group (joining, or after a rebalance) "
        "before the worker stops with exit 2: a stuck group (operator's guide, 'A consumer group that never "
        "settles').",
    )

    # -- Dagster ------------------------------------------------------------------------------------------
    notify_webhook: SecretStr | None = Field(
        default=None,
        description="Dagster: an http(s) URL every failed run (a weekly report's, every alert) is posted to "
        'as JSON {"text": ...}: a Slack, Mattermost, Rocket.Chat or Google Chat incoming webhook, or a '
        "relay of your own (unset or empty: nobody is told; operator's guide, 'Who hears of a failed run'). "
        "With docker compose: in .env, which docker-compose.yml passes to dagster-daemon (in settings.env "
        "alone it is refused: the daemon's empty variable would win).",
    )
    dagster_url: str | None = Field(
        default=None,
        description="Dagster: the UI's address as people open it (https://dagster.example.vn), for the "
        "link to the run in a failed run's notice (unset: the notice names the run).",
    )

    # -- the inspector's console ----------------------------------------------------------------------------
    console_cases_warehouse: str | None = Field(
        default=None,
        description="Console: the warehouse URL it writes case events, reads and accounts with (a user "
        "allowed to insert into the console tables only; unset: the warehouse it reads).",
    )
    console_session_secret: SecretStr | None = Field(
        default=None,
        description="Console: the key that signs session cookies (≥ 16 bytes; unset: a random key per "
        "process, so sessions end when the console restarts).",
    )
    console_session_minutes: int = Field(
        default=480, ge=1, le=10_080, description="Console: a session expires this long after login."
    )
    console_idle_minutes: int = Field(
        default=30, ge=1, le=10_080, description="Console: a session unused this long is over."
    )
    console_trusted_proxies: str = Field(
        default="",
        description="Console: the TLS proxy's addresses (comma-separated) whose X-Forwarded-For names the "
        "client; empty: trust none (the peer is the client).",
    )
    console_sync_seconds: int = Field(
        default=60,
        ge=0,
        le=86_400,
        description="Console: how often it closes the cases of retracted violations (0: never; then run "
        "`dossier-audit console --sync-cases` on a timer).",
    )
    console_secure_cookie: bool = Field(
        default=False,
        description="Console: mark the session cookie Secure (set true behind the TLS-terminating proxy).",
    )
    console_login_failures: int = Field(
        default=5,
        ge=1,
        le=1000,
        description="Console: failed logins per login before its logins are refused for the throttle window "
        "(a client address takes four times as many: an office behind one NAT shares it).",
    )
    console_throttle_seconds: int = Field(
        default=900, ge=1, le=86_400, description="Console: the login throttle's window."
    )

    # The values deploy/env.example leaves at CHANGE_ME, and keys too short (``placeholders``): checked here,
    # not when used (mid-command, a traceback); the messages name the variable, never the value.
    _key_is_set = field_validator("pseudonym_key", "console_session_secret")(placeholders.key)
    _url_password_is_set = field_validator("warehouse", "console_cases_warehouse", "detector_history")(
        placeholders.url
    )
    _sasl_password_is_set = field_validator("sasl_password")(placeholders.password)
    _proxy_is_set = field_validator("console_trusted_proxies")(placeholders.proxies)
    _printable = field_validator(*printed.PRINTED)(printed.no_control_characters)
    _topic_names = field_validator("topic_events", "topic_violations", "topic_dead_letters")(
        kafka_names.topic
    )
    _servers = field_validator("bootstrap_servers")(kafka_names.servers)
    _webhook = field_validator("notify_webhook")(placeholders.webhook)
    _blank_is_unset = field_validator("notify_webhook", "dagster_url", mode="before")(
        placeholders.blank_is_unset
    )
    _dagster_url = field_validator("dagster_url")(placeholders.http_url)

    @field_validator("catalogue", "calendar_override", "workdir", "reports_dir", "ssl_cafile", mode="before")
    @classmethod
    def _path_is_not_empty(cls, value: object) -> object:
        """An empty path was read as ".": ``DOSSIER_AUDIT_WORKDIR=`` put the warehouse, broker logs and key in
        the current directory, ``DOSSIER_AUDIT_CATALOGUE=$UNSET`` tried to read it as the catalogue. Refused
        rather than taken for unset: a variable that expanded to nothing would then audit silently against
        the bundled sample catalogue."""
        if isinstance(value, str) and not value.strip():
            raise ValueError("is empty: unset it for the default, or give a path")
        return value

    @model_validator(mode="after")
    def _topics_differ(self) -> Settings:
        """One topic for two purposes mixed the dead letters into the events (review)."""
        topics = (self.topic_events, self.topic_violations, self.topic_dead_letters)
        if len(set(topics)) < len(topics):
            raise ValueError(
                "DOSSIER_AUDIT_TOPIC_EVENTS, _TOPIC_VIOLATIONS and _TOPIC_DEAD_LETTERS must name three topics"
            )
        return self

    @model_validator(mode="after")
    def _clock_needs_rulebook_2(self) -> Settings:
        if self.rulebook_version == "1" and self.supplement_clock != "pause":
            raise ValueError(
                "supplement_clock=restart needs rulebook_version=2 or later (rulebook 1 only pauses): set "
                "DOSSIER_AUDIT_RULEBOOK_VERSION=2 or DOSSIER_AUDIT_SUPPLEMENT_CLOCK=pause"
            )
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
        raise SettingsError(f"cannot read settings file {env_file}: {not_a_file(env_file)}")
    known = frozenset(variable_of(field) for field in Settings.model_fields) | {CONFIG_FILE_VARIABLE}
    check_names(os.environ, env_file, known)
    clean = {k: v for k, v in overrides.items() if v is not None}
    factory: Any = Settings  # pydantic-settings' init-only arguments are not in the model's signature
    try:
        return cast(Settings, factory(_env_file=env_file, **clean))
    except ValidationError as exc:
        raise SettingsError(explain(exc, clean, Settings.model_fields)) from None
    except UnicodeDecodeError:
        raise SettingsError(f"cannot read settings file {env_file}: it is not UTF-8 text") from None
    except OSError as exc:
        raise SettingsError(f"cannot read settings file {env_file}: {exc.strerror or exc}") from None
    except pydantic_settings.SettingsError as exc:  # names the field and the source, never the value
        raise SettingsError(f"bad setting: {exc}") from None
