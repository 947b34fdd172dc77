"""What a stored JSON value may contain: PostgreSQL's jsonb refuses NUL characters and
NaN (which Python's json module accepts), and a value nested thousands deep is an attack
on the parser, not metadata."""

from __future__ import annotations

import math

MAX_DEPTH = 32


def check_json_value(value: object, *, depth: int = 0) -> None:
    """Raise ValueError, with a message for the editor, if `value` cannot be stored."""
    if depth > MAX_DEPTH:
        raise ValueError(f"Nested more than {MAX_DEPTH} levels deep.")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("Numbers must be finite (NaN and Infinity are not JSON).")
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("Text must not contain NUL (\\u0000) characters.")
    elif isinstance(value, dict):
        for key, inner in value.items():
            check_json_value(key, depth=depth + 1)
            check_json_value(inner, depth=depth + 1)
    elif isinstance(value, list):
        for inner in value:
            check_json_value(inner, depth=depth + 1)
