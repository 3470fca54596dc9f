"""Files that hold secrets: created mode 0600 (never widened and narrowed after), and libpq password files."""

from __future__ import annotations

import os
from pathlib import Path


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path`, readable by its owner only from the moment it exists (replaced atomically)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _fields(line: str) -> list[str]:
    """The five fields of a password-file line (host:port:database:user:password, `\\` escapes)."""
    fields: list[str] = []
    current: list[str] = []
    escaped = False
    for ch in line:
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ":" and len(fields) < 4:
            fields.append("".join(current))
            current = []
        else:
            current.append(ch)
    fields.append("".join(current))
    return fields


def escape(value: str) -> str:
    """A value as a password-file field."""
    return value.replace("\\", "\\\\").replace(":", "\\:")


def read_passfile(path: Path) -> dict[str, str]:
    """Role → password of a password file's lines whose host, port and database are all `*`."""
    found: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        fields = _fields(line)
        if len(fields) == 5 and fields[:3] == ["*", "*", "*"]:
            found.setdefault(fields[3], fields[4])
    return found


def passfile_text(passwords: dict[str, str]) -> str:
    """A password file giving each role its password on any host, port and database."""
    return "".join(f"*:*:*:{escape(role)}:{escape(pw)}\n" for role, pw in passwords.items())
