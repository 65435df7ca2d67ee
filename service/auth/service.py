"""Create, check and revoke API keys; record writes in the audit log."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.auth.models import ApiKey, AuditEntry
from service.errors import NotFound, ServiceError

KEY_PREFIX = "pm_"
# A key reads pm_<lookup>_<secret>: the lookup part (8 hex digits) is random but not secret, so it is what the
# database keeps and what a list of keys shows; the secret part is only ever kept as the hash of the whole key.
LOOKUP_HEX = 8
NEW_KEY = re.compile(rf"^{KEY_PREFIX}([0-9a-f]{{{LOOKUP_HEX}}})_[A-Za-z0-9_-]{{43}}$")
# Keys made before that form (pm_ and 43 random characters) keep working by their hash. They used to keep
# their first 10 characters, 7 of them secret; migration 0011 replaced those with this label.
LEGACY_KEY = re.compile(rf"^{KEY_PREFIX}[A-Za-z0-9_-]{{43}}$")
LEGACY_PREFIX = "legacy"


class Role(StrEnum):
    viewer = "viewer"  # read, rank, briefs
    editor = "editor"  # also writes, imports, feedback
    admin = "admin"  # also manages keys


RANK = {Role.viewer: 0, Role.editor: 1, Role.admin: 2}
ROLE_ZH = {Role.viewer: "查看者", Role.editor: "编辑者", Role.admin: "管理员"}


class Unauthorized(ServiceError):
    status_code = 401
    code = "unauthorized"


class Forbidden(ServiceError):
    status_code = 403
    code = "forbidden"


class TooManyAttempts(ServiceError):
    status_code = 429
    code = "too_many_attempts"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's id, name and role."""

    key_id: int
    name: str
    role: Role

    def allows(self, needed: Role) -> bool:
        return RANK[self.role] >= RANK[needed]


def hash_key(secret: str) -> str:
    """Hash a key for storage; keys are long random strings, so one SHA-256 round suffices."""
    return hashlib.sha256(secret.encode()).hexdigest()


def key_prefix(secret: str) -> str | None:
    """The non-secret lookup part of a key (`pm_<lookup>`), "" for a key of the older form, None for a string
    that no key could be."""
    if (found := NEW_KEY.match(secret)) is not None:
        return KEY_PREFIX + found.group(1)
    return "" if LEGACY_KEY.match(secret) else None


def create_key(*, session: Session, name: str, role: Role) -> tuple[ApiKey, str]:
    """Make a new key; return the row and the key, which is shown once: only its lookup part and hash are kept."""
    lookup = secrets.token_hex(LOOKUP_HEX // 2)
    secret = f"{KEY_PREFIX}{lookup}_{secrets.token_urlsafe(32)}"
    row = ApiKey(name=name, role=role.value, prefix=KEY_PREFIX + lookup, key_hash=hash_key(secret))
    session.add(row)
    session.flush()
    return row, secret


def authenticate(*, session: Session, secret: str) -> Principal | None:
    """Return the principal for a live key, or None."""
    if key_prefix(secret) is None:
        return None
    return principal_for_hash(session=session, key_hash=hash_key(secret))


def principal_for_hash(*, session: Session, key_hash: str) -> Principal | None:
    """Return the principal for the live key with this hash, or None."""
    row = session.scalar(select(ApiKey).where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None)))
    if row is None:
        return None
    return Principal(key_id=row.id, name=row.name, role=Role(row.role))


def list_keys(*, session: Session) -> Sequence[ApiKey]:
    """Every key, newest first; secrets are never listed."""
    return session.scalars(select(ApiKey).order_by(ApiKey.id.desc())).all()


def revoke(*, session: Session, key_id: int) -> ApiKey:
    """Revoke a key; later requests with it get 401."""
    row = session.get(ApiKey, key_id)
    if row is None:
        raise NotFound(f"密钥 {key_id} 不存在 / key {key_id} not found")
    if row.revoked_at is None:
        row.revoked_at = dt.datetime.now(dt.UTC)
    session.flush()
    return row


def audit(
    *, session: Session, actor: Principal | None, action: str, entity: str, entity_id: str | int | None = None,
    before: dict[str, Any] | None = None, after: dict[str, Any] | None = None, note: str | None = None, count: int = 1,
) -> None:
    """Record one write: who, what, when, before and after."""
    session.add(AuditEntry(
        key_id=actor.key_id if actor else None, actor=actor.name if actor else "cli", action=action, entity=entity,
        entity_id=None if entity_id is None else str(entity_id), before=before, after=after, note=note, count=count,
    ))


def recent_audit(*, session: Session, limit: int = 100) -> Sequence[AuditEntry]:
    return session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)).all()


def list_audit(
    *, session: Session, actor: str | None = None, action: str | None = None, entity: str | None = None,
    since: dt.datetime | None = None, until: dt.datetime | None = None, limit: int = 200,
) -> Sequence[AuditEntry]:
    """Audit entries, newest first, filtered by actor (part of the name), action, entity and time range."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if actor:
        query = query.where(AuditEntry.actor.contains(actor, autoescape=True))
    if action:
        query = query.where(AuditEntry.action == action)
    if entity:
        query = query.where(AuditEntry.entity == entity)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if until is not None:
        query = query.where(AuditEntry.at < until)
    return session.scalars(query.limit(limit)).all()


def audit_choices(*, session: Session) -> tuple[list[str], list[str]]:
    """The actions and entities the audit log holds, for filter menus."""
    actions = sorted(session.scalars(select(AuditEntry.action).distinct()))
    entities = sorted(session.scalars(select(AuditEntry.entity).distinct()))
    return actions, entities
