"""Rendering: escaped HTML, split under Telegram's limit without breaking tags."""

from __future__ import annotations

from bot.common.richtext import Doc, Span


def test_html_is_escaped_and_tags_wrap_spans():
    doc = Doc().add(Span("<b>&", bold=True), " x<y")
    assert doc.html_chunks() == ["<b>&lt;b&gt;&amp;</b> x&lt;y"]
    assert doc.plain() == "<b>& x<y"


def test_long_documents_split_at_line_ends_under_the_limit():
    doc = Doc()
    for i in range(500):
        doc.add(Span(f"第{i}行", bold=True), " 内容" * 5)
    chunks = doc.html_chunks(limit=4096)
    assert len(chunks) > 1
    assert all(len(c) <= 4096 for c in chunks)
    assert all(c.count("<b>") == c.count("</b>") for c in chunks)
    assert "".join(chunks).count("<b>") == 500


def test_one_enormous_line_is_cut_safely():
    doc = Doc().add(Span("&" * 20_000, bold=True))
    chunks = doc.html_chunks(limit=4096)
    assert all(len(c) <= 4096 for c in chunks)
    assert sum(c.count("&amp;") for c in chunks) == 20_000
