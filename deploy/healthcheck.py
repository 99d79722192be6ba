#!/usr/bin/env python3
"""Container health probe: ``dossier-audit-healthcheck URL [TIMEOUT_SECONDS]``.

Exits 0 when ``URL`` answers a 2xx status within the timeout, 1 otherwise (with the reason on stderr).
Standard library only, so it adds nothing to the image and starts in milliseconds; the compose file
points it at the workers' metrics endpoint and the Dagster webserver's ``/server_info``.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request


def probe(url: str, timeout: float = 3.0) -> str | None:
    """``None`` when ``url`` answers 2xx within ``timeout`` seconds, else why not."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            status = int(response.status)
    except urllib.error.HTTPError as exc:
        return f"{url}: HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return f"{url}: {reason}"
    if not 200 <= status < 300:
        return f"{url}: HTTP {status}"
    return None


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not 1 <= len(args) <= 2:
        print("usage: dossier-audit-healthcheck URL [TIMEOUT_SECONDS]", file=sys.stderr)
        return 2
    try:
        timeout = float(args[1]) if len(args) == 2 else 3.0
    except ValueError:
        print(f"timeout {args[1]!r} is not a number of seconds", file=sys.stderr)
        return 2
    problem = probe(args[0], timeout)
    if problem is not None:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
