"""The Great Expectations engine: one ephemeral data context per run, validating pandas frames.

Everything that touches Great Expectations is here, so the rest of ``checks`` (and every importer of it)
works without loading the library; it is loaded when a run creates its ``Engine``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from checks.check import Check


def _library() -> tuple[Any, Any, Any, Any]:
    """Great Expectations and the configuration classes an :class:`Engine` is made with. Imported on use,
    not with the module: great_expectations costs ~7.5 s and +250 MB peak RSS (measured, 2 CPUs, warm
    cache), and the ``checks`` package is imported by every CLI command and every Dagster code-server load,
    which need only the suites' names."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    return gx, DataContextConfig, InMemoryStoreBackendDefaults, ProgressBarsConfig


def preload() -> None:
    """Import what an :class:`Engine` is made of, ahead of the run that makes one (the main job does it
    while it waits for its detector)."""
    _library()


class Engine:
    """One ephemeral Great Expectations context for a run; each frame becomes a whole-dataframe batch."""

    def __init__(self) -> None:
        gx, DataContextConfig, InMemoryStoreBackendDefaults, ProgressBarsConfig = _library()
        self.gx = gx
        config = DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
            # tqdm bars on stderr would garble the CLI summary and logs.
            progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
            analytics_enabled=False,
        )
        self.context = gx.get_context(project_config=config, mode="ephemeral")
        # One asset and batch definition for every frame of the run (each batch gets its frame): the context
        # writes its whole configuration out as YAML whenever an asset is added, and an asset per frame made
        # that a third of a suite run's time in the tests.
        self.batches = (
            self.context.data_sources.add_pandas("warehouse")
            .add_dataframe_asset("frames")
            .add_batch_definition_whole_dataframe("whole")
        )

    def validate(
        self, suite: str, frame: Any, checks: Sequence[Check], id_columns: Sequence[str]
    ) -> list[tuple[Check, dict[str, Any]]]:
        """Each check's Great Expectations result (as a dict) on ``frame`` (a pandas DataFrame)."""
        batch = self.batches.get_batch(batch_parameters={"dataframe": frame})
        expectations = self.gx.expectations
        gx_suite = self.gx.ExpectationSuite(name=suite)
        for i, check in enumerate(checks):
            expectation = check.build(expectations)
            expectation.meta = {"check": i}
            gx_suite.add_expectation(expectation)
        result_format: dict[str, Any] = {"result_format": "SUMMARY", "partial_unexpected_count": 10}
        if id_columns:
            result_format["unexpected_index_column_names"] = list(id_columns)
        outcome = batch.validate(gx_suite, result_format=result_format)
        by_index: dict[int, dict[str, Any]] = {}
        for r in outcome.results:
            assert r.expectation_config is not None  # set on every result of a suite validation
            by_index[int(r.expectation_config.meta["check"])] = {
                "success": bool(r.success),
                "result": dict(r.result or {}),
                "exception": _exception_message(r.exception_info),
            }
        return [(check, by_index[i]) for i, check in enumerate(checks)]


def _exception_message(info: Any) -> str | None:
    """The error a check raised (``exception_info``: flat for one expectation, keyed by metric in a suite)."""
    if not isinstance(info, Mapping):
        return None
    if "raised_exception" in info:
        return str(info.get("exception_message")) if info.get("raised_exception") else None
    for nested in info.values():
        message = _exception_message(nested)
        if message is not None:
            return message
    return None
