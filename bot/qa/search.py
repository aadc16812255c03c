"""Keyword search over the whole notice: jieba tokens plus character bigrams, BM25-weighted.

Each task and each item of the notice is a document with weighted fields (a task's short title
and keywords count most, then its text, criteria and units; its duty least). Scores for every
(term, document) pair are precomputed, so answering a question is a handful of dictionary look-ups.

jieba's full dictionary takes about a second to load. Only the words that occur in the
rubric (plus the lexicon) can ever match, so the tokenizer runs on a small dictionary cut
from jieba's own, with jieba's frequencies, cached on disk per rubric version.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import re
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import jieba

from bot.common.rubric import Lexicon
from bot.qa.query import clean

logger = logging.getLogger(__name__)
jieba.setLogLevel(logging.WARNING)

FIELD_WEIGHTS = {
    "title": 3.0,
    "keywords": 3.0,
    "text": 2.0,
    "criteria": 1.0,
    "units": 1.0,
    "check": 0.5,
    "duty": 0.3,
}
BIGRAM_WEIGHT = 0.35
EXPANSION_WEIGHT = 0.5  # a synonym the user did not type counts half
K1, B = 1.2, 0.5
DOMAIN_WORD_FREQ = 50_000  # high enough that jieba keeps domain terms whole
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_WORDISH = re.compile(r"[\u4e00-\u9fffA-Za-z0-9%]")


@dataclass(frozen=True)
class Hit:
    """One task found for a question, with its score."""

    table: str
    no: int
    score: float


def _cache_dir() -> Path:
    base = os.environ.get("DUCHA_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "ducha"
    )
    return Path(base)


def _domain_dictionary(corpus: str, domain_words: set[str]) -> Path:
    """A jieba dictionary holding only the words that occur in ``corpus`` or the lexicon."""
    digest = hashlib.sha256(
        (jieba.__version__ + corpus + "\n".join(sorted(domain_words))).encode()
    ).hexdigest()[:16]
    path = _cache_dir() / f"jieba-dict-{digest}.txt"
    if path.exists():
        return path
    substrings = {corpus[i : i + n] for n in range(2, 9) for i in range(len(corpus) - n + 1)}
    lines = []
    with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as fh:
        for line in fh:
            word = line.split(" ", 1)[0]
            if word in substrings and word not in domain_words:
                lines.append(line.rstrip("\n"))
    lines.extend(f"{w} {DOMAIN_WORD_FREQ}" for w in sorted(domain_words) if " " not in w)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written to a temporary file and renamed, so two processes starting at once never
    # read half a dictionary.
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False) as tmp:
        tmp.write("\n".join(lines) + "\n")
    os.replace(tmp.name, path)
    return path


class Tokenizer:
    """jieba on the domain dictionary, with stop words removed and synonyms expanded."""

    def __init__(self, lexicon: Lexicon, corpus: str) -> None:
        self.stop_words = {clean(w).lower() for w in lexicon.stop_words}
        # colloquial form -> canonical terms it stands for
        self.expansions: dict[str, list[str]] = defaultdict(list)
        for canonical, forms in lexicon.synonyms.items():
            for form in forms:
                self.expansions[clean(form).lower()].append(clean(canonical).lower())
        domain = {clean(w).lower() for w in lexicon.user_words}
        domain |= {clean(c).lower() for c in lexicon.synonyms}
        domain |= set(self.expansions)
        # Cue words (什么时候, 几项, 交给谁) are kept whole, so they never split into content words.
        domain |= {clean(w).lower() for words in lexicon.cues.values() for w in words}
        self._jieba = jieba.Tokenizer(dictionary=str(_domain_dictionary(corpus.lower(), domain)))
        self._jieba.tmp_dir = str(_cache_dir())
        self._jieba.initialize()
        self._forms = sorted(self.expansions, key=len, reverse=True)

    def words(self, text: str) -> list[str]:
        """Content words of ``text``: jieba search-mode tokens minus stop words and punctuation."""
        text = clean(text).lower()
        out = []
        for token in self._jieba.cut_for_search(text, HMM=True):
            token = token.strip()
            if len(token) < 2 or token.isdigit():
                continue
            if token in self.stop_words or not _WORDISH.search(token):
                continue
            out.append(token)
        return out

    def expand_at(self, text: str) -> list[tuple[str, int]]:
        """Canonical terms with where their colloquial form ends in ``text`` (具体人 → 责任人)."""
        text = clean(text).lower()
        out: list[tuple[str, int]] = []
        for form in self._forms:
            at = text.rfind(form)
            if at >= 0:
                for canonical in self.expansions[form]:
                    out.extend((t, at + len(form)) for t in (self.words(canonical) or [canonical]))
        return out

    def expand(self, text: str) -> list[str]:
        """Canonical terms for the colloquial forms found in ``text`` (红头文件 → 规范性文件)."""
        text = clean(text).lower()
        terms: list[str] = []
        for form in self._forms:
            if form in text:
                for canonical in self.expansions[form]:
                    terms.extend(self.words(canonical) or [canonical])
        return terms


def bigrams(text: str) -> list[str]:
    """Character bigrams of the Chinese runs: they match where segmentation disagrees."""
    out = []
    for run in _CJK_RUN.findall(text):
        out.extend("§" + run[i : i + 2] for i in range(len(run) - 1))
    return out


@dataclass(frozen=True)
class Entry:
    """One document of the index: a task of a table, or an item of the notice."""

    group: str  # "task" or "item": length norms are per group, term weights global
    fields: dict[str, str]
    table: str | None = None
    no: int | None = None
    item: object | None = None  # bot.qa.notice.Item


def task_fields(table, task) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {
        "title": task.title,
        "keywords": " ".join(task.keywords),
        "text": task.text,
        "criteria": " ".join(c.text for c in task.criteria),
        "units": " ".join(task.units),
        "check": task.check_method,
        "duty": table.duty(task.duty).text,
    }


ITEM_FIELD_WEIGHTS = {"name": 3.0, "keywords": 3.0, "text": 1.5}


class Index:
    """BM25F-style index over every task and every item of the notice, with precomputed weights.

    Tasks weigh their title and keywords most, then text, criteria and units; notice items
    weigh their name and keywords most, then their text. Term rarity is counted over all
    documents together, so a word every phase uses says little about which phase is meant.
    """

    def __init__(self, entries: list[Entry], tokenizer: Tokenizer) -> None:
        self.tokenizer = tokenizer
        self.entries = entries
        weighted: list[Counter[str]] = []
        for entry in entries:
            weights = FIELD_WEIGHTS if entry.group == "task" else ITEM_FIELD_WEIGHTS
            tf: Counter[str] = Counter()
            for name, value in entry.fields.items():
                w = weights[name]
                for term in tokenizer.words(value):
                    tf[term] += w
                for term in bigrams(clean(value).lower()):
                    tf[term] += w
            weighted.append(tf)
        lengths = [sum(tf.values()) for tf in weighted]
        avg: dict[str, float] = {}
        for group in {e.group for e in entries}:
            ls = [n for n, e in zip(lengths, entries) if e.group == group]
            avg[group] = max(1.0, sum(ls) / len(ls))
        n = len(weighted)
        df: Counter[str] = Counter()
        for tf in weighted:
            df.update(tf.keys())
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, tf in enumerate(weighted):
            norm = K1 * (1 - B + B * lengths[i] / avg[entries[i].group])
            for term, freq in tf.items():
                idf = math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))
                weight = idf * freq * (K1 + 1) / (freq + norm)
                if term.startswith("§"):
                    weight *= BIGRAM_WEIGHT
                self.postings[term].append((i, weight))
        self.tasks = {(e.table, e.no): i for i, e in enumerate(entries) if e.group == "task"}

    def query_terms(self, text: str) -> dict[str, float]:
        """Terms to look up with their weights: the user's own words count more than expansions."""
        words = self.tokenizer.words(text)
        terms = {t: EXPANSION_WEIGHT for t in self.tokenizer.expand(text)}
        terms.update((t, 1.0) for t in words + bigrams(" ".join(words)))
        return terms

    def scores(self, terms: dict[str, float]) -> dict[int, float]:
        """Score of every document any term occurs in."""
        out: dict[int, float] = defaultdict(float)
        for term, factor in terms.items():
            for doc, weight in self.postings.get(term, ()):
                out[doc] += weight * factor
        return out

    def coverage(self, text: str, ignore: set[str] | frozenset[str] = frozenset()) -> float:
        """Share of the question's own words (cue words aside) that occur anywhere in the index."""
        words = set(self.tokenizer.words(text)) - ignore
        if not words:
            return 0.0
        known = sum(1 for w in words if w in self.postings or any(t in self.postings for t in self.tokenizer.expand(w)))
        return known / len(words)

    def task_hits(self, scores: dict[int, float], table: str | None = None, only: set[tuple[str, int]] | None = None) -> list[Hit]:
        """Tasks best first, optionally within one table or a set of tasks."""
        hits = []
        for i, s in scores.items():
            e = self.entries[i]
            if e.group != "task" or s <= 0 or (table is not None and e.table != table):
                continue
            if only is not None and (e.table, e.no) not in only:
                continue
            hits.append(Hit(e.table, e.no, s))  # type: ignore[arg-type]
        hits.sort(key=lambda h: (-h.score, self.tasks[(h.table, h.no)]))
        return hits

    def search(self, text: str, table: str | None = None, limit: int = 5) -> list[Hit]:
        """Tasks matching ``text`` best first, optionally within one table."""
        return self.task_hits(self.scores(self.query_terms(text)), table)[:limit]
