"""Load the SQL kept as files under sql/, and quote the identifiers composed into it."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"

# Daoan's own names: lower-case snake_case, at most PostgreSQL's 63 bytes. Anything else (quotes, dots,
# capitals, spaces) is refused rather than escaped: identifiers come from the catalogue and the models,
# never from a request, so a stranger name is a bug to surface.
_PLAIN_IDENT = re.compile(r"[a-z_][a-z0-9_]{0,62}")


@cache
def load_sql(relative_path: str) -> str:
    """Text of sql/<relative_path> without its comment lines, read once per process.

    Comment lines go because the driver substitutes bound parameters wherever their markers stand,
    comments included: a value with a newline composed into a `--` comment would end the comment and
    run as SQL. The files' comments document placeholders by name, so they must never reach the server.
    """
    text = (SQL_DIR / relative_path).read_text(encoding="utf-8")
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--")) + "\n"


def quote_ident(name: str) -> str:
    """`name` double-quoted for SQL; ValueError unless it is a plain lower-case snake_case identifier."""
    if not _PLAIN_IDENT.fullmatch(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return f'"{name}"'


@cache
def load_table_sql(relative_path: str, table: str) -> str:
    """Text of sql/<relative_path> with its `{table}` placeholder replaced by the quoted `table`."""
    return load_sql(relative_path).replace("{table}", quote_ident(table))
