"""Dagster resources: the warehouse (a URL, opened per use) and the platform (settings, catalogue, calendar).

Nothing here reads the environment or connects when imported or constructed: an empty field means "from
the platform settings", which are read when an asset or sensor first uses the resource.

chdb runs one embedded engine per process, bound to one directory. A process that already holds the
warehouse open (the main job's supervisor) lends its session with :func:`lend`; the resource then hands out
that session and never closes it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dagster import ConfigurableResource, RetryRequested
from pydantic import Field, PrivateAttr

from bootstrap.platform import Platform
from bootstrap.settings import Settings, load_settings
from inspections.weeks import Week
from reporting.header import ReportHeader
from warehouse import open_warehouse
from warehouse.base import Warehouse, WarehouseUnreachable

#: Objects lent to resources of this process, by key (see :func:`lend`).
_LENT: dict[str, Any] = {}


@contextmanager
def lend(obj: Any) -> Iterator[str]:
    """Register ``obj`` for in-process resources under a fresh key, for the duration of the block."""
    key = uuid.uuid4().hex
    _LENT[key] = obj
    try:
        yield key
    finally:
        _LENT.pop(key, None)


def _borrow(key: str, kind: type[Any]) -> Any:
    try:
        obj = _LENT[key]
    except KeyError:
        raise RuntimeError(
            f"no {kind.__name__} is lent under key {key!r} in this process "
            "(lent objects exist only inside pipelines.inprocess.materialize_week)"
        ) from None
    if not isinstance(obj, kind):
        raise TypeError(f"key {key!r} lends a {type(obj).__name__}, not a {kind.__name__}")
    return obj


class PlatformResource(ConfigurableResource):  # type: ignore[type-arg]
    """The platform settings (environment ``DOSSIER_AUDIT_*`` plus these overrides) and the components
    built from them."""

    env_file: str = Field(default="", description="Optional settings file (empty: environment only).")
    catalogue: str = Field(default="", description="Catalogue YAML (empty: the settings' catalogue).")
    reports_dir: str = Field(default="", description="Reports root (empty: the settings' reports_dir).")
    lang: str = Field(default="", description="vi or en (empty: the settings' lang).")
    audit_sample_size: int = Field(default=10, ge=0, description="Clean dossiers sampled per audit pack.")
    halt_on_blocking_failure: bool = Field(
        default=False,
        description="When a blocking data-quality check fails: False builds the reports anyway (their "
        "first page says the data failed), True stops the run before the reports and takes the week's "
        "earlier reports away, leaving REPORT_WITHHELD.txt saying why.",
    )
    lent_platform: str = Field(default="", description="Internal: key of a Platform lent in-process.")

    _platform: Platform | None = PrivateAttr(default=None)

    def settings(self) -> Settings:
        return self.platform().settings

    def platform(self) -> Platform:
        if self._platform is None:
            if self.lent_platform:
                self._platform = _borrow(self.lent_platform, Platform)
            else:
                settings = load_settings(
                    Path(self.env_file) if self.env_file else None,
                    catalogue=self.catalogue or None,
                    reports_dir=self.reports_dir or None,
                    lang=self.lang or None,
                )
                self._platform = Platform(settings)
        assert self._platform is not None
        return self._platform

    @property
    def report_lang(self) -> str:
        return self.lang or self.settings().lang

    def report_header(self) -> ReportHeader:
        """The issuer of the reports and their language (``lang`` here, else the settings')."""
        return self.platform().report_header(self.report_lang)

    def week_dir(self, week: Week) -> Path:
        """``<reports_dir>/<week>/`` (e.g. ``reports/2025-W45``), not created: whatever writes into it makes
        it (an unreachable warehouse left an empty week directory behind, as if the week had no report)."""
        root = Path(self.reports_dir) if self.reports_dir else self.settings().reports_dir
        return root / str(week)


class WarehouseResource(ConfigurableResource):  # type: ignore[type-arg]
    """The warehouse at ``url`` (``chdb:///dir`` or ``clickhouse://...``), opened per use and closed after.

    Empty ``url``: the warehouse of the run's platform resource, given to :meth:`open` (its settings:
    ``DOSSIER_AUDIT_WAREHOUSE`` or chdb under the workdir, its ``env_file`` and overrides), never from the
    environment alone: a platform configured with a settings file read the catalogue from it while this
    resource fell back to the environment's warehouse (review of 2026-12-04). It was then a platform of its
    own, nested here, which a platform given by key (``build_definitions(resources=...)``) or configured in
    the launchpad never reached: the reports read one warehouse under another's settings (review of
    2026-12-05).
    """

    url: str = Field(default="", description="Warehouse URL (empty: from the platform settings).")
    create_database: bool = Field(default=False, description="Create the URL's database when missing.")
    lent_warehouse: str = Field(default="", description="Internal: key of an open Warehouse lent in-process.")
    unavailable_retries: int = Field(
        default=3, ge=0, description="Tries again of a weekly step that could not reach the warehouse server."
    )
    unavailable_wait_seconds: float = Field(
        default=300.0, ge=0, description="Seconds between those tries (a server restart's few minutes)."
    )

    def resolved_url(self, platform: PlatformResource) -> str:
        return self.url or platform.settings().warehouse_url

    @contextmanager
    def open(self, platform: PlatformResource) -> Iterator[Warehouse]:
        """A warehouse session for one use, closed after (a lent one is left open)."""
        if self.lent_warehouse:
            yield _borrow(self.lent_warehouse, Warehouse)
            return
        with open_warehouse(self.resolved_url(platform), create_database=self.create_database) as wh:
            yield wh

    @contextmanager
    def open_for_step(self, platform: PlatformResource, retry_number: int) -> Iterator[Warehouse]:
        """:meth:`open` for a weekly asset's step (its ``context.retry_number``): a step that finds the
        warehouse server down (``WarehouseUnreachable``: no connection, or one refused, reset or closed in a
        query) is tried again (``unavailable_retries`` times, ``unavailable_wait_seconds`` apart) rather
        than failed at once. A server restarting around Monday 07:00 left the week with no Monday report
        until someone launched it again by hand (Dagster seat of 2026-12-08). A query that timed out (a slow
        one would only time out again) and any other error fail the step as before, and the last try fails
        with the error itself: Dagster's "Exceeded max_retries" named no cause (reads of the session)."""
        try:
            with self.open(platform) as wh:
                yield wh
        except WarehouseUnreachable as exc:
            if retry_number >= self.unavailable_retries:
                raise
            raise RetryRequested(
                max_retries=self.unavailable_retries, seconds_to_wait=self.unavailable_wait_seconds
            ) from exc
