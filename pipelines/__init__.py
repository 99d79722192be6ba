"""Dagster pipelines for the weekly inspection reports.

- ``partitions``: weeks Monday–Sunday in Asia/Ho_Chi_Minh, keyed by their Monday (``2025-11-03``).
- ``resources``: the warehouse (a URL, opened per use) and the platform (``bootstrap.platform``, built from
  the settings: the one place the assets get their catalogue, rulebooks and report header from).
- ``assets``: per week ``weekly_metrics``, ``violation_summary``, ``data_quality`` (with one asset check per
  Great Expectations suite, ``asset_checks``), ``leadership_report`` and ``audit_packs``; files under
  ``<reports_dir>/<week>/``, one row per asset run in the ``report_runs`` table (``report_runs``).
- ``schedules``: Monday 07:00 local time, for the week just ended, and 07:00 on the day its figures are
  final for it again (a Friday for an ordinary week; later after days off);
  ``sensors``: dead-letter growth and violation jumps become failed ``alert_job`` runs.
- ``definitions``: ``defs`` for ``dagster dev`` / ``dagster definitions validate`` ([tool.dagster]).
- ``inprocess``: ``materialize_week(settings, week)``, in this process (no daemon, no code server), for the
  main job and tests.
"""
