"""Telegram's HTML parse mode, checked before anything is sent.

A coordinator's notice is written in the HTML Telegram accepts (Bot API, "Formatting
options", HTML style). Telegram answers a message that breaks its rules with BadRequest
("can't parse entities") for every recipient alike, so the rules are checked where the text
is written and the coordinator is told, in Chinese, what is wrong and where:

* tags: ``b``/``strong``, ``i``/``em``, ``u``/``ins``, ``s``/``strike``/``del``,
  ``tg-spoiler`` and ``span class="tg-spoiler"``, ``a href``, ``tg-emoji emoji-id``,
  ``code``, ``pre`` (with ``code class="language-…"`` inside for a language),
  ``blockquote`` (optionally ``expandable``); no other tag, attribute, comment or declaration;
* links only to ``http``, ``https`` and ``tg`` addresses;
* ``&`` starts an entity: ``&lt;`` ``&gt;`` ``&amp;`` ``&quot;`` or a numeric one; a ``<``
  that starts no tag is written ``&lt;``;
* tags closed in the order opened; nothing inside ``code``, ``pre`` (but its one ``code``) or
  ``tg-emoji``; no link inside a link; no quotation inside a quotation (Telegram's nesting
  rules: only bold, italic, underline, strikethrough and spoiler nest freely).

The checker uses the standard library's :class:`html.parser.HTMLParser`; it never changes the
text. :func:`visible_length` counts what Telegram counts against its 4,096 characters.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

from bot.common import texts

# tag -> the attributes it may carry (Telegram ignores none of these rules silently)
ALLOWED_ATTRIBUTES: dict[str, frozenset[str]] = {
    **{tag: frozenset() for tag in ("b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "tg-spoiler", "pre")},
    "span": frozenset({"class"}),
    "a": frozenset({"href"}),
    "tg-emoji": frozenset({"emoji-id"}),
    "code": frozenset({"class"}),
    "blockquote": frozenset({"expandable"}),
}
ALLOWED_TAGS = frozenset(ALLOWED_ATTRIBUTES)
LINK_SCHEMES = frozenset({"http", "https", "tg"})
# Telegram knows these named entities only; any numeric one is fine.
NAMED_ENTITIES = frozenset({"lt", "gt", "amp", "quot"})
_ENTITY = re.compile(r"&(?:(lt|gt|amp|quot);|#([0-9]{1,7});|#[xX]([0-9a-fA-F]{1,6});)")
# Tags whose content is plain text: nothing may be nested in them.
_LEAF = frozenset({"code", "tg-emoji"})
_TAG = re.compile(r"<[^>]+>")


class HtmlProblem(Exception):
    """What is wrong (Chinese) and where: 1-based line and the text around the place."""

    def __init__(self, what: str, line: int, excerpt: str) -> None:
        super().__init__(what)
        self.what, self.line, self.excerpt = what, line, excerpt

    def describe(self, multiline: bool) -> str:
        where = texts.HTML_WHERE_LINE if multiline else texts.HTML_WHERE
        return where.format(line=self.line, excerpt=self.excerpt) + self.what


class _Checker(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=False)
        self.text = text
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.stack: list[tuple[str, int]] = []  # open tags and where each began (index)
        self.emoji_text = ""

    # --- where ----------------------------------------------------------------------

    def _index(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def fail(self, what: str, at: int | None = None) -> None:
        at = self._index() if at is None else at
        line = self.text.count("\n", 0, at) + 1
        start = max(self.text.rfind("\n", 0, at) + 1, at - 12)
        end = self.text.find("\n", at)
        end = min(len(self.text) if end < 0 else end, at + 16)
        excerpt = self.text[start:end]
        if start > 0 and self.text[start - 1] != "\n":
            excerpt = "…" + excerpt
        if end < len(self.text) and self.text[end] != "\n":
            excerpt += "…"
        raise HtmlProblem(what, line, excerpt)

    # --- tags -----------------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raw = self.get_starttag_text() or f"<{tag}>"
        if tag not in ALLOWED_TAGS:
            hint = texts.HTML_HINT_BREAK if tag in ("br", "p", "div") else ""
            self.fail(texts.HTML_UNKNOWN_TAG.format(tag=raw) + hint)
        values = dict(attrs)
        self._check_nesting(tag, raw, "class" in values)
        for name, _ in attrs:
            if name not in ALLOWED_ATTRIBUTES[tag]:
                self.fail(texts.HTML_UNKNOWN_ATTRIBUTE.format(tag=tag, attribute=name))
        if len(values) != len(attrs):
            self.fail(texts.HTML_REPEATED_ATTRIBUTE.format(tag=raw))
        check = getattr(self, f"_check_{tag.replace('-', '_')}", None)
        if check is not None:
            check(raw, values)
        if tag == "tg-emoji":
            self.emoji_text = ""
        self.stack.append((tag, self._index()))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.fail(texts.HTML_SELF_CLOSING.format(tag=self.get_starttag_text() or tag))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1][0] != tag:
            if any(open_tag == tag for open_tag, _ in self.stack):
                self.fail(texts.HTML_CROSSED.format(tag=tag, inner=self.stack[-1][0]))
            self.fail(texts.HTML_UNOPENED.format(tag=tag))
        if tag == "tg-emoji" and not self.emoji_text.strip():
            self.fail(texts.HTML_EMOJI_EMPTY)
        self.stack.pop()

    def _check_nesting(self, tag: str, raw: str, has_class: bool) -> None:
        parent = self.stack[-1][0] if self.stack else None
        if tag == "code" and has_class and parent != "pre":
            self.fail(texts.HTML_LANGUAGE_OUTSIDE_PRE)
        if parent is None:
            return
        if parent in _LEAF or (parent == "pre" and tag != "code"):
            self.fail(texts.HTML_INSIDE_CODE.format(tag=raw, parent=parent))
        opened = {t for t, _ in self.stack}
        if tag == "a" and "a" in opened:
            self.fail(texts.HTML_LINK_IN_LINK)
        if tag == "blockquote" and "blockquote" in opened:
            self.fail(texts.HTML_QUOTE_IN_QUOTE)
        if tag in ("pre", "code", "blockquote") and "a" in opened:
            self.fail(texts.HTML_INSIDE_LINK.format(tag=raw))

    def _check_a(self, raw: str, attrs: dict[str, str | None]) -> None:
        href = (attrs.get("href") or "").strip()
        if not href:
            self.fail(texts.HTML_LINK_NO_HREF)
        scheme = urlsplit(href).scheme.lower()
        if scheme not in LINK_SCHEMES:
            self.fail(texts.HTML_LINK_SCHEME.format(href=href[:60]))

    def _check_span(self, raw: str, attrs: dict[str, str | None]) -> None:
        if attrs.get("class") != "tg-spoiler":
            self.fail(texts.HTML_SPAN_CLASS)

    def _check_tg_emoji(self, raw: str, attrs: dict[str, str | None]) -> None:
        if not re.fullmatch(r"[0-9]{1,20}", attrs.get("emoji-id") or ""):
            self.fail(texts.HTML_EMOJI_ID)

    def _check_code(self, raw: str, attrs: dict[str, str | None]) -> None:
        if "class" in attrs and not re.fullmatch(r"language-[A-Za-z0-9_+#.-]{1,32}", attrs["class"] or ""):
            self.fail(texts.HTML_CODE_CLASS)

    def _check_blockquote(self, raw: str, attrs: dict[str, str | None]) -> None:
        if attrs.get("expandable") not in (None, "", "expandable"):
            self.fail(texts.HTML_EXPANDABLE)

    # --- text -----------------------------------------------------------------------

    def handle_data(self, data: str) -> None:
        start = self._index()
        for mark, what in (("&", texts.HTML_BARE_AMP), ("<", texts.HTML_BARE_LT)):
            i = data.find(mark)
            if i >= 0:
                self.fail(what, start + i)
        if self.stack and self.stack[-1][0] == "tg-emoji":
            self.emoji_text += data

    def handle_entityref(self, name: str) -> None:
        self._entity()

    def handle_charref(self, name: str) -> None:
        self._entity()

    def _entity(self) -> None:
        at = self._index()
        match = _ENTITY.match(self.text, at)
        if match is None:
            named = re.match(r"&#?[A-Za-z0-9]{1,32};", self.text[at:])
            self.fail(texts.HTML_BAD_ENTITY.format(entity=named.group(0)) if named else texts.HTML_BARE_AMP, at)
        number = match.group(2) or match.group(3)
        if number is not None:
            code = int(number, 16 if match.group(3) else 10)
            if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                self.fail(texts.HTML_BAD_ENTITY.format(entity=match.group(0)), at)
        if self.stack and self.stack[-1][0] == "tg-emoji":
            self.emoji_text += "x"

    def handle_comment(self, data: str) -> None:
        self.fail(texts.HTML_COMMENT)

    def handle_decl(self, decl: str) -> None:
        self.fail(texts.HTML_COMMENT)

    def handle_pi(self, data: str) -> None:
        self.fail(texts.HTML_COMMENT)

    def unknown_decl(self, data: str) -> None:
        self.fail(texts.HTML_COMMENT)

    def finish(self) -> None:
        self.close()
        if self.stack:
            tag, at = self.stack[-1]
            self.fail(texts.HTML_UNCLOSED.format(tag=tag), at)


def html_problem(text: str) -> str | None:
    """Why Telegram would refuse ``text`` in its HTML parse mode, in Chinese, with the place
    (line and the words around it); None when it would accept it."""
    checker = _Checker(text)
    try:
        checker.feed(text)
        checker.finish()
    except HtmlProblem as problem:
        return problem.describe("\n" in text.strip())
    return None


def plain_text(text: str) -> str:
    """The text a reader sees: tags removed, entities decoded."""
    return html.unescape(_TAG.sub("", text))


def visible_length(text: str) -> int:
    """Length of the text as Telegram counts it: after tags are removed and entities decoded."""
    return len(plain_text(text))
