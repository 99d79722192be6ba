"""The console's security primitives on their own: Argon2id hashes, signed expiring sessions, the throttle's
window, CSRF comparison."""

from __future__ import annotations

import threading
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from console.security import (
    Busy,
    Sessions,
    Throttle,
    csrf_ok,
    hash_password,
    password_problem,
    verification_slot,
    verify_password,
)


def test_the_product_hashes_at_rfc_9106_s_cost() -> None:
    """The console's tests hash at Argon2id's least cost (conftest.py); the product at argon2-cffi's defaults,
    RFC 9106's low-memory recommendation: 3 passes over 64 MiB in 4 lanes."""
    from argon2 import Type

    from tests.console.conftest import PRODUCT_HASHER

    assert (PRODUCT_HASHER.type, PRODUCT_HASHER.time_cost, PRODUCT_HASHER.memory_cost) == (Type.ID, 3, 65536)
    assert PRODUCT_HASHER.parallelism == 4
    assert PRODUCT_HASHER.hash("x").startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_passwords_are_argon2id_hashes() -> None:
    hashed = hash_password("correct horse battery")
    assert hashed.startswith("$argon2id$") and "correct" not in hashed
    assert verify_password(hashed, "correct horse battery")
    assert not verify_password(hashed, "correct horse batterY")
    assert not verify_password(None, "correct horse battery")
    assert not verify_password("not a hash", "x")
    assert (
        password_problem("short")
        and password_problem(" leading space ok?")
        and not password_problem("x" * 10)
    )


def test_sessions_are_signed_and_expire() -> None:
    sessions = Sessions(b"k" * 32, max_age_seconds=1)
    cookie, session = sessions.issue("insp", "$argon2id$h")
    assert sessions.read(cookie) == session
    assert Sessions(b"other key" * 4, 60).read(cookie) is None
    time.sleep(2.1)
    assert sessions.read(cookie) is None


@given(st.text(max_size=300))
def test_any_cookie_text_is_no_session_or_a_valid_one(text: str) -> None:
    assert Sessions(b"k" * 32, 60).read(text) is None


def test_the_throttle_forgets_after_its_window() -> None:
    now = [0.0]
    throttle = Throttle(3, 10, clock=lambda: now[0])
    throttle.failed("login:a", "addr:1")
    throttle.failed("login:a", "addr:1")
    assert not throttle.blocked("login:a", "addr:1")
    throttle.failed("login:b", "addr:1")
    assert throttle.blocked("login:c", "addr:1") and not throttle.blocked("login:a", "addr:2")
    now[0] = 10.5
    assert not throttle.blocked("login:a", "addr:1")


def test_an_address_takes_its_own_limit_and_says_how_long_to_wait() -> None:
    """An office behind one address shares it: one colleague's typos at the login's limit locked every
    account of the office out (review of 2026-12-05); the address has a limit of its own."""
    now = [0.0]
    throttle = Throttle(3, 100, clock=lambda: now[0], limits={"addr": 12})
    for second in range(7):
        now[0] = float(second)
        throttle.begin("login:lead", "addr:office")  # the last four refused, not counted
    assert throttle.blocked("login:lead") and not throttle.blocked("login:insp", "addr:office")
    assert throttle.wait("login:lead", "addr:office") == 100.0 - 6  # the first failure, at 0 s, leaves at 100
    assert throttle.wait("login:insp", "addr:office") == 0.0
    for n in range(9):  # with the lead's three: the address's twelve
        assert throttle.begin(f"login:u{n}", "addr:office")
    assert throttle.blocked("login:insp", "addr:office") and not throttle.blocked("login:insp", "addr:home")
    assert throttle.wait("login:insp", "addr:office") == 100.0 - 6
    now[0] = 100.5
    assert not throttle.blocked("login:lead", "addr:office")


def test_csrf_needs_the_exact_token() -> None:
    _, session = Sessions(b"k" * 32, 60).issue("x", "h")
    assert csrf_ok(session, session.csrf)
    assert (
        not csrf_ok(session, None) and not csrf_ok(session, "") and not csrf_ok(session, session.csrf + "x")
    )


