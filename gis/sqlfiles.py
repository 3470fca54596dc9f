"""Load the SQL kept as files under sql/."""

from __future__ import annotations

from functools import cache
from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"


@cache
def load_sql(relative_path: str) -> str:
    """Text of sql/<relative_path>, read once per process."""
    return (SQL_DIR / relative_path).read_text(encoding="utf-8")
