"""Failed logins counted per account, in the limiter's shared storage (issue 13 §6, CASES K-15).

Per address the login route's own limit applies (10 failures a minute, 50 an hour). Per account:
after ``ACCOUNT_FAILURES`` failures on one user name within the hour, an address that has itself
failed on that name within the hour may not try it again until the hour is over; an address that
has not failed on it still gets its attempt. So guessing one account from many addresses costs one
address per guess, while the owner typing the right password from their own network is never
locked out by someone else's failures. Unknown names are counted like known ones (no enumeration).

While the account is under attack, an address's one try is taken (an atomic hit in the shared
storage) before the password is checked, so requests sent at once from one address get one try
between them, not one each; a right password gives the try back.
"""
import hashlib

from flask import current_app, g
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
    """True when ``address`` may not try ``username`` now: the account is under attack and this
    address already tried it within the hour. Otherwise, under attack, takes this address's try."""
    if not _on():
        return False
    prefix, account = _keys(username)
    if limiter.limiter.test(ACCOUNT_FAILURES, prefix, "login-account", account):
        return False
    if not limiter.limiter.hit(ADDRESS_ON_ACCOUNT, prefix, "login-account-address", account, address):
        return True
    g.login_try_taken = True
    return False


def record_failure(username: str, address: str) -> None:
    """Count one failed login on ``username`` from ``address``."""
    if not _on():
        return
    prefix, account = _keys(username)
    limiter.limiter.hit(ACCOUNT_FAILURES, prefix, "login-account", account)
    if not g.pop("login_try_taken", False):
        limiter.limiter.hit(ADDRESS_ON_ACCOUNT, prefix, "login-account-address", account, address)


def record_success(username: str, address: str) -> None:
    """A right password gives back the try ``refused`` took: the owner may log in again."""
    if _on() and g.pop("login_try_taken", False):
        prefix, account = _keys(username)
        limiter.limiter.clear(ADDRESS_ON_ACCOUNT, prefix, "login-account-address", account, address)
