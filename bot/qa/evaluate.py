"""Measure the answer engine on a question set (the format of ``tests/data/questions.yaml``).

Each item has ``q`` and ``intent``; optionally ``table`` (the role hint), ``top`` (the task that
must rank first), ``also`` (tasks that must be among the first three), ``tasks`` (the exact set a
unit question must list), ``facts`` (substrings the answer must contain) and ``yesno`` (the first
word the answer must start with). ``evaluate`` runs every item and returns the figures; ``report``
turns them into the Chinese lines ``ducha ask --eval`` prints.

``yesno`` is judged by what the word says, not its spelling: the engine answers in the words
the question was asked with (行不行 → 不行, 可以吧 → 可以, 对吗 → 对), so an item expecting 不是
is right when the answer starts with 不行 or 不可以, and wrong when it starts with 是 or 行.
A word of time (来得及/来不及) is only matched by words of time (不晚/晚了).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.common.reply import Answer
from bot.qa import texts as qt

Ask = Callable[[str, str | None], Answer]


class QuestionSetError(ValueError):
    """The file is not a question set: its message says what is wrong, in Chinese."""


def load_items(path: Path | str) -> list[dict[str, Any]]:
    """Read and check a question set; every item needs ``q`` and ``intent``."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise QuestionSetError(qt.EVAL_NO_FILE.format(path=path)) from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise QuestionSetError(qt.EVAL_BAD_FILE.format(path=path, error=type(exc).__name__)) from None
    if not isinstance(data, list) or not data:
        raise QuestionSetError(qt.EVAL_NOT_A_LIST.format(path=path))
    for i, item in enumerate(data, 1):
        if not isinstance(item, dict) or not isinstance(item.get("q"), str) or "intent" not in item:
            raise QuestionSetError(qt.EVAL_BAD_ITEM.format(path=path, i=i))
    return data


@dataclass
class Outcome:
    """One question's result: what was expected, what came back, and what was wrong."""

    item: dict[str, Any]
    intent: str
    tasks: list[tuple[str, int]]
    text: str
    problems: list[str] = field(default_factory=list)
    first_ok: bool | None = None  # None: the item names no task to rank
    f1: float | None = None
    facts_ok: bool | None = None
    yesno_ok: bool | None = None

    @property
    def intent_ok(self) -> bool:
        return self.intent == self.item["intent"]


@dataclass
class Figures:
    """The figures of one run over a question set."""

    outcomes: list[Outcome]

    def _share(self, values: Iterable[bool | None]) -> tuple[int, int]:
        vs = [v for v in values if v is not None]
        return sum(vs), len(vs)

    @property
    def intent(self) -> tuple[int, int]:
        return self._share(o.intent_ok for o in self.outcomes)

    @property
    def first_task(self) -> tuple[int, int]:
        return self._share(o.first_ok for o in self.outcomes)

    @property
    def facts(self) -> tuple[int, int]:
        return self._share(o.facts_ok for o in self.outcomes)

    @property
    def yesno(self) -> tuple[int, int]:
        return self._share(o.yesno_ok for o in self.outcomes)

    @property
    def unit_f1(self) -> tuple[float, int]:
        scores = [o.f1 for o in self.outcomes if o.f1 is not None]
        return (sum(scores) / len(scores) if scores else 0.0), len(scores)

    def per_intent(self) -> dict[str, tuple[int, int]]:
        out: dict[str, list[int]] = {}
        for o in self.outcomes:
            row = out.setdefault(o.item["intent"], [0, 0])
            row[0] += o.intent_ok
            row[1] += 1
        return {k: (v[0], v[1]) for k, v in out.items()}

    def confusion(self) -> Counter[tuple[str, str]]:
        return Counter((o.item["intent"], o.intent) for o in self.outcomes)

    def misses(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.problems]

    def as_json(self) -> dict[str, Any]:
        def ratio(pair: tuple[float, int]) -> float | None:
            return None if not pair[1] else round(pair[0] / pair[1] if isinstance(pair[0], int) else pair[0], 4)

        return {
            "questions": len(self.outcomes),
            "intent": ratio(self.intent),
            "first_task": ratio(self.first_task),
            "unit_f1": None if not self.unit_f1[1] else round(self.unit_f1[0], 4),
            "facts": ratio(self.facts),
            "yesno": ratio(self.yesno),
            "per_intent": {k: ratio(v) for k, v in self.per_intent().items()},
            "misses": [
                {"q": o.item["q"], "problems": o.problems, "intent": o.intent, "tasks": o.tasks[:3]}
                for o in self.misses()
            ],
        }


# Answer words that say the same thing: a yes/no item's expected word and its equals.
SAME_ANSWER: dict[str, tuple[str, ...]] = {
    "是": ("是", "行", "可以", "能", "对"),
    "不是": ("不是", "不行", "不可以", "不能", "不对"),
    "来得及": ("来得及", "不晚"),
    "来不及": ("来不及", "晚了"),
}


def says(text: str, want: str) -> bool:
    """Whether an answer starts with ``want`` or a word that says the same (是 → 行, 可以 …)."""
    head = text.lstrip()
    # No word of one side begins a word of the other (不是 does not begin with 是), so a prefix is enough.
    return any(head.startswith(w) for w in SAME_ANSWER.get(want, (want,)))


def _pair(t: Any) -> tuple[str, int]:
    return (str(t[0]), int(t[1]))


