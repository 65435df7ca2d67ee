"""FastAPI dependencies as Annotated aliases."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from service.config import Settings
from service.database import unit_of_work


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    """One session per request: commit when the handler succeeds, roll back when it raises."""
    with unit_of_work(request.app.state.session_factory) as session:
        yield session


# scope="function": the session commits when the route function returns, before the response is sent, so a
# client that reads what it has just written (a new key, park or feedback) always finds it, and a failed
# commit is answered as an error instead of after a 201.
DbSession = Annotated[Session, Depends(get_session, scope="function")]
AppSettings = Annotated[Settings, Depends(get_settings_dep)]


# Ids are 32-bit integers in PostgreSQL; a larger number is a client error, not a database error.
MAX_ID = 2_147_483_647
FirmId = Annotated[int, Path(ge=1, le=MAX_ID, description="企业编号 / Firm id", examples=[17])]
ParkId = Annotated[int, Path(ge=1, le=MAX_ID, description="园区编号 / Park id", examples=[3])]
DestinationId = Annotated[int, Path(ge=1, le=MAX_ID, description="目的地编号 / Destination id", examples=[3])]
KeyId = Annotated[int, Path(ge=1, le=MAX_ID, description="密钥编号 / Key id", examples=[2])]
