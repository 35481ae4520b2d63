"""API keys: created and revoked by an administrator, mapped to one role each, stored hashed.

A key reads ``csk_<key_id>_<secret>``: the key id finds the row, the secret is checked against
a salted SHA-256 kept in the workflow database. The secret is 256 random bits, so a fast hash
is as safe as a slow one here (nothing to guess by brute force) and costs a microsecond per
request instead of scrypt's tens of milliseconds. The secret is shown once, at creation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from credit_scoring.errors import InvalidInput, KeyNotFound
from credit_scoring.workflows.audit import record as audit
from credit_scoring.workflows.database import ApiKey

__all__ = [
    "ROLES",
    "KeyInfo",
    "canonical_token",
    "create_key",
    "key_hash",
    "list_keys",
    "matches",
    "parse_token",
    "revoke_key",
]

# Public needs no key; a key with the public role identifies a caller without adding rights.
ROLES = ("public", "regulator", "reviewer", "analyst", "admin")
_PREFIX = "csk"


@dataclass(frozen=True)
class KeyInfo:
    key_id: str
    name: str
    role: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    salt: str
    secret_sha256: str

    def public(self) -> dict[str, object]:
        """What may be shown: everything but the salt and the hash."""
        return {"key_id": self.key_id, "name": self.name, "role": self.role,
                "created_at": self.created_at, "revoked_at": self.revoked_at}  # fmt: skip


def key_hash(salt: str, secret: str) -> str:
    return hashlib.sha256(f"{salt}:{secret}".encode()).hexdigest()


def parse_token(token: str) -> tuple[str, str] | None:
    """``(key_id, secret)`` of a well-formed token, else None."""
    parts = token.strip().split("_")
    if len(parts) != 3 or parts[0] != _PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def canonical_token(key_id: str, secret: str) -> str:
    """The one spelling of a token :func:`parse_token` reads as ``(key_id, secret)``."""
    return f"{_PREFIX}_{key_id}_{secret}"


def matches(info: KeyInfo, secret: str) -> bool:
    """Whether ``secret`` is this key's, compared in constant time."""
    return hmac.compare_digest(key_hash(info.salt, secret), info.secret_sha256)


def create_key(engine: Engine, *, name: str, role: str, actor: str) -> tuple[KeyInfo, str]:
    """A new key for ``role``; returns its record and the token, which is never stored."""
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}; got {role!r}", field="role")
    # "_" separates the token's parts, so the secret's alphabet leaves it out.
    key_id, secret = secrets.token_hex(4), secrets.token_urlsafe(32).replace("_", "-")
    salt = secrets.token_hex(16)
    row = ApiKey(key_id=key_id, name=name, role=role, salt=salt,
                 secret_sha256=key_hash(salt, secret),
                 created_at=dt.datetime.now(dt.UTC).replace(tzinfo=None))  # fmt: skip
    with Session(engine, expire_on_commit=False) as session:
        session.add(row)
        audit(session, actor=actor, action="key_created", uscc=None, target=f"key:{key_id}",
              after={"name": name, "role": role}, row=row)  # fmt: skip
        session.commit()
    return _info(row), canonical_token(key_id, secret)


def revoke_key(engine: Engine, key_id: str, *, actor: str) -> KeyInfo:
    with Session(engine, expire_on_commit=False) as session:
        row = session.scalars(select(ApiKey).where(ApiKey.key_id == key_id)).first()
        if row is None:
            raise KeyNotFound(f"no API key {key_id!r}")
        if row.revoked_at is None:
            row.revoked_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            audit(
                session,
                actor=actor,
                action="key_revoked",
                uscc=None,
                target=f"key:{key_id}",
                row=row,
            )
            session.commit()
    return _info(row)


def list_keys(engine: Engine, *, active_only: bool = False) -> list[KeyInfo]:
    query = select(ApiKey).order_by(ApiKey.id)
    if active_only:
        query = query.where(ApiKey.revoked_at.is_(None))
    with Session(engine) as session:
        return [_info(row) for row in session.scalars(query)]


def _info(row: ApiKey) -> KeyInfo:
    return KeyInfo(row.key_id, row.name, row.role, row.created_at, row.revoked_at, row.salt,
                   row.secret_sha256)  # fmt: skip
