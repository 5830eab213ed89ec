"""Secrets of `formkit serve`: upload-link tokens, the province's password, sessions, CSRF.

Standard library only, so `formkit distribute` and `serve --set-password` need no web
stack. The ledger keeps only hashes: a link's token as SHA-256 (it is 256 random bits,
so a fast hash is enough), the password with scrypt (memory-hard: 64 MiB per guess).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

TOKEN_BYTES = 32
# what secrets.token_urlsafe(32) gives: 43 characters of the URL-safe alphabet
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{43}")
SHA256_RE = re.compile(r"[0-9a-f]{64}")

# scrypt: N=2**16, r=8 -> 128 * r * N = 64 MiB of memory per hash
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**16, 8, 1
_SCRYPT_MAXMEM = 128 * SCRYPT_R * SCRYPT_N + 2**20
MIN_PASSWORD = 8


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time comparison of two secrets (or their hashes)."""
    return hmac.compare_digest(a.encode(), b.encode())


def hash_password(password: str) -> str:
    """`scrypt$N$r$p$salt$hash` (base64): never the password itself."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"),
        salt=salt,
        n=SCRYPT_N,
        r=SCRYPT_R,
        p=SCRYPT_P,
        maxmem=_SCRYPT_MAXMEM,
        dklen=32,
    )
    b64 = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str | None) -> bool:
    if not stored:
        return False
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        want = base64.b64decode(digest)
        got = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=128 * int(r) * int(n) + 2**20,
            dklen=len(want),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, want)


def password_problem(password: str) -> str | None:
    """Why a new password is refused (Chinese), or None."""
    if len(password) < MIN_PASSWORD:
        return f"密码至少 {MIN_PASSWORD} 个字符。"
    if password.strip() != password:
        return "密码首尾不能有空格。"
    return None


def new_secret() -> str:
    return secrets.token_hex(32)


def csrf_token(secret: str, scope: str) -> str:
    """The form token for one scope (a city's link, the province's session, a login page):
    an HMAC of the scope under the server's secret, so no other page can produce it."""
    mac = hmac.new(bytes.fromhex(secret), f"csrf|{scope}".encode(), hashlib.sha256)
    return mac.hexdigest()


def csrf_ok(secret: str, scope: str, given: str | None) -> bool:
    if not given or len(given) != 64:
        return False
    return same(csrf_token(secret, scope), given)
