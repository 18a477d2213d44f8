#!/usr/bin/env python3
"""Verify a signed gatewayd webhook request (inbox or alert webhook with `secret:` set). See README, "Signed webhooks".

As a library:  verify(secret, body, timestamp_header, signature_header) -> bool
As a command:  verify_webhook.py SECRET TIMESTAMP SIGNATURE < body   (exit 0: genuine; 1: rejected, reason on stderr)
"""
import hashlib
import hmac
import sys
import time


def verify(secret: bytes, body: bytes, timestamp: str, signature: str, now: float | None = None) -> bool:
    """True when `body` was signed by gatewayd with `secret` less than five minutes ago."""
    now = time.time() if now is None else now
    if not timestamp.isdigit() or abs(now - int(timestamp)) > 300:
        return False  # stale: a replay, or a clock far off
    base = b"v0:" + timestamp.encode() + b":" + body  # the raw body, exactly as received
    expected = "v0=" + hmac.new(secret, base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)  # constant time


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: verify_webhook.py SECRET TIMESTAMP SIGNATURE < body")
    secret, timestamp, signature = sys.argv[1].encode(), sys.argv[2], sys.argv[3]
    if not verify(secret, sys.stdin.buffer.read(), timestamp, signature):
        sys.exit("rejected: stale timestamp or bad signature")
