"""What a pseudonym looks like: ``hmac-sha256:`` and 64 hexadecimal digits (``schemas.pseudonym`` makes
them). One definition for every place that must tell a pseudonym from a clear value: the pseudonymiser,
the applicant's echoes in documents (``schemas.applicant_echoes``) and the detector's inlet."""

from __future__ import annotations

import re

__all__ = ["PREFIX", "PSEUDONYM"]

PREFIX = "hmac-sha256:"
#: A whole pseudonym (``fullmatch`` a value, ``finditer`` a text).
PSEUDONYM = re.compile(re.escape(PREFIX) + "[0-9a-f]{64}")
