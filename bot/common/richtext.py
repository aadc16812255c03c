"""A tiny rich-text document the core produces and each shell renders its own way.

The core never writes HTML: it builds lines of spans, and the Telegram shell renders them
as escaped HTML split under the message limit, the terminal as plain text. So no answer
can ever carry broken markup, whatever the user typed.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from bot.common.format import tidy

TELEGRAM_LIMIT = 4096


@dataclass(frozen=True)
class Span:
    text: str
    bold: bool = False
    italic: bool = False
    # ``text`` is Telegram HTML already checked (a coordinator's notice): shown as recipients see it
    markup: bool = False

    def html(self) -> str:
        # Spans are immutable and the static ones (a question's card) are shared between
        # messages, so each renders once; the cache sits outside the compared fields.
        out = self.__dict__.get("_html")
        if out is None:
            out = self.text if self.markup else html.escape(self.text, quote=False)
            if self.italic:
                out = f"<i>{out}</i>"
            if self.bold:
                out = f"<b>{out}</b>"
            self.__dict__["_html"] = out
        return out

    def plain(self) -> str:
        """The text as a reader sees it, without markup."""
        return html.unescape(_TAG.sub("", self.text)) if self.markup else self.text


_TAG = re.compile(r"<[^>]+>")
Line = tuple[Span, ...]


@dataclass
class Doc:
    """Lines of spans; an empty line is a paragraph break."""

    lines: list[Line] = field(default_factory=list)

    def add(self, *parts: str | Span) -> Doc:
        """A line of spans; where a sentence meets the next, doubled punctuation is removed
        (意见：请补充。 + 。 → 意见：请补充。)."""
        line = []
        for p in parts:
            span = p if isinstance(p, Span) else Span(p)
            if not span.markup:
                text = tidy(span.text)
                if text != span.text:  # a new span only when it changes: shared spans keep their cache
                    span = Span(text, span.bold, span.italic)
            line.append(span)
        self.lines.append(tuple(line))
        return self

    def bold(self, text: str) -> Doc:
        return self.add(Span(text, bold=True))

    def blank(self) -> Doc:
        if self.lines and self.lines[-1]:
            self.lines.append(())
        return self

    def extend(self, other: Doc) -> Doc:
        self.lines.extend(other.lines)
        return self

    def plain(self) -> str:
        return "\n".join("".join(s.plain() for s in line) for line in self.lines).strip("\n")

    def html_chunks(self, limit: int = TELEGRAM_LIMIT) -> list[str]:
        """Render as Telegram HTML, split at line ends into messages no longer than ``limit``.

        Every chunk is well-formed on its own: tags never cross a line, and a line too long
        for one message is cut between characters of its plain text, before escaping.
        """
        chunks: list[str] = []
        current: list[str] = []
        size = 0
        for line in self.lines:
            for piece in _split_line(line, limit):
                extra = len(piece) + (1 if current else 0)
                if current and size + extra > limit:
                    chunks.append("\n".join(current))
                    current, size = [], 0
                    extra = len(piece)
                current.append(piece)
                size += extra
        if current:
            chunks.append("\n".join(current))
        return [c.strip("\n") for c in chunks if c.strip()] or [""]


def _split_line(line: Line, limit: int) -> list[str]:
    rendered = "".join(s.html() for s in line)
    if len(rendered) <= limit:
        return [rendered]
    # Rare: one enormous line. Cut each span's text so every piece renders within limit;
    # escaping can grow a character to 5 (&amp;), and tags add at most 15 more.
    budget = max(1, (limit - 16) // 5)
    pieces: list[str] = []
    for span in line:
        if span.markup:  # checked notice HTML: never cut inside a tag
            pieces.append(span.text)
            continue
        for start in range(0, len(span.text), budget):
            pieces.append(Span(span.text[start : start + budget], span.bold, span.italic).html())
    return pieces
