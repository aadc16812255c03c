"""The answer engine: each intent, ranking over the question sets, and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.common.callbacks import ShowPhase, ShowTask, ShowUnit
from bot.common.reply import Intent

DATA = Path(__file__).parent / "data"


def refs(answer):
    return [(t.table, t.no) for t in answer.tasks]


# --- task lookup -----------------------------------------------------------------------


def test_task_by_number_without_table_shows_both_and_offers_a_choice(engine):
    a = engine.answer("第10项怎么得分")
    assert a.intent is Intent.task_lookup
    assert refs(a) == [("party", 10), ("government", 10)]
    assert "党内法规宣传" in a.text and "规范性文件" in a.text
    labels = [b.label for row in a.buttons for b in row]
    assert labels == ["党委表第10项", "政府表第10项"]


def test_table_hint_from_role_answers_one_table(engine):
    a = engine.answer("第10项怎么得分", table_hint="government")
    assert refs(a) == [("government", 10)]
    assert "报备率" in a.text and "党内法规" not in a.text


def test_table_named_in_question_beats_the_hint(engine):
    a = engine.answer("县委第14项谁负责", table_hint="government")
    assert refs(a) == [("party", 14)]
    assert "落实单位：县（区）委办公室" in a.text
    assert "检查标准" not in a.text  # asked who, not how


def test_number_only_in_one_table_needs_no_choice(engine):
    a = engine.answer("第28项")
    assert refs(a) == [("government", 28)]


@pytest.mark.parametrize(
    "question, fragment",
    [
        ("政府表第二十三项查什么材料", "检查方式：查看相关档案资料"),
        ("党委第27项几分", "本项满分2分"),
        ("政府 task 1", "注：原文各条标准合计8分，高于本项7分"),
    ],
)
def test_task_aspects(engine, question, fragment):
    assert fragment in engine.answer(question).text


def test_card_shows_everything_and_recorded_fixes(engine):
    text = engine.answer("党委第7项").text
    for part in ("主要职责：", "工作任务：", "落实单位：", "检查标准：", "检查方式：", "数据说明："):
        assert part in text
    assert "巡察" in text


def test_task_that_does_not_exist(engine):
    a = engine.answer("第99项")
    assert a.intent is Intent.task_lookup and a.tasks == []
    assert "没有第99项" in a.text and "27" in a.text and "30" in a.text
    assert "只有" not in engine.answer("党委第28项").text
    assert "党委表没有第28项" in engine.answer("党委第28项").text


# --- topics, units ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "question, first",
    [
        ("干部任前考法律", ("party", 21)),
        ("领导带头讲法治课", ("party", 25)),
        ("判决不执行怎么办", ("government", 25)),
        ("红头文件要备案吗", None),
    ],
)
def test_topics_in_the_users_own_words(engine, question, first):
    a = engine.answer(question)
    assert a.intent is Intent.criteria_search
    if first:
        assert refs(a)[0] == first


def test_legal_adviser_question_answers_units_of_both_tables(engine):
    a = engine.answer("法律顾问那条谁负责")
    assert refs(a)[:2] == [("party", 14), ("government", 9)]
    assert "县（区）委办公室" in a.text and "县（区）司法局" in a.text


def test_unit_tasks_grouped_by_table(engine, rubric):
    a = engine.answer("县司法局要负责哪些任务")
    assert a.intent is Intent.unit_tasks
    expected = {
        (key, t.no) for key, tb in rubric.tables.items() for t in tb.tasks if "县（区）司法局" in t.units
    }
    assert set(refs(a)) == expected and len(expected) > 10
    assert a.text.index("党委表") < a.text.index("政府表")


# --- campaign ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question, topic, fragment",
    [
        ("自查报告哪天交", "self_check_report", "2020年8月10日前"),
        ("自查什么时候开始", "self_check", "8月1日至8月10日"),
        ("整改报告截止", "rectification_report", "2020年9月5日前"),
        ("督察组报告什么时候交", "inspection_group_report", "2020年8月25日前"),
        ("省里什么时候来督察", "central_inspection", "具体时间待定"),
        ("督察分几个阶段", "phases", "迎接督察阶段"),
    ],
)
def test_phases_and_deadlines(engine, question, topic, fragment):
    a = engine.answer(question)
    assert (a.intent, a.topic) == (Intent.phase_deadline, topic)
    assert fragment in a.text


@pytest.mark.parametrize(
    "question, topic, fragment",
    [
        ("自查报告写多少问题", "report_rules", "60%"),
        ("整改方案要写哪些内容", "rectification_plan", "责任领导、责任单位、责任人及完成时限"),
        ("整改不力会怎样", "consequences", "挂牌督办"),
        ("这次督察谁牵头", "organization", "市委依法治市办牵头"),
        ("《纲要》是什么", "documents", "法治政府建设实施纲要（2015—2020年）"),
        ("示范创建指标有多少项", "attachment2", "125"),
    ],
)
def test_report_rules_and_campaign(engine, question, topic, fragment):
    a = engine.answer(question)
    assert (a.intent, a.topic) == (Intent.report_rule, topic)
    assert fragment in a.text


def test_totals_and_duties(engine):
    a = engine.answer("一共多少项，多少分")
    assert a.intent is Intent.totals
    assert "27项任务" in a.text and "30项任务" in a.text and "100分" in a.text
    d = engine.answer("党委的六项主要职责是什么")
    assert d.intent is Intent.totals and d.topic == "duties"
    assert "第1–6项" in d.text and "政府表" not in d.text


# --- buttons -------------------------------------------------------------------------


def test_buttons_perform_what_they_say(engine):
    card = engine.answer("党委第3项")
    actions = [b.action for row in card.buttons for b in row]
    assert ShowTask("party", 3, "criteria") in actions and ShowTask("party", 4, "card") in actions
    units = engine.perform(ShowTask("party", 3, "units"))
    assert "县（区）发改委" in units.text
    assert engine.perform(ShowPhase("all")).intent is Intent.phase_deadline
    assert engine.perform(ShowUnit(10_000)).intent is Intent.out_of_scope


# --- refusals and bad input ----------------------------------------------------------


def test_out_of_scope_says_what_it_can_answer(engine):
    a = engine.answer("今天天气怎么样")
    assert a.intent is Intent.out_of_scope
    assert "自查报告哪天交" in a.text


BAD_INPUTS = [
    "",
    "   ",
    "法" * 10_000,
    "😀😂👍",
    "第10项 what earns points? 谢谢🙏",
    "\x00\x07第\x1b10项\u202e",
    "'; DROP TABLE users; --",
    "<b>第10项</b><script>alert(1)</script>",
    "</i><b>",
    "/unknowncommand",
    "第99项",
    "第0项",
    "第-1项",
    "&amp; &lt; < > &",
]


@pytest.mark.parametrize("text", BAD_INPUTS)
def test_bad_input_gets_a_clear_reply_and_valid_html(engine, text):
    a = engine.answer(text)
    assert a.text.strip()
    for chunk in a.doc.html_chunks():
        assert 0 < len(chunk) <= 4096
        _assert_balanced(chunk)
        assert "<script" not in chunk and "<b>第10项</b>" not in chunk


def test_long_input_is_answered_with_a_notice(engine):
    a = engine.answer("法律顾问" * 3000)
    assert "只阅读了前300个字" in a.text


def _assert_balanced(html: str) -> None:
    from html.parser import HTMLParser

    stack: list[str] = []

    class Checker(HTMLParser):
        def handle_starttag(self, tag, attrs):
            assert tag in ("b", "i"), tag
            stack.append(tag)

        def handle_endtag(self, tag):
            assert stack and stack.pop() == tag, tag

    Checker().feed(html)
    assert not stack


# --- ranking over the question sets --------------------------------------------------


def _check(engine, item) -> bool:
    a = engine.answer(item["q"], item.get("table"))
    got = refs(a)
    if a.intent.value != item["intent"]:
        return False
    if "top" in item and got[:1] != [tuple(item["top"])]:
        return False
    return all(tuple(t) in got[:3] for t in item.get("also", []))


# Never below what the sets gave on the fresh set's first contact (175/176 and 68/70 by this check).
@pytest.mark.parametrize("name, minimum", [("questions.yaml", 0.99), ("questions_holdout.yaml", 0.97)])
def test_ranking_accuracy(engine, name, minimum):
    items = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))
    assert len(items) >= 70
    misses = [i["q"] for i in items if not _check(engine, i)]
    accuracy = 1 - len(misses) / len(items)
    assert accuracy >= minimum, f"{accuracy:.1%} right; misses: {misses}"


def test_question_set_covers_every_task(rubric):
    items = yaml.safe_load((DATA / "questions.yaml").read_text(encoding="utf-8"))
    assert len(items) >= 80
    covered = {tuple(i["top"]) for i in items if i["intent"] == "criteria_search" and "top" in i}
    every = {(k, t.no) for k, tb in rubric.tables.items() for t in tb.tasks}
    assert covered == every


def test_fresh_question_set_has_the_issues_composition():
    """At least 150 questions: about a third about the notice itself, a fifth about units, 20 in English."""
    items = yaml.safe_load((DATA / "questions_fresh.yaml").read_text(encoding="utf-8"))
    n = len(items)
    notice = sum(i["intent"] in ("phase_deadline", "report_rule", "totals") for i in items)
    units = sum(i["intent"] == "unit_tasks" for i in items)
    assert n >= 150 and 0.28 <= notice / n <= 0.4 and 0.15 <= units / n <= 0.25
    assert sum(i.get("lang") == "en" for i in items) == 20
    assert any("yesno" in i for i in items) and any("facts" in i for i in items)
    with_table = [i for i in items if i["intent"] == "unit_tasks" and ("表" in i["q"] or "table" in i["q"])]
    assert 0 < len(with_table) < units  # units asked with and without a table


def test_fresh_question_set_meets_the_targets(engine):
    """questions_fresh.yaml was written without seeing the engine and frozen before it changed."""
    from bot.qa.evaluate import evaluate, load_items, report

    figures = evaluate(lambda q, table: engine.answer(q, table), load_items(DATA / "questions_fresh.yaml"))
    assert len(figures.outcomes) >= 150
    shown = "\n".join(report(figures, "questions_fresh.yaml"))
    intent, first, facts, yesno = figures.intent, figures.first_task, figures.facts, figures.yesno
    assert intent[0] / intent[1] >= 0.95, shown
    assert first[0] / first[1] >= 0.95, shown
    assert figures.unit_f1[0] >= 0.95, shown
    assert facts[0] / facts[1] >= 0.9, shown
    assert yesno[0] / yesno[1] >= 0.9, shown
