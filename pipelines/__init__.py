"""Dagster pipelines for the weekly inspection reports.

- ``partitions``: weeks Monday–Sunday in Asia/Ho_Chi_Minh, keyed by their Monday (``2025-11-03``).
- ``resources``: the warehouse (a URL, opened per use) and the platform settings.
- ``assets``: per week ``weekly_metrics``, ``violation_summary``, ``data_quality`` (with one asset check per
  Great Expectations suite, ``checks``), ``leadership_report`` and ``audit_packs``; files under
  ``<reports_dir>/<week>/``, one ``report_runs`` row per asset run.
- ``schedules``: Monday 07:00 local time, for the week just ended; ``sensors``: dead-letter growth and
  violation jumps become failed ``alert_job`` runs.
- ``definitions``: ``defs`` for ``dagster dev`` / ``dagster definitions validate`` ([tool.dagster]).
- ``runner``: ``materialize_week(settings, week)``, in-process, for the main job and tests.
"""
