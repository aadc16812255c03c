"""`ducha ask --eval FILE`: the figures a maintainer reads before a change lands."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from bot.common.reply import Answer, Intent, TaskRef
from bot.common.richtext import Doc
from bot.qa.evaluate import evaluate, f1, report
from bot.shells.cli import app

runner = CliRunner()

SET = """
- q: 党委第7项怎么打分
  intent: task_lookup
  top: [party, 7]
- q: 自查报告啥时候交
  intent: phase_deadline
  facts: ["8月10日"]
- q: 县司法局在党委表里负责哪几项
  intent: unit_tasks
  tasks: [[party, 16], [party, 21], [party, 25], [party, 26]]
- q: 帮我写一首关于秋天的诗
  intent: out_of_scope
- q: 濮阳明天会下雨吗
  intent: totals
"""


def test_eval_prints_figures_confusion_and_misses_in_chinese(tmp_path):
    path = tmp_path / "set.yaml"
    path.write_text(SET, encoding="utf-8")
    result = runner.invoke(app, ["ask", "--eval", str(path)])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "问题集评测：set.yaml（共5个问题）" in out
    assert "意图准确率" in out and "首位任务准确率：　100.0%（1/1）" in out
    assert "单位任务F1" in out and "通知事实命中率：　100.0%（1/1）" in out
    assert "各意图准确率：" in out and "总数与职责" in out
    # the deliberately wrong item is a miss, in the confusion table and listed with what was expected
    assert "总数与职责 → 超出范围：1题" in out
    assert "· 濮阳明天会下雨吗" in out and "意图应为“总数与职责”，实为“超出范围”" in out


def test_eval_json_gives_the_figures(tmp_path):
    path = tmp_path / "set.yaml"
    path.write_text(SET, encoding="utf-8")
    figures = json.loads(runner.invoke(app, ["ask", "--eval", str(path), "--json"]).stdout)
    assert figures["questions"] == 5 and figures["intent"] == 0.8
    assert [m["q"] for m in figures["misses"]][-1] == "濮阳明天会下雨吗"


def test_eval_missing_or_malformed_file_is_one_clear_line(tmp_path):
    result = runner.invoke(app, ["ask", "--eval", str(tmp_path / "none.yaml")])
    assert result.exit_code == 2 and "找不到问题集文件" in result.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("- q: 只有问题\n", encoding="utf-8")
    result = runner.invoke(app, ["ask", "--eval", str(bad)])
    assert result.exit_code == 2 and "缺少 q（问题）或 intent（意图）" in result.output


def test_yes_no_is_judged_by_what_the_first_word_says():
    items = [
        {"q": q, "intent": "phase_deadline", "yesno": want}
        for q, want in [("a", "不是"), ("b", "不是"), ("c", "是"), ("d", "是"), ("e", "来不及"), ("f", "来得及")]
    ]
    answers = {
        "a": "不行。自查报告应于8月10日前报送。",  # 行不行 answered 不行: the same as 不是
        "b": "行。",  # the opposite
        "c": "可以。",
        "d": "不可以。",
        "e": "晚了。整改报告应于9月5日前报送。",
        "f": "是。",  # a yes where a word of time was expected says nothing about time
    }
    figures = evaluate(lambda q, table: Answer(Intent.phase_deadline, Doc().add(answers[q])), items)
    assert [o.yesno_ok for o in figures.outcomes] == [True, False, True, False, True, False]


def test_judging_counts_partial_unit_lists_and_wrong_first_words():
    items = [
        {"q": "a", "intent": "unit_tasks", "tasks": [["party", 1], ["party", 2]]},
        {"q": "b", "intent": "phase_deadline", "yesno": "不是", "facts": ["9月5日"]},
    ]
    answers = {
        "a": Answer(Intent.unit_tasks, Doc().add("x"), tasks=[TaskRef("party", 1, "t"), TaskRef("government", 3, "t")]),
        "b": Answer(Intent.phase_deadline, Doc().add("是的，9月5日前。")),
    }
    figures = evaluate(lambda q, table: answers[q], items)
    assert figures.unit_f1 == (0.5, 1) and f1(set(), set()) == 1.0
    assert figures.yesno == (0, 1) and figures.facts == (1, 1)
    text = "\n".join(report(figures, "x"))
    assert "缺党委表第2项，多政府表第3项" in text and "应以“不是”开头" in text
