"""English questions, read through the bilingual glossary kept in ``rubric_data/glossary.yaml``.

Every glossary phrase found in the question (longest first, plural -s and -es too) is replaced
by its Chinese term; numbers and symbols stay. The engine then reads the Chinese text as it
reads any question, and the answer names the English words it matched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.common.rubric import Glossary

_YESNO = re.compile(r"\s*(?:is|are|was|were|can|could|may|must|should|do|does|did|will|would|has|have|shall)\b")
_LATIN = re.compile(r"[A-Za-z]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_WORD = re.compile(r"[a-z][a-z'\-]*")


_MONTHS = {
    m: i
    for i, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
         ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
         ("december", "dec")],
        1,
    )
    for m in names
}
_EN_DATE = re.compile(
    r"\b(?:(" + "|".join(_MONTHS) + r")\.?\s+(\d{1,2})(?:st|nd|rd|th)?|(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?("
    + "|".join(_MONTHS) + r"))\b(?:,?\s*(\d{4}))?"
)


def _dates_to_chinese(text: str) -> str:
    """August 12 / 12 August (2026) -> 8月12日 (2026年8月12日), which the date slot reads."""

    def repl(m: re.Match[str]) -> str:
        month = _MONTHS[m.group(1) or m.group(4)]
        day = m.group(2) or m.group(3)
        year = f"{m.group(5)}年" if m.group(5) else ""
        return f" {year}{month}月{day}日 "

    return _EN_DATE.sub(repl, text)


@dataclass(frozen=True)
class Reading:
    """An English question as the engine reads it."""

    text: str  # Chinese terms, numbers and symbols
    matched: tuple[tuple[str, str], ...]  # (English as typed, Chinese term)
    coverage: float  # share of the question's English content words the glossary knows


class English:
    """Translate English questions word by phrase with the glossary."""

    def __init__(self, glossary: Glossary, function_terms: set[str] | frozenset[str] = frozenset()) -> None:
        self.terms = glossary.terms
        self.stop = {w.lower() for w in glossary.stop_words}
        # Chinese terms that only say what kind of thing is asked (什么时候, 多少): matching them
        # does not make a question about the notice.
        self.function_terms = set(function_terms)
        alternatives = sorted(self.terms, key=len, reverse=True)
        # A phrase matches whole words, optionally with a plural ending.
        self._pattern = (
            re.compile(r"(?<![a-z])(" + "|".join(re.escape(t) for t in alternatives) + r")(?:e?s)?(?![a-z])")
            if alternatives
            else None
        )

    @staticmethod
    def is_english(text: str) -> bool:
        """Mostly Latin letters and no Chinese: 'When is the report due?' but not '政府 task 1'."""
        return len(_LATIN.findall(text)) >= 3 and not _CJK.search(text)

    def read(self, text: str) -> Reading:
        lowered = _dates_to_chinese(text.lower().replace("’", "'"))
        matched: list[tuple[str, str]] = []
        out: list[str] = []
        covered = 0
        pos = 0
        if self._pattern is not None:
            for m in self._pattern.finditer(lowered):
                out.append(self._rest(lowered[pos : m.start()]))
                zh = self.terms[m.group(1)]
                out.append(zh)
                matched.append((text[m.start() : m.end()], zh))
                if zh not in self.function_terms:
                    covered += len([w for w in _WORD.findall(m.group(0)) if w not in self.stop]) or 1
                pos = m.end()
        out.append(self._rest(lowered[pos:]))
        total = covered + self._uncovered(lowered)
        coverage = covered / total if total else 0.0
        chinese = re.sub(r"\s+", " ", "".join(out)).strip()
        if _YESNO.match(lowered):
            chinese += "吗"  # "Is it due on …?" is a yes/no question, as 是…吗 is
        return Reading(chinese, tuple(matched), coverage)

    def _rest(self, chunk: str) -> str:
        """What is left between glossary phrases: numbers and symbols only (stop words go)."""
        kept = re.findall(r"(?:\d{4}年)?\d{1,2}月\d{1,2}日|\d+(?:\.\d+)?\s*%?|#\d+|no\.\s*\d+", chunk)
        return f" {' '.join(kept)} " if kept else ""

    def _uncovered(self, lowered: str) -> int:
        """How many content words no glossary phrase covers."""
        rest = self._pattern.sub(" ", lowered) if self._pattern is not None else lowered
        return sum(1 for w in _WORD.findall(rest) if w not in self.stop and len(w) > 1)