def test_a_session_ends_when_idle_and_when_the_password_or_sessions_after_change() -> None:
    now = [1_000_000.0]
    sessions = Sessions(b"k" * 32, 3600, idle_seconds=600, clock=lambda: now[0])
    cookie, session = sessions.issue("insp", "$argon2id$old")
    assert sessions.valid_for(session, "$argon2id$old", 0)
    assert not sessions.valid_for(session, "$argon2id$new", 0)  # a password reset
    assert not sessions.valid_for(session, "$argon2id$old", session.issued_ms + 1)  # a logout
    now[0] += 500
    refreshed = sessions.touched(session)
    assert refreshed is not None and sessions.read(refreshed) is not None
    now[0] += 500  # 1000 s after the login, 500 s after the last use
    assert sessions.read(cookie) is None  # idle too long
    assert sessions.read(refreshed) is not None
    now[0] += 3000  # the absolute lifetime is counted from the login, whatever the refreshes
    touched = sessions.touched(sessions.read(refreshed) or session)
    assert touched is not None
    now[0] += 200
    assert sessions.read(touched) is None


def test_the_throttle_counts_an_attempt_before_it_is_checked_and_stays_bounded() -> None:
    throttle = Throttle(5, 60, max_keys=100)
    results: list[bool] = []
    start = threading.Barrier(40)

    def attempt() -> None:
        start.wait()
        results.append(throttle.begin("login:lead", "addr:1"))

    threads = [threading.Thread(target=attempt) for _ in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 5  # only five passwords are ever verified
    throttle.succeeded("login:lead", "addr:1")
    assert not throttle.blocked("login:lead")
    for n in range(10_000):  # a spray of logins and addresses
        throttle.failed(f"login:u{n}", f"addr:{n}")
    assert len(throttle) <= 100


def test_refused_attempts_add_no_key_so_they_cannot_push_a_login_s_lockout_out() -> None:
    """A blocked address's refusals cost no password check; each under a new login added a key, and past
    ``max_keys`` the oldest went: the victim's lockout among them, five fresh guesses for the next address
    (review)."""
    throttle = Throttle(5, 60, max_keys=100, limits={"addr": 20})
    for _ in range(5):
        assert throttle.begin("login:lead", "addr:a")  # five wrong guesses at the lead's password
    for n in range(15):
        assert throttle.begin(f"login:x{n}", "addr:a")  # the address's twenty
    for n in range(1_000):  # refused: nothing counted, nothing added
        assert not throttle.begin(f"login:flood{n}", "addr:a")
        assert throttle.blocked(f"login:flood{n}", "addr:a") and throttle.wait(f"login:flood{n}", "addr:a")
    assert len(throttle) == 17
    assert not throttle.begin("login:lead", "addr:c")  # still locked, from any address


def test_a_flood_of_failed_logins_cannot_push_a_lockout_out() -> None:
    """Console seat of 2026-12-07: behind a trusted proxy, 5,000 failed logins under junk names from 5,000
    addresses filled the 10,000 keys, the victim's locked key went as the least recently touched, and six
    more guesses got five 401s. A key at its limit is never the one dropped."""
    now = [0.0]
    throttle = Throttle(5, 900, clock=lambda: now[0], max_keys=100, limits={"addr": 20})
    for n in range(5):
        assert throttle.begin("login:victim", f"addr:v{n}")
    assert not throttle.begin("login:victim", "addr:v9")
    for n in range(5_000):
        now[0] += 0.01
        throttle.begin(f"login:junk{n}", f"addr:{n}")
    assert not throttle.begin("login:victim", "addr:fresh") and throttle.blocked("login:victim")
    assert len(throttle) <= 101  # the junk keys (one failure each) went, not the lockout
    now[0] += 900  # the window passed: the victim may try again
    assert throttle.begin("login:victim", "addr:later")
    # Many keys at their limit: each new key looks at a bounded few of them (it scanned all, 13 ms a key:
    # the last read), and none of them goes.
    for n in range(500):
        for _ in range(5):
            throttle.failed(f"login:locked{n}")
    for n in range(500):
        throttle.begin(f"login:new{n}", f"addr:new{n}")
    assert all(throttle.blocked(f"login:locked{n}") for n in range(500))


def test_argon2_verifications_are_capped() -> None:
    slots = threading.BoundedSemaphore(1)
    with verification_slot(slots), pytest.raises(Busy), verification_slot(slots):
        pass
    with verification_slot(slots):  # free again
        pass
