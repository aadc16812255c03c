"""Yes/no questions about the notice: 是/不是/来得及/来不及 first, computed from the slots.

"整改报告是9月8日前交吗" names a date as a deadline: yes only if it is the deadline. "自查报告8月8日
交上去可以吧" names a day to hand it in: yes if it is not later than the deadline. Dates are this
round's (``views.Dates``); "来得及吗" without a date counts from today.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from bot.common import texts as ct
from bot.qa import texts as qt
from bot.qa.notice import Item
from bot.qa.reader import Reading
from bot.qa.views import Dates, full_date, month_day

_DEADLINE_WORDS = re.compile(r"截止|最晚|最迟|期限|deadline|前交|前报|之前交|之前报")
_START = re.compile(r"开始|启动|起")
_END = re.compile(r"结束|截止|完成")
_MIN = re.compile(r"不少于|不低于|至少|不得少于")
_BELOW = re.compile(r"少于|不到|低于|不足|以下|不够|达不到")
_MAX = re.compile(r"不超过|不高于|不得超过|以内")
_PERCENT = re.compile(r"(\d{1,3}(?:\.\d+)?)\s*%")
_BODY = re.compile(r"(?:市委|市|省委|省|县委|县|区委|区)[\u4e00-\u9fff]{0,12}?(?:办公室|委员会|领导小组|办|局|委|院|部|组)")
_FORBIDDEN = re.compile(r"(?:不得|不能|禁止|严禁|不准|不要|避免)[^，。；、：]{0,2}$")
_TITLES = re.compile(r"《[^》]*》")


_NOT = re.compile(r"不|没|无需|免|别")
_STOPS = "，,。；;、？?！! "
_A_NOT_A = re.compile(r"([\u4e00-\u9fff])[不没]\1")


def _negated(question: str, word: str, sentence: str, at: int) -> bool:
    """The question puts 不/没 next to what it shares with the rule, and the rule does not
    (可以不附问题清单吗, 问题清单不附行吗, 不用写完成时限吧, 自查报告不要实际数据可以吗).

    What the two share is the word grown leftwards while they agree (时限 → 完成时限, 重视 → 工作不
    重视: then the 不 is the rule's own wording); a 不 before that, within three characters, or
    right after it negates. 不整改会被通报吗 puts its 不 in the condition, not before 通报.
    """
    question = _A_NOT_A.sub(lambda m: "　" * len(m.group(0)), question)  # 能不能, 要不要 ask, not negate
    q = question.find(word)
    if q < 0:
        return False
    while q > 0 and at > 0 and question[q - 1] == sentence[at - 1] and question[q - 1] not in _STOPS:
        q, at, word = q - 1, at - 1, question[q - 1] + word
    before = question[max(0, q - 3) : q]
    if _NOT.search(before[max((before.rfind(p) for p in _STOPS), default=-1) + 1 :]):
        return True
    after = question[q + len(word) : q + len(word) + 2]
    return bool(_NOT.match(after)) and not sentence[at + len(word) :].startswith(after)


@dataclass(frozen=True)
class Verdict:
    word: str
    reason: str

    @property
    def line(self) -> str:
        return qt.VERDICT.format(word=self.word, reason=self.reason)


def _word(r: Reading, ok: bool, timely: bool = False) -> str:
    """The first word of the answer, in the form the question was asked (行不行 → 行/不行).

    A question of time (来得及吗, 晚了没) is answered in its own words only where timeliness is
    what was checked; anything else is 是/不是 or the question's own 行/可以/能/对.
    """
    form = r.form or "yes"
    if timely and form not in ("timely", "late"):
        form = "timely"
    elif not timely and form in ("timely", "late"):
        form = "yes"
    yes, no = qt.ANSWER_WORDS[form]
    return yes if ok else no


class Judge:
    """Computes verdicts for one rubric; ``words`` tokenizes like the search does."""

    def __init__(  # type: ignore[no-untyped-def]
        self, words, cue_words: set[str], item_texts: dict[str, list[str]], table_counts: dict[str, int], expand_at=None
    ) -> None:
        self.words = words
        # the canonical terms colloquial words stand for, with where those words end in a text
        self.expand_at = expand_at or (lambda text: [])
        self.cue_words = cue_words
        self.item_texts = item_texts  # item key -> its sentences
        self.table_counts = table_counts

    def verdict(self, item: Item, r: Reading, dates: Dates, today: dt.date | None) -> Verdict | None:
        if r.yesno is None:
            return None
        if item.kind == "deliverable":
            return self._deliverable(item.ref, r, dates, today)
        if item.kind == "phase":
            return self._phase(item.ref, r, dates)
        if item.kind == "totals":
            return self._count(r)
        if item.intent.value == "report_rule" and item.kind not in ("document", "documents", "attachment2"):
            return self._rule(item, r)
        return None

    # --- deadlines ----------------------------------------------------------------------

    def _deliverable(self, key: str, r: Reading, dates: Dates, today: dt.date | None) -> Verdict | None:
        _, d = dates.cal.deliverable(key)
        due, _ = dates.due(key)
        timely = r.yesno == "timely"
        if due is None:
            return None
        shown = full_date(due)
        if r.dates:
            slot = r.dates[0]
            day = slot.near(due)
            asked = month_day(day) if day.year == due.year else full_date(day)
            if not timely and (slot.before or _DEADLINE_WORDS.search(r.text)):
                ok = day == due
                reason = (
                    qt.DUE_IS.format(name=d.name, due=shown, to=d.to)
                    if ok
                    else qt.DUE_NOT_THAT.format(name=d.name, due=shown, date=asked)
                )
                return Verdict(_word(r, ok), reason)
            ok = day <= due
            reason = (
                qt.DUE_IN_TIME.format(name=d.name, due=shown, date=asked)
                if ok
                else qt.DUE_LATE.format(name=d.name, due=shown, date=asked, days=(day - due).days)
            )
            return Verdict(_word(r, ok, timely), reason)
        if timely and today is not None:
            ok = today <= due
            days = abs((due - today).days)
            fmt = qt.DUE_TODAY_IN_TIME if ok else qt.DUE_TODAY_LATE
            return Verdict(_word(r, ok, True), fmt.format(name=d.name, due=shown, today=full_date(today), days=days))
        if not timely and ("to_whom" in r.cues or _BODY.search(r.text.replace(d.name, " "))):
            ok = d.to in r.text
            return Verdict(_word(r, ok), qt.DUE_TO.format(name=d.name, sender=d.sender, to=d.to))
        return None

    def _phase(self, key: str, r: Reading, dates: Dates) -> Verdict | None:
        w = dates.cal.phase(key)
        if not r.dates or (w.start is None and w.end is None):
            return None
        day = r.dates[0].near(w.start or w.end)  # type: ignore[arg-type]
        asked = month_day(day)
        window = dates.window(key)
        if _START.search(r.text) and w.start is not None:
            return Verdict(_word(r, day == w.start), qt.PHASE_STARTS.format(name=w.name, start=full_date(w.start)))
        if _END.search(r.text) and w.end is not None:
            return Verdict(_word(r, day == w.end), qt.PHASE_ENDS.format(name=w.name, end=full_date(w.end)))
        inside = (w.start is None or w.start <= day) and (w.end is None or day <= w.end)
        fmt = qt.PHASE_CONTAINS if inside else qt.PHASE_NOT_CONTAINS
        return Verdict(_word(r, inside, r.yesno == "timely"), fmt.format(name=w.name, dates=window, date=asked))

    # --- counts, shares and rules ----------------------------------------------------------

    def _count(self, r: Reading) -> Verdict | None:
        if not r.counts:
            return None
        if r.table:
            actual, what = self.table_counts[r.table], ct.TABLE_LABEL[r.table]
        else:
            actual, what = sum(self.table_counts.values()), "两张打分表"
        return Verdict(_word(r, r.counts[0] == actual), qt.COUNT_IS.format(what=what, count=actual))

    def _rule(self, item: Item, r: Reading) -> Verdict | None:
        sentences = self.item_texts.get(item.key, [])
        if r.shares:
            asked = r.shares[0]
            # 少于60% asks about less than the share named; 六成以上 about at least it.
            below = bool(_BELOW.search(r.text))
            for s in sentences:
                m = _PERCENT.search(s)
                if not m:
                    continue
                value = float(m.group(1))
                before = s[: m.start()]
                if _MIN.search(before) or s[m.end() : m.end() + 2] == "以上":
                    ok = asked >= value and not (below and asked <= value)
                elif _MAX.search(before) or s[m.end() : m.end() + 2] == "以下":
                    ok = asked <= value
                else:
                    ok = asked == value
                return Verdict(_word(r, ok), qt.SHARE_RULE.format(point=s))
        skip = set(self.words(item.title)) | set(self.words(item.fields.get("name", ""))) | self.cue_words
        # What is asked comes last in a yes/no question (整改方案要明确责任人吗: the plan is the topic,
        # 责任人 the point), so the words are tried from the end of the question, the longest first
        # where they end together. A colloquial word counts by what it stands for (落实到具体人 → 责任人).
        text = r.search_text.lower()
        ends: dict[str, int] = {}
        for w in self.words(text):
            ends[w] = max(ends.get(w, -1), text.rfind(w) + len(w))
        for w, end in self.expand_at(text):
            ends[w] = max(ends.get(w, -1), end)
        asked_words = sorted((w for w in ends if w not in skip), key=lambda w: (-ends[w], -len(w), w))
        for word in asked_words:
            for s in sentences:
                at = _TITLES.sub(lambda m: "　" * len(m.group(0)), s).find(word)  # not inside a document's title
                if at < 0:
                    continue
                ok = not _FORBIDDEN.search(s[:at])
                if _negated(r.search_text, word, s, at):
                    ok = not ok  # 可以不附问题清单吗: the question asks the opposite of the rule
                return Verdict(_word(r, ok), qt.RULE_SAYS.format(point=s))
        return None
