"""Small formatters shared by every feature."""

from __future__ import annotations


def fmt_points(p: float) -> str:
    """Points as the notice prints them: 5, 2.5, never 5.0."""
    return str(int(p)) if float(p).is_integer() else f"{p:g}"
