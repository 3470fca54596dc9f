"""CSV cells that spreadsheet programs will not run as formulas (OWASP "CSV Injection").

A text cell starting with = + - @, a tab or a carriage return is prefixed with a single quote, so a
name such as ``=HYPERLINK(…)`` is shown as text. Numbers are written as they are (a negative number is
data, not a formula).
"""

from __future__ import annotations

from typing import Any

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """`value`, with a leading quote when it is text a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(_TRIGGERS):
        return "'" + value
    return value
