"""The one place where configuration, data sources and the domain core are wired together.

The stream and warehouse modules are imported by the functions that build their objects: every CLI process
imports this module, and most never reach Kafka or an evicted dossier's history (``dossier-audit audit`` on
the contract's examples: 1.63 -> 1.44 s of CPU, medians of five)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from bootstrap.settings import Settings
from inspections.calendar import WorkingCalendar
from inspections.catalogue import Catalogue
from inspections.files.calendar import load_calendar
from inspections.files.catalogue import load_catalogue, sample_catalogue
from inspections.rulebook import Auditor, Rulebooks
from inspections.rules import RuleParams
from reporting.header import ReportHeader, make_header
from schemas.pseudonym import Pseudonymiser

if TYPE_CHECKING:
    from streams.detector.history import DossierHistory
    from streams.detector.options import DetectorOptions
    from streams.kafka import KafkaConfig
    from streams.sink.options import SinkOptions
    from streams.topics import PlatformTopics, TopicSpec


@dataclass
class Platform:
    """Lazily built components for one process (nothing is loaded until first used)."""

    settings: Settings

    @cached_property
    def catalogue(self) -> Catalogue:
        if self.settings.catalogue is None:
            return sample_catalogue()
        return load_catalogue(self.settings.catalogue)

    @cached_property
    def calendar(self) -> WorkingCalendar:
        return load_calendar(self.settings.calendar_override)

    @cached_property
    def rulebooks(self) -> Rulebooks:
        settings = self.settings
        params = RuleParams(
            apology_lead_working_days=settings.apology_lead_working_days,
            pause_on_financial_obligation=settings.pause_on_financial_obligation,
            supplement_clock=settings.supplement_clock,
        )
        return Rulebooks.of_version(settings.rulebook_version, params)

    @cached_property
    def auditor(self) -> Auditor:
        return Auditor(self.catalogue, self.calendar, self.rulebooks)

    @cached_property
    def pseudonymiser(self) -> Pseudonymiser:
        key, ephemeral = self.settings.pseudonym_key_bytes()
        return Pseudonymiser(key, stable=not ephemeral)

    @property
    def kafka(self) -> KafkaConfig:
        """The Kafka connection of the settings (see :func:`kafka_config`)."""
        return kafka_config(self.settings)

    @property
    def topics(self) -> PlatformTopics:
        return topics_of(self.settings)

    def report_header(self, lang: str | None = None) -> ReportHeader:
        """The issuer of reports and audit packs (``report_issuer``, ``report_team``, ``report_place``;
        unset: from the catalogue's province) in ``lang`` (default: the ``lang`` setting)."""
        settings = self.settings
        return make_header(
            self.catalogue,
            lang or settings.lang,
            issuer=settings.report_issuer,
            team=settings.report_team,
            place=settings.report_place,
            symbol=settings.report_symbol,
            number=settings.report_number,
            addressee=settings.report_addressee,
            signer_title=settings.report_signer_title,
            signer_name=settings.report_signer_name,
            copies=settings.report_copies,
            maturity_days=settings.report_maturity_days,
            working_days=self.calendar,
        )


# -- the stream workers' inputs ---------------------------------------------------------------------------
# Functions of the settings (not only Platform members): the CLI's worker commands load settings with their
# own overrides (--bootstrap-servers, --topic-partitions...) beside the Platform that checks the catalogue.


def kafka_config(settings: Settings, bootstrap_servers: str | None = None) -> KafkaConfig:
    """The Kafka connection the settings describe; ``bootstrap_servers`` (e.g. an embedded broker's) wins
    over the configured ones. A ValueError naming the option to set when neither names a broker."""
    from streams.kafka import KafkaConfig

    servers = bootstrap_servers or settings.bootstrap_servers
    if not servers:
        raise ValueError(
            "no Kafka bootstrap servers: pass --bootstrap-servers HOST:PORT "
            "(or set DOSSIER_AUDIT_BOOTSTRAP_SERVERS)"
        )
    password = settings.sasl_password
    return KafkaConfig(
        servers,
        security_protocol=settings.security_protocol,
        sasl_mechanism=settings.sasl_mechanism,
        sasl_username=settings.sasl_username,
        sasl_password=password.get_secret_value() if password else None,
        ssl_cafile=settings.ssl_cafile,
    )


def topics_of(settings: Settings) -> PlatformTopics:
    """The platform's topics: names, and the partitions and replication they are created with."""
    from streams.topics import PlatformTopics

    return PlatformTopics(
        events=settings.topic_events,
        violations=settings.topic_violations,
        dead_letters=settings.topic_dead_letters,
        partitions=settings.partitions,
        replication_factor=settings.replication_factor,
    )


def platform_topics(settings: Settings) -> list[TopicSpec]:
    """The topics to create (``streams.topics.ensure_topics``), as configured."""
    return topics_of(settings).specs()


def sink_options(settings: Settings, **fields: Any) -> SinkOptions:
    """A sink worker's options: topics and batching from the settings, any other field of
    :class:`~streams.sink.options.SinkOptions` by name (``group_id``, ``fold``, ``retry``...)."""
    from streams.sink.options import SinkOptions

    fields.setdefault("join_timeout", settings.group_join_timeout_seconds)
    fields.setdefault("refresh_seconds", settings.sink_refresh_seconds)
    return SinkOptions(
        topics=topics_of(settings),
        batch_size=settings.sink_batch_size,
        batch_seconds=settings.sink_batch_seconds,
        **fields,
    )


def detector_history(url: str | None) -> DossierHistory | None:
    """The detector's history of evicted dossiers (issue 17): a reading session on the warehouse server at
    ``url``, opened on first use; None without a URL (the detector then evicts nothing). A chdb URL is
    refused: its directory is owned by the sink's process, which the detector cannot read beside."""
    from warehouse.base import WarehouseError, parse_url

    if url is None:
        return None
    parsed = parse_url(url)
    if parsed.scheme == "chdb":
        raise WarehouseError(
            f"the detector's history {parsed.redacted()} is an embedded chdb warehouse, which only its owner "
            "(the sink) can open: give the warehouse server the sink stores into (clickhouse://...), or none "
            "(then no dossier is evicted)"
        )
    from warehouse import open_warehouse
    from warehouse.evicted_history import WarehouseHistory

    return WarehouseHistory(lambda: open_warehouse(url, create_database=False), parsed.redacted())


def detector_options(settings: Settings, **fields: Any) -> DetectorOptions:
    """A detector worker's options: topics, allowed lateness and Faust's directory (under the workdir)
    (and the idle-partition timeout) from the settings, any other field of
    :class:`~streams.detector.options.DetectorOptions` by name
    (``history``, where evicted dossiers are read back from: see :func:`detector_history`)."""
    from streams.detector.options import DetectorOptions

    fields.setdefault("allowed_lateness", timedelta(seconds=settings.allowed_lateness_seconds))
    fields.setdefault("history_sink_group", settings.sink_group_id)
    fields.setdefault("idle_partition_timeout", settings.idle_partition_timeout_seconds or None)
    return DetectorOptions(topics=topics_of(settings), datadir=settings.workdir / "faust", **fields)
