"""Who is on the web chat: signed customer ids (made by the supplier's site) and our own session tokens.

A known customer arrives with HMAC-SHA256("customer_id:timestamp") keyed by the shared
`webchat_identity_secret`, as Intercom's identity verification does; a signature older than `MAX_AGE` (or
from the future beyond `CLOCK_SKEW`) is stale. After that, and for guests from the start, the server hands
out a session token (an HMAC under `secret_key` over the visitor key and its issue time) that the widget
keeps and presents on reconnect. Every comparison is constant-time.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import secrets

MAX_AGE = dt.timedelta(minutes=10)
CLOCK_SKEW = dt.timedelta(minutes=2)
SESSION_TTL = dt.timedelta(days=30)
CUSTOMER_PREFIX = "cust:"
GUEST_PREFIX = "guest:"


class IdentityRefused(Exception):
    """A signature or session token that does not prove who the visitor is; `code` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def sign_customer(secret: str, customer_id: str, timestamp: int) -> str:
    """The hex signature the supplier's site puts on the page for `customer_id` at `timestamp` (Unix seconds)."""
    message = f"{customer_id}:{timestamp}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_customer(secret: str, customer_id: str, timestamp: int, signature: str, *, now: dt.datetime) -> str:
    """The visitor key for a correctly and recently signed customer id; `IdentityRefused` otherwise."""
    expected = sign_customer(secret, customer_id, timestamp)
    if not hmac.compare_digest(expected, signature.strip().lower()):
        raise IdentityRefused("bad_signature", "the customer signature does not match")
    signed_at = dt.datetime.fromtimestamp(timestamp, dt.UTC) if abs(timestamp) < 2**37 else None
    if signed_at is None or now - signed_at > MAX_AGE or signed_at - now > CLOCK_SKEW:
        raise IdentityRefused("stale_signature", "the customer signature has expired; reload the page")
    return CUSTOMER_PREFIX + customer_id


def new_guest_key() -> str:
    return GUEST_PREFIX + secrets.token_urlsafe(16)


def customer_id_of(visitor: str) -> str | None:
    return visitor[len(CUSTOMER_PREFIX):] if visitor.startswith(CUSTOMER_PREFIX) else None


def issue_session(secret: str, visitor: str, *, now: dt.datetime) -> str:
    """A token naming `visitor`, good for `SESSION_TTL`: "<visitor, base64>.<issued>.<mac>"."""
    encoded = base64.urlsafe_b64encode(visitor.encode()).decode().rstrip("=")
    issued = str(int(now.timestamp()))
    return f"{encoded}.{issued}.{_session_mac(secret, encoded, issued)}"


def verify_session(secret: str, token: str, *, now: dt.datetime) -> str:
    """The visitor key a session token names; `IdentityRefused` if it is forged, malformed or expired."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        raise IdentityRefused("bad_session", "the session token is malformed")
    encoded, issued, mac = parts
    if not hmac.compare_digest(_session_mac(secret, encoded, issued), mac):
        raise IdentityRefused("bad_session", "the session token is not ours")
    if now - dt.datetime.fromtimestamp(int(issued), dt.UTC) > SESSION_TTL:
        raise IdentityRefused("expired_session", "the session has expired")
    try:
        return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise IdentityRefused("bad_session", "the session token is malformed") from None


def _session_mac(secret: str, encoded: str, issued: str) -> str:
    message = f"webchat-session:{encoded}:{issued}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
