"""Everything the notice says, as items the answer engine can rank beside the tasks.

Each item has a stable key (used in buttons), a kind, the intent it answers, and weighted text
fields (its name, the words people use for it, its text), all built from ``rubric_data/`` at
start. Adding a point to a section, a keyword to a phase or a passage to ``campaign.yaml``
makes it answerable with no change here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.common.reply import Intent
from bot.common.rubric import Rubric

# Which cues (see ``Lexicon.cues``) each kind of item can answer: a cue in the question counts
# for the items whose kind lists it. The engine reads only this table, never the wording.
KIND_CUES: dict[str, tuple[str, ...]] = {
    "phase": ("when", "notice"),
    "phases": ("when", "notice"),
    "deliverable": ("when", "to_whom", "notice"),
    "provincial": ("when",),
    "notice": ("document", "notice"),
    "rules": ("content", "notice"),
    "plan": ("content", "notice"),
    "requirements": ("content", "notice"),
    "requirement": ("content", "notice"),
    "consequences": ("consequence", "notice"),
    "organization": ("organisation", "notice"),
    "scope": ("content", "notice"),
    "document": ("document",),
    "documents": ("document", "notice"),
    "attachment2": ("content", "document"),
    "passage": ("content", "notice"),
    "totals": ("count",),
    "duties": ("duty",),
    "unit": ("unit",),
}
_STATES_COUNT = re.compile(r"\d+项")
KIND_INTENT: dict[str, Intent] = {
    "phase": Intent.phase_deadline,
    "phases": Intent.phase_deadline,
    "deliverable": Intent.phase_deadline,
    "provincial": Intent.phase_deadline,
    "totals": Intent.totals,
    "duties": Intent.totals,
    "unit": Intent.unit_tasks,
}


@dataclass(frozen=True)
class Item:
    """One thing the notice says, as a document of the index."""

    key: str  # stable: phase.self_check, deliverable.self_check_report, rules, document.3 …
    kind: str
    title: str  # what a button or a clarifying question calls it
    fields: dict[str, str] = field(default_factory=dict)  # name / keywords / text
    ref: str = ""  # the data key it renders (phase key, deliverable key, table key, unit name …)
    includes: tuple[str, ...] = ()  # keys of items its answer shows too (自查报告 shows 自查报告要求)

    @property
    def intent(self) -> Intent:
        return KIND_INTENT.get(self.kind, Intent.report_rule)

    @property
    def cues(self) -> tuple[str, ...]:
        """The cues its kind answers."""
        return KIND_CUES.get(self.kind, ())

    @property
    def states_count(self) -> bool:
        """It states a number of items (44项二级指标): it partly answers a count question."""
        return "count" not in self.cues and bool(_STATES_COUNT.search(self.fields.get("text", "")))


def _join(*parts: object) -> str:
    out: list[str] = []
    for p in parts:
        if isinstance(p, (list, tuple)):
            out.extend(str(x) for x in p if x)
        elif p:
            out.append(str(p))
    return " ".join(out)


def notice_items(rubric: Rubric, units: list[str]) -> list[Item]:
    """The notice's items, in a fixed order (phases first, units last)."""
    c = rubric.campaign
    items: list[Item] = []
    add = items.append
    add(
        Item(
            "notice",
            "notice",
            "通知本身",
            {
                "name": "通知 文号 发文单位 印发",
                "keywords": "谁发的 哪个单位发的 主送 发给谁",
                "text": _join(c.title, c.issuer, c.doc_no, c.addressees),
            },
        )
    )
    add(
        Item(
            "phases",
            "phases",
            "督察工作的五个阶段",
            {"name": "督察安排 五个阶段 时间安排", "text": _join([p.name for p in c.phases])},
        )
    )
    for p in c.phases:
        add(
            Item(
                f"phase.{p.key}",
                "phase",
                p.name,
                {
                    "name": p.name,
                    "keywords": _join(p.keywords),
                    "text": _join(p.summary, p.date_text, p.actors),
                },
                p.key,
            )
        )
        for d in p.deliverables:
            # A rule section titled after the deliverable (自查报告要求) is shown with it.
            names = [d.name, *d.aliases]
            includes = tuple(
                key
                for key, section in (("rules", c.report_rules), ("plan", c.rectification_plan))
                if any(section.title.startswith(n) for n in names)
            )
            add(
                Item(
                    f"deliverable.{d.key}",
                    "deliverable",
                    d.name,
                    {
                        "name": d.name,
                        "keywords": _join(p.name),
                        "text": _join(d.from_, d.to, d.note),
                    },
                    d.key,
                    includes,
                )
            )
    add(Item("provincial", "provincial", "省委依法治省办的督察", {"name": "省委依法治省办 省里督察 河南省督察", "text": c.provincial_inspection}))
    for key, kind, section in (
        ("rules", "rules", c.report_rules),
        ("plan", "plan", c.rectification_plan),
        ("organization", "organization", c.organization),
        ("scope", "scope", c.scope),
    ):
        add(Item(key, kind, section.title, {"name": section.title, "keywords": _join(section.keywords), "text": _join(section.points)}))
    add(
        Item(
            "requirements",
            "requirements",
            "工作要求",
            {"name": "工作要求", "keywords": _join([r.title for r in c.requirements]), "text": ""},
        )
    )
    for r in c.requirements:
        add(
            Item(
                f"requirement.{r.key}",
                "requirement",
                r.title,
                {"name": r.title, "keywords": _join(r.keywords), "text": _join(r.points)},
                r.key,
            )
        )
    add(Item("consequences", "consequences", "整改不力的后果", {"name": "整改不力的后果", "text": _join(c.consequences)}))
    add(
        Item(
            "documents",
            "documents",
            "通知引用的文件",
            {"name": "文件依据 引用的文件 依据哪些文件", "keywords": "制定依据 根据哪些文件", "text": ""},
        )
    )
    for i, d in enumerate(c.documents):
        add(
            Item(
                f"document.{i}",
                "document",
                d.short or f"《{d.full}》",
                {"name": _join(d.short, d.full), "keywords": _join(d.keywords), "text": _join(d.issuer, d.note)},
                str(i),
            )
        )
    for section in c.attachment2:
        add(
            Item(
                f"attachment2.{section.key}",
                "attachment2",
                "附件2《法治政府建设督察工作说明》",
                {
                    "name": _join("附件2 法治政府建设督察工作说明", section.title),
                    "keywords": _join(section.keywords),
                    "text": _join(section.points),
                },
                section.key,
            )
        )
    add(
        Item(
            "attachment2.indicators",
            "attachment2",
            "附件2《法治政府建设督察工作说明》",
            {
                "name": "示范创建指标 指标数量",
                "text": _join([f"{x.applies_to} {x.level1}项一级指标 {x.level2}项二级指标 {x.items}项具体内容" for x in c.indicator_counts]),
            },
            "indicators",
        )
    )
    for section in c.passages:
        add(
            Item(
                f"passage.{section.key}",
                "passage",
                section.title,
                {"name": section.title, "keywords": _join(section.keywords), "text": _join(section.points)},
                section.key,
            )
        )
    counts = " ".join(f"{tb.name} {len(tb.tasks)}项任务" for tb in rubric.tables.values())
    total = sum(len(tb.tasks) for tb in rubric.tables.values())
    add(Item("totals", "totals", "打分表的项数和分值", {"name": "打分表 任务总数 满分 总分", "text": f"{counts} 合计{total}项"}))
    for key, tb in rubric.tables.items():
        add(
            Item(
                f"duties.{key}",
                "duties",
                f"{tb.name}的主要职责",
                {"name": "主要职责", "keywords": "六项主要职责 六大职责", "text": _join([d.text for d in tb.duties])},
                key,
            )
        )
    for i, unit in enumerate(units):
        add(Item(f"unit.{i}", "unit", unit, {"name": unit}, unit))
    return items
