"""Reading a question once: every slot the engine needs, from the rubric's own names.

Task number, table and aspect (``bot.qa.query``); dates, shares, counts and the yes/no form
(``bot.qa.slots``); and here the slots that need the data: the responsible units named (with
their tables' spellings and the lexicon's aliases), the inspected county or zone (华龙区, which
says who asks, not what), the deliverable and phase named, and the cue words present.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from bot.common.callbacks import Aspect
from bot.common.rubric import Rubric
from bot.qa.english import English
from bot.qa.english import Reading as EnglishReading
from bot.qa.query import MAX_QUESTION_CHARS, aspect_asked, clean, table_named, task_number
from bot.qa.slots import DateSlot, answer_form, asks_days_left, read_counts, read_dates, read_shares, without_counts, yesno_form


@dataclass(frozen=True)
class Reading:
    """A question and everything read off it."""

    raw: str
    text: str  # cleaned; for English questions, the Chinese terms they were read as
    search_text: str  # ``text`` without the inspected county or zone named, nor table words
    item_text: str  # ``search_text`` without the unit named
    task_text: str  # ``item_text`` without city bodies (市法治政府建设领导小组办公室 is no county unit)
    truncated: bool
    english: EnglishReading | None
    task_no: int | None
    table: str | None
    aspect: Aspect
    units: tuple[int, ...]  # indexes into Reader.units: every unit the name can mean
    unit_alias: str | None  # the words that named them
    places: tuple[str, ...]  # inspected counties or zones named (华龙区)
    deliverable: str | None
    deliverables: tuple[str, ...]  # every deliverable named (自查报告和整改报告分别…), in order
    phase: str | None
    documents: tuple[int, ...]  # documents named by their 《short name》 or full title
    dates: tuple[DateSlot, ...]
    shares: tuple[float, ...]
    counts: tuple[int, ...]
    yesno: str | None  # 'timely' (来得及吗, 晚了没), 'yes' (是不是/行不行/…吗), None
    form: str | None  # the words it is answered with: 'ok' for 行不行 (行/不行), … (slots.answer_form)
    days_left: bool
    cues: frozenset[str]


_TABLE_PHRASES = re.compile(
    r"(?:党委|政府|县委|县府|区委|区府|县政府|区政府|两张|这张|那张)?(?:的)?(?:主要负责人)?(?:打分)?表(?:里|中|上)?|"
    r"(?:党委|政府|县委|县府|区委|区府)(?:那|这)张"
)


def _longest_first(pairs: dict[str, object]) -> list[tuple[str, object]]:
    return sorted(pairs.items(), key=lambda kv: -len(kv[0]))


class Reader:
    """Reads questions against one rubric. Build once; reading is a few string scans."""

    def __init__(self, rubric: Rubric, english: English) -> None:
        self.english = english
        self.units = self._unit_names(rubric)
        self._unit_forms = _longest_first(self._unit_aliases(rubric))
        places: dict[str, object] = {}
        for u in rubric.units:
            for form in [u.name, *u.aliases]:
                places[clean(form)] = u.name
        self._places = _longest_first(places)
        deliverables: dict[str, object] = {}
        phases: dict[str, object] = {}
        for p in rubric.campaign.phases:
            for form in [p.name, *p.aliases]:
                phases.setdefault(clean(form), p.key)
            for d in p.deliverables:
                for form in [d.name, *d.aliases]:
                    deliverables.setdefault(clean(form), d.key)
        self._deliverables = _longest_first(deliverables)
        # A document is named by its short name in 《》 or by its full title, and by its short
        # name typed without 《》 (职责规定是哪个文件) unless the notice calls itself so too
        # (实施方案 is also the notice's own name).
        own = clean(rubric.campaign.title)
        self._documents = [
            (i, [n for n in (clean(d.short or ""), clean(d.full)) if len(n) >= 4] + [n for n in [self._bare(d.short, own)] if n])
            for i, d in enumerate(rubric.campaign.documents)
        ]
        self._phases = _longest_first(phases)
        # Cue words longest first: 哪几条 (a list is asked) is read before the 几条 inside it.
        keys: dict[str, set[str]] = {}
        for key, words in rubric.lexicon.cues.items():
            for w in words:
                keys.setdefault(clean(w), set()).add(key)
        self._cues = sorted(keys.items(), key=lambda kv: -len(kv[0]))
        self._typos = sorted(((clean(k), clean(v)) for k, v in rubric.lexicon.typos.items()), key=lambda kv: -len(kv[0]))

    @staticmethod
    def _bare(short: str | None, own_title: str) -> str:
        bare = clean(short or "").strip("《》")
        return "" if bare in own_title else bare

    # --- units --------------------------------------------------------------------------

    @staticmethod
    def _unit_names(rubric: Rubric) -> list[str]:
        units: list[str] = []
        for tb in rubric.tables.values():
            for t in tb.tasks:
                for u in t.units:
                    if u not in units:
                        units.append(u)
        return units

    def _unit_aliases(self, rubric: Rubric) -> dict[str, object]:
        """Every form a unit is called by -> the units it can mean.

        县（区）司法局 is also 司法局, 县司法局, 区司法局; a bare 司法局 means the county's and the
        city's (市司法局) alike, while 县司法局 or 市司法局 mean exactly one.
        """
        forms: dict[str, set[int]] = {}
        curated = {clean(k): v for k, v in rubric.lexicon.unit_aliases.items()}
        for i, unit in enumerate(self.units):
            name = clean(unit)
            exact = {name}
            bare: set[str] = set()
            if name.startswith("县(区)"):
                core = name.removeprefix("县(区)")
                if len(core) >= 3:
                    exact |= {"县" + core, "区" + core, "县区" + core}
                    bare.add(core)
            elif name.startswith("市") and len(name) >= 4:
                bare.add(name[1:])
            exact |= {clean(a) for a in curated.get(name, [])}
            for form in exact | bare:
                forms.setdefault(form, set()).add(i)
        return {form: tuple(sorted(ids)) for form, ids in forms.items()}

    def _find_units(self, text: str) -> tuple[tuple[int, ...], str | None, list[str]]:
        """The units named first (longest name first), and the city bodies named before them."""
        taken: list[tuple[int, int]] = []
        cities: list[str] = []
        for alias, ids in self._unit_forms:
            start = text.find(alias)
            while start >= 0:
                end = start + len(alias)
                if not any(a < end and start < b for a, b in taken):
                    # 市法治政府建设领导小组办公室, 市委政法委: a city body, not the county unit.
                    city = not alias.startswith(("县", "区", "市")) and (
                        text[max(0, start - 1) : start] == "市" or text[max(0, start - 2) : start] == "市委"
                    )
                    if not city:
                        return ids, alias, cities  # type: ignore[return-value]
                    taken.append((start, end))
                    cities.append(alias)
                start = text.find(alias, start + 1)
        return (), None, cities

    # --- reading ------------------------------------------------------------------------

    def _read_cues(self, text: str) -> frozenset[str]:
        found: set[str] = set()
        taken: list[tuple[int, int]] = []
        for word, keys in self._cues:
            start = text.find(word)
            while start >= 0:
                end = start + len(word)
                if not any(a < end and start < b for a, b in taken):
                    found |= keys
                    taken.append((start, end))
                start = text.find(word, end)
        return frozenset(found)

    def read(self, raw: str | None, year: int, today: dt.date | None = None) -> Reading:
        text = clean(raw)
        truncated = len(text) > MAX_QUESTION_CHARS
        text = text[:MAX_QUESTION_CHARS]
        english = None
        if English.is_english(text):
            english = self.english.read(text)
            text = english.text
        for typo, meant in self._typos:
            text = text.replace(typo, meant)  # 巡查 typed for 巡察
        places = []
        search_text = text
        for form, name in self._places:
            if form in search_text:
                places.append(str(name))
                search_text = search_text.replace(form, " ")
        units, alias, cities = self._find_units(search_text)
        # The table is read without the unit's name (县委组织部 is a unit, not the party table),
        # and table words are a filter, not words to search for.
        unit_free = re.sub(f"(?:县委|区委|县|区)?{re.escape(alias)}", " ", search_text) if alias else search_text
        table = table_named(unit_free)
        search_text = _TABLE_PHRASES.sub(" ", search_text)
        cues = self._read_cues(text)
        counts = read_counts(text)
        if counts:
            cues |= {"count"}  # 是60项吗 asks a count as surely as 一共几项
            search_text = without_counts(search_text)
        # A unit asked about (司法局负责哪些) is a slot, a filter, not words to search for; a unit
        # only mentioned (法院立案了政府要配合吗) stays part of the topic. A city body is never a
        # county unit's name in a task.
        item_text = search_text.replace(alias, " ") if alias and "unit" in cues else search_text
        task_text = item_text
        for city in cities:
            task_text = task_text.replace(city, " ")
        documents = tuple(i for i, names in self._documents if any(n in text for n in names))
        named: dict[str, int] = {}
        rest = text
        for form, k in self._deliverables:
            at = rest.find(form)
            if at >= 0:
                named.setdefault(str(k), at)
                rest = rest.replace(form, " " * len(form))  # 整改报告 is not also 整改情况报告
        deliverables = tuple(sorted(named, key=named.__getitem__))
        deliverable = next((k for form, k in self._deliverables if form in text), None)
        # A phase named inside a deliverable's name (自查 in 自查报告) is not named.
        phase_text = text
        for form, _ in self._deliverables:
            phase_text = phase_text.replace(form, " ")
        phase = next((k for form, k in self._phases if form in phase_text), None)
        return Reading(
            raw=raw or "",
            text=text,
            search_text=search_text,
            task_text=task_text,
            item_text=item_text,
            truncated=truncated,
            english=english,
            task_no=task_number(text),
            table=table,
            aspect=aspect_asked(text),
            units=units,
            unit_alias=alias,
            places=tuple(places),
            deliverable=deliverable,  # type: ignore[arg-type]
            deliverables=deliverables,
            phase=phase,  # type: ignore[arg-type]
            documents=documents,
            dates=tuple(read_dates(text, year, today)),
            shares=tuple(read_shares(text)),
            counts=tuple(counts),
            yesno=yesno_form(text),
            form=answer_form(text),
            days_left=asks_days_left(text),
            cues=cues,
        )
