"""The console's security primitives: Argon2id passwords, signed expiring sessions, CSRF tokens and the
login throttle. No web framework here: ``console.web`` wires them into requests.

- **Passwords**: ``argon2.PasswordHasher`` (its defaults are Argon2id, RFC 9106's second recommended
  parameter set); only the hash is stored.
- **Sessions**: the cookie holds ``{login, csrf, fp, t, s}`` signed with the session secret and a timestamp
  (``itsdangerous``): ``fp`` fingerprints the account's password hash (keyed with the secret), ``t`` is
  when it was issued (epoch ms) and ``s`` when it was last used. A cookie older than the session lifetime,
  idle longer than the idle timeout, with a bad signature, whose fingerprint no longer matches (password
  changed) or issued before the account's ``sessions_after`` (logout, password change) is no session; a
  disabled account has none.
- **CSRF**: each session carries a random token; every state-changing request must send it back (form
  field ``csrf_token`` or header ``X-CSRF-Token``), compared in constant time. The cookie is also
  ``SameSite=Strict``.
- **Throttle**: after ``limit`` failed logins within ``window`` seconds for a login, or from a client
  address, logins from that address or for that login are refused until the window has passed. An attempt
  is counted *before* its password is verified (:meth:`Throttle.begin`, atomic): concurrent guesses
  cannot all pass the check first. At most ``max_keys`` keys are kept (oldest dropped).
- **Verifications**: at most ``ARGON2_SLOTS`` Argon2 verifications run at once (each takes 64 MiB); a
  login beyond that is refused at once (:class:`Busy`, 503) rather than queued.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_HASHER = PasswordHasher()
#: A hash to verify against when the login does not exist, so that an unknown login takes as long as a
#: wrong password (no timing oracle for which logins exist).
_DUMMY_HASH = _HASHER.hash(secrets.token_hex(16))
MIN_PASSWORD_LENGTH = 10
#: Argon2 verifications running at once, at most (argon2-cffi's defaults: 64 MiB each).
ARGON2_SLOTS = 4


class Busy(Exception):
    """Every Argon2 slot is taken (503): try again in a moment."""


#: The largest request body the console takes: nginx's default ``client_max_body_size``. A login, an
#: account's form or a decision with its note is a few kilobytes; Starlette caps a form at 1,000 fields of
#: 1 MB each, so that one POST, before any login, could make the console hold about 1 GB.
MAX_BODY_BYTES = 1 << 20


class TooLarge(Exception):
    """A request body over :data:`MAX_BODY_BYTES` (413)."""


class BodyLimit:
    """ASGI wrapper: reading a request body over ``limit`` bytes raises :class:`TooLarge` in the handler
    that reads it (the app's error handlers answer it), as soon as its ``Content-Length`` says so or its
    chunks add up to it; a request whose body is never read is not refused."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        read = self.limit + 1 if declared.isdigit() and int(declared) > self.limit else 0

        async def limited() -> Message:
            nonlocal read
            if read > self.limit:
                raise TooLarge()
            message = await receive()
            if message["type"] == "http.request":
                read += len(message.get("body", b""))
                if read > self.limit:
                    raise TooLarge()
            return message

        await self.app(scope, limited, send)


_SLOTS = threading.BoundedSemaphore(ARGON2_SLOTS)


@contextmanager
def verification_slot(slots: threading.BoundedSemaphore = _SLOTS) -> Iterator[None]:
    """Hold one of the verification slots, or raise :class:`Busy` at once when none is free."""
    if not slots.acquire(blocking=False):
        raise Busy()
    try:
        yield
    finally:
        slots.release()


def hash_password(password: str) -> str:
    """The Argon2id hash of ``password`` (encoded with its salt and parameters)."""
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored_hash`` (``None``: no such account, still hashed for time)."""
    try:
        return _HASHER.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


PASSWORD_PROBLEMS = {
    "password_short": f"the password must be at least {MIN_PASSWORD_LENGTH} characters",
    "password_spaces": "the password must not start or end with spaces nor hold a line break",
}


def password_problem_code(password: str) -> str | None:
    """Why ``password`` is refused for a new account (a code of :data:`PASSWORD_PROBLEMS`), or ``None``."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return "password_short"
    if password.strip() != password or "\n" in password:
        return "password_spaces"
    return None


def password_problem(password: str) -> str | None:
    """Why ``password`` is refused for a new account, in words, or ``None``."""
    code = password_problem_code(password)
    return PASSWORD_PROBLEMS[code] if code else None


@dataclass(frozen=True, slots=True)
class Session:
    login: str
    csrf: str
    fingerprint: str = ""
    issued_ms: int = 0
    seen_s: int = 0


class Sessions:
    """Signs and reads session cookies; ``idle_seconds``: a session unused that long is over (each request
    re-issues the cookie with a new ``seen`` time, at most once a minute)."""

    REFRESH_SECONDS = 60

    def __init__(
        self,
        secret: bytes,
        max_age_seconds: int,
        idle_seconds: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="dossier-audit-console-session")
        self._key = hmac.new(secret, b"account-fingerprint", hashlib.sha256).digest()
        self.max_age = max_age_seconds
        self.idle = idle_seconds or max_age_seconds
        self.clock = clock

    def fingerprint(self, password_hash: str) -> str:
        """A keyed digest of the account's password hash: a new password ends the old sessions."""
        return hmac.new(self._key, password_hash.encode(), hashlib.sha256).hexdigest()[:32]

    def issue(self, login: str, password_hash: str) -> tuple[str, Session]:
        now = self.clock()
        session = Session(
            login, secrets.token_urlsafe(32), self.fingerprint(password_hash), int(now * 1000), int(now)
        )
        return self.dump(session), session

    def dump(self, session: Session) -> str:
        return self._serializer.dumps({"login": session.login, "csrf": session.csrf,
                                       "fp": session.fingerprint, "t": session.issued_ms,
                                       "s": session.seen_s})  # fmt: skip

    def touched(self, session: Session) -> str | None:
        """The cookie again with ``seen`` now, when the last one is over a minute old (else ``None``)."""
        now = int(self.clock())
        if now - session.seen_s < self.REFRESH_SECONDS:
            return None
        return self.dump(Session(session.login, session.csrf, session.fingerprint, session.issued_ms, now))

    def read(self, cookie: str | None) -> Session | None:
        if not cookie:
            return None
        try:
            data = self._serializer.loads(cookie, max_age=self.max_age)
        except BadSignature:  # also SignatureExpired
            return None
        if not isinstance(data, dict):
            return None
        login, csrf, fp = data.get("login"), data.get("csrf"), data.get("fp")
        issued, seen = data.get("t"), data.get("s")
        if not all(isinstance(x, str) for x in (login, csrf, fp)):
            return None
        if not all(isinstance(x, int) and not isinstance(x, bool) for x in (issued, seen)):
            return None
        now = self.clock()
        if now - seen > self.idle or now - issued / 1000 > self.max_age:  # type: ignore[operator]
            return None
        return Session(login, csrf, fp, issued, seen)  # type: ignore[arg-type]

    def valid_for(self, session: Session, password_hash: str, sessions_after_ms: int) -> bool:
        """Whether ``session`` still belongs to the account as stored now."""
        return session.issued_ms >= sessions_after_ms and hmac.compare_digest(
            session.fingerprint, self.fingerprint(password_hash)
        )


def csrf_ok(session: Session, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(session.csrf.encode(), (sent or "").encode())


#: Keys :meth:`Throttle._evict` looks at per new key before it lets the table grow.
_EVICTION_LOOKS = 64


class Throttle:
    """Failed logins per key (``login:NAME``, ``addr:IP``) in a sliding window; thread-safe. ``limit``
    applies to every key but those whose kind (the text before ``:``) ``limits`` gives its own: an office
    behind one address (a NAT, a proxy) shares it, and one colleague's typos at the login's limit locked
    every account of the office out (review of 2026-12-05)."""

    def __init__(
        self,
        limit: int,
        window_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
        limits: Mapping[str, int] | None = None,
    ) -> None:
        self.limit = limit
        self.limits = dict(limits or {})
        self.window = window_seconds
        self.max_keys = max_keys
        self._clock = clock
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def limit_of(self, key: str) -> int:
        return self.limits.get(key.split(":", 1)[0], self.limit)

    def _recent(self, key: str, now: float, *, create: bool = True) -> deque[float]:
        """The key's failures within the window; a key not tracked is added only with ``create`` (an attempt
        being counted). A look-up must not add one: a blocked address's cheap refusals, each under a new
        login, pushed the oldest keys out, a login's lockout among them (review)."""
        found = self._failures.get(key)
        if found is None:
            if not create:
                return deque()
            found = self._failures[key] = deque(maxlen=self.limit_of(key) + 1)
            while len(self._failures) > self.max_keys and self._evict(key, now):
                pass
        self._failures.move_to_end(key)
        while found and found[0] <= now - self.window:
            found.popleft()
        return found

    def _evict(self, kept: str, now: float) -> bool:
        """Drop the least recently touched key that is not at its limit (``False``: every other one is).
        Dropping the least recently touched whatever it held let a flood of failed logins under 10,000 junk
        names and addresses push a login's lockout out, five fresh guesses per flood (console seat of
        2026-12-07). Keys at their limit stay past ``max_keys``: as many as the password checks can fail in
        a window, each a deque of a few floats. A key at its limit that is looked at goes to the end, and at
        most :data:`_EVICTION_LOOKS` are looked at per new key: scanning every locked key under the lock cost
        13 ms per new key with 5,000 of them (last read)."""
        for _ in range(min(_EVICTION_LOOKS, len(self._failures))):
            old, failures = next(iter(self._failures.items()))  # the least recently touched
            if old != kept and sum(1 for at in failures if at > now - self.window) < self.limit_of(old):
                del self._failures[old]
                return True
            self._failures.move_to_end(old)
        return False

    def __len__(self) -> int:
        return len(self._failures)

    def blocked(self, *keys: str) -> bool:
        with self._lock:
            now = self._clock()
            return any(len(self._recent(k, now, create=False)) >= self.limit_of(k) for k in keys)

    def wait(self, *keys: str) -> float:
        """Seconds until every key of ``keys`` takes an attempt again (0: now), to say how long to wait."""
        with self._lock:
            now = self._clock()
            waits = [0.0]
            for key in keys:
                recent, limit = self._recent(key, now, create=False), self.limit_of(key)
                if len(recent) >= limit:  # the oldest failures keeping it at its limit must leave the window
                    waits.append(recent[len(recent) - limit] + self.window - now)
            return max(waits)

    def begin(self, *keys: str) -> bool:
        """Count an attempt as failed before its password is checked, in one step with the check; ``False``
        (nothing counted) when a key is already at its limit. :meth:`succeeded` takes it back."""
        with self._lock:
            now = self._clock()
            if any(len(self._recent(k, now, create=False)) >= self.limit_of(k) for k in keys):
                return False
            for key in keys:
                self._recent(key, now).append(now)
            return True

    def release(self, *keys: str) -> None:
        """Take back an attempt :meth:`begin` counted but never checked (no verification slot)."""
        with self._lock:
            for key in keys:
                found = self._failures.get(key)
                if found:
                    found.pop()

    def failed(self, *keys: str) -> None:
        with self._lock:
            now = self._clock()
            for key in keys:
                self._recent(key, now).append(now)

    def succeeded(self, login_key: str, *other_keys: str) -> None:
        """A good password clears its login's count, and takes back its own attempt from the other keys
        (the address's earlier failures stay: a guesser's other tries still count)."""
        with self._lock:
            self._failures.pop(login_key, None)
            for key in other_keys:
                found = self._failures.get(key)
                if found:
                    found.pop()
