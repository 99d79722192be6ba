"""Human reports for leadership and inspectors: the weekly violation report (HTML, PDF, XLSX, Vietnamese
by default) and the per-unit audit packs."""
