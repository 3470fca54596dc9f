"""GeoAlchemy2/SQLAlchemy models of the coverage tables (sql/migrations/010_coverage.sql, 012_coverage_gaps.sql)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, Integer, SmallInteger, Text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TIMESTAMP
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


class CoverageGap(Base):
    """A stored camera spacing gap of one standard year (sql/migrations/012_coverage_gaps.sql)."""

    __tablename__ = "coverage_gaps"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(Text)
    year: Mapped[int] = mapped_column(SmallInteger)
    newest_year: Mapped[bool] = mapped_column(Boolean)
    route_code: Mapped[str] = mapped_column(Text)
    roads: Mapped[str] = mapped_column(Text)
    direction: Mapped[str] = mapped_column(Text)
    from_stake: Mapped[str] = mapped_column(Text)
    to_stake: Mapped[str] = mapped_column(Text)
    from_stake_m: Mapped[float] = mapped_column(Float)
    to_stake_m: Mapped[float] = mapped_column(Float)
    length_m: Mapped[float] = mapped_column(Float)
    spacing_m: Mapped[float] = mapped_column(Float)
    cameras_needed: Mapped[int] = mapped_column(Integer)
    county_adcode: Mapped[str | None] = mapped_column(Text)
    city_adcode: Mapped[str | None] = mapped_column(Text)
    geom = mapped_column(Geometry("MULTILINESTRING", srid=4326, spatial_index=False), nullable=False)
    geom_3857 = mapped_column(Geometry("MULTILINESTRING", srid=3857, spatial_index=False), nullable=True)


class CoverageGapState(Base):
    """What the stored gaps were computed from (one row)."""

    __tablename__ = "coverage_gap_state"
    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    sources: Mapped[dict[str, Any]] = mapped_column(JSONB)
    gaps_version: Mapped[int] = mapped_column(BigInteger)
    years: Mapped[list[int]] = mapped_column(ARRAY(SmallInteger))
    computed_at: Mapped[datetime] = mapped_column(TIMESTAMP(timezone=True))
    duration_ms: Mapped[float] = mapped_column(Float)
