"""Tables of precomputed top lists: one row per batch run, its firms' top destinations and destinations' top firms."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Float, ForeignKey, Index, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from service.database import Base, UtcDateTime


class BatchRun(Base):
    """One `parkmatch batch score` run: what it scored, and the change-log position its data was read at."""

    __tablename__ = "batch_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    mode: Mapped[str] = mapped_column(String(32))
    engine: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(32))  # "database" or "synthetic"
    firms: Mapped[int] = mapped_column(Integer)
    destinations: Mapped[int] = mapped_column(Integer)
    top_n: Mapped[int] = mapped_column(Integer)
    # Changes logged after this id are newer than the run: such a firm or destination is scored live.
    change_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), server_default=func.now())


class FirmTop(Base):
    """A firm's n-th best destination in a run."""

    __tablename__ = "batch_firm_top"
    __table_args__ = (Index("ix_batch_firm_top_firm", "run_id", "firm_id"),)

    run_id: Mapped[int] = mapped_column(ForeignKey("batch_runs.id", ondelete="CASCADE"), primary_key=True)
    firm_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rank: Mapped[int] = mapped_column(Integer, primary_key=True)
    destination_id: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)


class DestinationTop(Base):
    """A destination's n-th best firm in a run."""

    __tablename__ = "batch_destination_top"

    run_id: Mapped[int] = mapped_column(ForeignKey("batch_runs.id", ondelete="CASCADE"), primary_key=True)
    destination_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rank: Mapped[int] = mapped_column(Integer, primary_key=True)
    firm_id: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
