"""Small formatters shared by every feature."""

from __future__ import annotations

import datetime as dt
import re
from datetime import tzinfo


def fmt_points(p: float) -> str:
    """Points as the notice prints them: 5, 2.5, never 5.0."""
    return str(int(p)) if float(p).is_integer() else f"{p:g}"


def fmt_local(at: dt.datetime | None, tz: tzinfo) -> str:
    """A moment as the bot says it, in the campaign's time zone: 2020年8月3日 09:00 (— for none)."""
    if at is None:
        return "—"
    local = at.astimezone(tz)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def fmt_date(day: dt.date) -> str:
    """A date as the bot says it: 2026年12月31日."""
    return f"{day.year}年{day.month}月{day.day}日"


ELLIPSIS = "…"


def clip(text: str | None, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending with … when it was cut."""
    text = text or ""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)].rstrip() + ELLIPSIS


_MARK_THEN_STOP = re.compile(r"([！？])[。；，]+")
_STOPS = re.compile(r"[。；，]{2,}")


def tidy(text: str) -> str:
    """No doubled punctuation where a sentence meets the next: 。。 → 。, 。； → ；, ！。 → ！."""
    return _STOPS.sub(lambda m: m.group(0)[-1], _MARK_THEN_STOP.sub(r"\1", text))
