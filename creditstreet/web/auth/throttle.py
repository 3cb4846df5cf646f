"""Failed logins counted per account, in the limiter's shared storage (issue 13 §6, CASES K-15).

Per address the login route's own limit applies (10 failures a minute, 50 an hour). Per account:
after ``ACCOUNT_FAILURES`` failures on one user name within the hour, an address that has itself
failed on that name within the hour may not try it again until the hour is over; an address that
has not failed on it still gets its attempt. So guessing one account from many addresses costs one
address per guess, while the owner typing the right password from their own network is never
locked out by someone else's failures. Unknown names are counted like known ones (no enumeration).
"""
import hashlib

from flask import current_app
from limits import parse

from ...domain.text import clean_text
from ...extensions import limiter

ACCOUNT_FAILURES = parse("20 per hour")
ADDRESS_ON_ACCOUNT = parse("1 per hour")


def _keys(username: str) -> tuple[str, str]:
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or "creditstreet"
    name = clean_text(username).casefold()
    return prefix, hashlib.sha256(name.encode()).hexdigest()[:32]  # no user name in the store


def _on() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED", True))


def refused(username: str, address: str) -> bool:
    """True when ``address`` may not try ``username`` now (the account is under attack and this
    address already failed on it)."""
    if not _on():
        return False
    prefix, account = _keys(username)
    if limiter.limiter.test(ACCOUNT_FAILURES, prefix, "login-account", account):
        return False
    return not limiter.limiter.test(ADDRESS_ON_ACCOUNT, prefix, "login-account-address", account, address)


def record_failure(username: str, address: str) -> None:
    """Count one failed login on ``username`` from ``address``."""
    if not _on():
        return
    prefix, account = _keys(username)
    limiter.limiter.hit(ACCOUNT_FAILURES, prefix, "login-account", account)
    limiter.limiter.hit(ADDRESS_ON_ACCOUNT, prefix, "login-account-address", account, address)
