"""GeoAlchemy2/SQLAlchemy models of the coverage tables that sql/migrations/010_coverage.sql creates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, SmallInteger, Text
from sqlalchemy.dialects.postgresql import JSONB, TIMESTAMP
from sqlalchemy.orm import Mapped, mapped_column

from gis.models import Base


class CoverageStandardSet(Base):
    """The standard set in force: name, version, measuring parameters, provenance."""

    __tablename__ = "coverage_standard_sets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    version: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONB)
    file_sha256: Mapped[str] = mapped_column(Text)
    loaded_by: Mapped[str] = mapped_column(Text)
    loaded_at: Mapped[datetime] = mapped_column(TIMESTAMP(timezone=True))


class CoverageStandard(Base):
    """One target: year, road group, metric, the level it is set for, and its value."""

    __tablename__ = "coverage_standards"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    set_id: Mapped[int] = mapped_column(Integer, ForeignKey("coverage_standard_sets.id", ondelete="CASCADE"))
    year: Mapped[int] = mapped_column(SmallInteger)
    roads: Mapped[str] = mapped_column(Text)
    metric: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text)
    value: Mapped[float] = mapped_column(Float)
    carried_from: Mapped[int | None] = mapped_column(SmallInteger)
    seed: Mapped[str] = mapped_column(Text)