def f1(got: set[tuple[str, int]], expected: set[tuple[str, int]]) -> float:
    """Harmonic mean of precision and recall (1.0 when both sets are empty)."""
    if not got and not expected:
        return 1.0
    hit = len(got & expected)
    if not hit:
        return 0.0
    precision, recall = hit / len(got), hit / len(expected)
    return 2 * precision * recall / (precision + recall)


def judge(item: dict[str, Any], answer: Answer) -> Outcome:
    """Compare one answer with what the item expects."""
    tasks = [(t.table, t.no) for t in answer.tasks]
    text = answer.text
    o = Outcome(item=item, intent=answer.intent.value, tasks=tasks, text=text)
    if not o.intent_ok:
        o.problems.append(qt.EVAL_PROBLEM_INTENT.format(want=qt.intent_name(item["intent"]), got=qt.intent_name(o.intent)))
    if "top" in item or "also" in item:
        o.first_ok = True
        if "top" in item and tasks[:1] != [_pair(item["top"])]:
            o.first_ok = False
            o.problems.append(
                qt.EVAL_PROBLEM_TOP.format(want=qt.task_name(_pair(item["top"])), got=qt.task_name(tasks[0]) if tasks else "无")
            )
        missing = [_pair(t) for t in item.get("also", []) if _pair(t) not in tasks[:3]]
        if missing:
            o.first_ok = False
            o.problems.append(qt.EVAL_PROBLEM_ALSO.format(want="、".join(qt.task_name(t) for t in missing)))
    if "tasks" in item:
        expected = {_pair(t) for t in item["tasks"]}
        got = set(tasks)
        o.f1 = f1(got, expected)
        if got != expected:
            extra, lack = sorted(got - expected), sorted(expected - got)
            o.problems.append(
                qt.EVAL_PROBLEM_TASKS.format(
                    f1=o.f1,
                    lack="、".join(qt.task_name(t) for t in lack) or "无",
                    extra="、".join(qt.task_name(t) for t in extra) or "无",
                )
            )
    if "facts" in item:
        absent = [f for f in item["facts"] if str(f) not in text]
        o.facts_ok = not absent
        if absent:
            o.problems.append(qt.EVAL_PROBLEM_FACTS.format(facts="、".join(map(str, absent))))
    if "yesno" in item:
        want = str(item["yesno"])
        o.yesno_ok = says(text, want)
        if not o.yesno_ok:
            o.problems.append(qt.EVAL_PROBLEM_YESNO.format(want=want, got=text.strip()[:12].replace("\n", " ")))
    return o


def evaluate(ask: Ask, items: list[dict[str, Any]]) -> Figures:
    """Ask every question (with its role hint) and judge the answers."""
    return Figures([judge(item, ask(item["q"], item.get("table"))) for item in items])


def _pct(pair: tuple[float, int]) -> str:
    value, n = pair
    if not n:
        return qt.EVAL_NONE
    share = value / n if isinstance(value, int) else value
    shown = f"{value}/{n}" if isinstance(value, int) else qt.EVAL_OVER.format(n=n)
    return f"{share:.1%}（{shown}）"


def report(figures: Figures, name: str) -> list[str]:
    """The lines ``ducha ask --eval`` prints: figures, per intent, confusion, every miss."""
    lines = [qt.EVAL_TITLE.format(name=name, n=len(figures.outcomes)), ""]
    lines.append(qt.EVAL_LINE_INTENT.format(value=_pct(figures.intent)))
    lines.append(qt.EVAL_LINE_FIRST.format(value=_pct(figures.first_task)))
    lines.append(qt.EVAL_LINE_F1.format(value=_pct(figures.unit_f1)))
    lines.append(qt.EVAL_LINE_FACTS.format(value=_pct(figures.facts)))
    lines.append(qt.EVAL_LINE_YESNO.format(value=_pct(figures.yesno)))
    english = [o for o in figures.outcomes if o.item.get("lang") == "en"]
    if english:
        ok = sum(not o.problems for o in english)
        lines.append(qt.EVAL_LINE_ENGLISH.format(value=_pct((ok, len(english)))))
    lines += ["", qt.EVAL_PER_INTENT]
    for key, pair in sorted(figures.per_intent().items(), key=lambda kv: qt.INTENT_ORDER.index(kv[0]) if kv[0] in qt.INTENT_ORDER else 99):
        lines.append(f"  {qt.intent_name(key):<10}{_pct(pair)}")
    confusion = {k: v for k, v in figures.confusion().items() if k[0] != k[1]}
    lines += ["", qt.EVAL_CONFUSION]
    if not confusion:
        lines.append(qt.EVAL_NO_CONFUSION)
    for (want, got), count in sorted(confusion.items(), key=lambda kv: -kv[1]):
        lines.append(qt.EVAL_CONFUSION_LINE.format(want=qt.intent_name(want), got=qt.intent_name(got), count=count))
    misses = figures.misses()
    lines += ["", qt.EVAL_MISSES.format(n=len(misses))]
    for o in misses:
        hint = qt.EVAL_HINT.format(table=o.item["table"]) if o.item.get("table") else ""
        lines.append(f"· {o.item['q']}{hint}")
        for p in o.problems:
            lines.append(f"    {p}")
    return lines


def run_eval(engine: Any, path: Path | str, as_json: bool = False) -> str:
    """What ``ducha ask --eval FILE`` prints: the report, or the figures as one JSON object."""
    import json

    figures = evaluate(lambda q, table: engine.answer(q, table), load_items(path))
    if as_json:
        return json.dumps(figures.as_json(), ensure_ascii=False)
    return "\n".join(report(figures, Path(path).name))
