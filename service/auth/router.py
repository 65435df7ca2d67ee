"""HTTP routes for API keys (admin only) and the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from service.auth import service
from service.auth.guard import Admin, KeyCacheDep
from service.auth.service import Role
from service.database import on_commit
from service.deps import DbSession, KeyId
from service.textguard import RefuseControl

router = APIRouter(prefix="/keys", tags=["keys 密钥"])


class KeyCreate(RefuseControl):
    name: str = Field(min_length=1, max_length=100, description="使用人或用途 / Holder or purpose", examples=["盘州招商局"])
    role: Role = Field(description="角色 viewer/editor/admin / Role", examples=["viewer"])


class KeyRead(BaseModel):
    id: int
    name: str
    role: Role
    prefix: str = Field(description="密钥前缀（便于辨认）/ First characters, to recognise the key")
    created_at: dt.datetime | None
    revoked_at: dt.datetime | None


class KeyCreated(KeyRead):
    secret: str = Field(description="密钥，仅此一次显示 / The key, shown this once only")


class AuditRead(BaseModel):
    id: int
    at: dt.datetime | None
    actor: str
    action: str
    entity: str
    entity_id: str | None
    before: dict[str, object] | None
    after: dict[str, object] | None
    count: int


def _read(row: object) -> KeyRead:
    return KeyRead.model_validate(row, from_attributes=True)


@router.get("", response_model=list[KeyRead], summary="密钥列表 / List keys")
def list_keys(session: DbSession, _: Admin) -> list[KeyRead]:
    return [_read(k) for k in service.list_keys(session=session)]


@router.post("", response_model=KeyCreated, status_code=201, summary="新建密钥 / Create a key")
def create_key(session: DbSession, who: Admin, body: KeyCreate) -> KeyCreated:
    row, secret = service.create_key(session=session, name=body.name, role=body.role)
    service.audit(session=session, actor=who, action="create", entity="api_key", entity_id=row.id,
                  after={"name": row.name, "role": row.role, "prefix": row.prefix})
    return KeyCreated(**_read(row).model_dump(), secret=secret)


@router.delete("/{key_id}", response_model=KeyRead, summary="撤销密钥 / Revoke a key")
def revoke_key(session: DbSession, who: Admin, cache: KeyCacheDep, key_id: KeyId) -> KeyRead:
    row = service.revoke(session=session, key_id=key_id)
    service.audit(session=session, actor=who, action="revoke", entity="api_key", entity_id=key_id)
    # Cleared once the revocation is committed, so no request in this process can cache the key again.
    on_commit(session, cache.clear)
    return _read(row)


audit_router = APIRouter(prefix="/audit", tags=["keys 密钥"])


@audit_router.get("", response_model=list[AuditRead], summary="审计日志 / Audit log")
def audit_log(session: DbSession, _: Admin, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[AuditRead]:
    return [AuditRead.model_validate(e, from_attributes=True) for e in service.recent_audit(session=session, limit=limit)]
