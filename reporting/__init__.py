"""Human reports for leadership and inspectors: the weekly violation report (HTML, PDF, XLSX, Vietnamese
by default) and the per-unit audit packs.

Entry points in ``reporting.api``. They are given what a report is made of (catalogue, header, warehouse,
week) and read no settings: the composition root (``bootstrap.platform``) builds the header.
"""
