"""One index over the whole notice: the issue's examples, yes/no forms, this round's calendar,
combined filters, English questions, clarifying questions, and data that answers by itself."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from bot.common.callbacks import ShowItem, pack, unpack
from bot.common.reply import Intent
from bot.qa.engine import Engine
from rubric_data.loader import DATA_DIR, load_rubric
from scheduler.calendar import round_calendar, shift_overrides

DATA_FILES = Path(__file__).parent / "data"


def refs(answer):
    return [(t.table, t.no) for t in answer.tasks]


def first_line(answer) -> str:
    return answer.text.strip().split("\n", 1)[0]


# --- the issue's examples ------------------------------------------------------------------


def test_share_of_problems_and_measures_is_60_percent(engine):
    a = engine.answer("问题清单和整改措施在自查报告里要占多少比例")
    assert a.intent is Intent.report_rule and a.topic == "report_rules"
    assert "60%" in a.text


def test_both_tables_together(engine):
    a = engine.answer("党委表和政府表总共有几项")
    assert a.intent is Intent.totals
    assert "27项任务" in a.text and "30项任务" in a.text and "合计57项" in a.text


def test_rectification_report_later_than_its_deadline_is_no(engine):
    a = engine.answer("整改报告可以9月8日再报吗")
    assert a.intent is Intent.phase_deadline and a.topic == "rectification_report"
    assert first_line(a).startswith("不可以。") and "9月5日" in first_line(a)


def test_self_check_report_a_day_late_is_no_with_the_deadline(engine):
    a = engine.answer("自查报告8月11日报送行不行")
    assert first_line(a).startswith("不行。") and "8月10日" in first_line(a)
    assert "8月11日已晚1天" in a.text


def test_unit_in_one_table_lists_that_table_only(engine):
    a = engine.answer("县司法局在党委表里负责哪几项")
    assert a.intent is Intent.unit_tasks
    assert set(refs(a)) == {("party", 16), ("party", 21), ("party", 25), ("party", 26)}
    assert "政府表" not in a.text


def test_county_government_task_number_is_the_government_table(engine):
    a = engine.answer("县府第5项")
    assert refs(a) == [("government", 5)]


def test_administrative_reconsideration_in_english(engine):
    a = engine.answer("Which task is about administrative reconsideration?")
    assert a.intent is Intent.criteria_search and refs(a)[0] == ("government", 21)
    assert "administrative reconsideration → 行政复议" in a.text
    assert "抱歉" not in a.text


# --- yes / no ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question, word, fact",
    [
        ("整改报告是9月8日前交吗", "不是", "9月5日"),  # a date named as the deadline, and it is not
        ("整改报告是不是9月5日前报", "是", "9月5日"),
        ("自查报告8月8日交上去可以吧", "可以", "8月10日"),  # a day to hand in, before the deadline
        ("我们自查报告8月12日才能写完，来得及吗", "来不及", "8月10日"),
        ("整改报告9月3日报上去来得及吗", "来得及", "9月5日"),
        ("8月15日是不是在实地督察阶段里", "是", "8月11日"),
        ("实地督察是不是8月1日就开始了", "不是", "8月11日"),
        ("自查报告是不是交给市司法局", "不是", "市委依法治市办"),
        ("党委表是不是30项", "不是", "27"),
        ("政府那张表是30项吧", "是", "30"),
        ("问题和整改措施写够一半篇幅就行了吧", "不行", "60%"),
        ("自查报告里问题加措施占到六成以上，对吗", "对", "60%"),
        ("自查报告可以少于60%吗", "不可以", "60%"),
        ("自查报告能不能避重就轻", "不能", "避重就轻"),
        # answered in the words it was asked with: 晚了没 → 晚了, never a 不是 that reads as "not late"
        ("整改报告9月10号交晚了没", "晚了", "9月5日"),
        ("整改报告9月1号交晚不晚", "不晚", "9月5日"),
        ("华龙区整改报告9月6日交还行吗", "不行", "9月5日"),
        ("两张表加起来是57项对不对", "对", "57"),
        # asked the other way round: the rule, and the answer turned accordingly
        ("自查报告可以不附问题清单吗", "不可以", "问题清单"),
        ("问题清单不附行吗", "不行", "问题清单"),
        ("整改方案不用写完成时限吧", "不是", "完成时限"),
        ("工作不重视、整改不到位的要追责吗", "是", "追究责任"),  # 不重视 is the rule's own wording
        # what is asked comes last, in the user's own words: 落实到具体人 → 责任人
        ("整改措施要落实到具体人吗", "是", "责任人"),
        ("两张表加一起五十七项对不对", "对", "57"),  # a count is a slot, not words to search for
        ("不整改会被通报吗", "是", "通报批评"),
        ("一把手要亲自抓吗", "是", "亲自"),
        ("整改方案要明确责任人吗", "是", "责任人"),
    ],
)
def test_yes_no_questions_answer_first_then_the_fact(engine, question, word, fact):
    a = engine.answer(question)
    line = first_line(a)
    assert line.startswith(word + "。"), line
    assert fact in line


def test_in_time_counts_from_today(engine):
    a = engine.answer("自查报告还来得及吗", today=dt.date(2020, 8, 5))
    assert first_line(a).startswith("来得及") and "还有5天" in first_line(a)
    late = engine.answer("自查报告还来得及吗", today=dt.date(2020, 8, 12))
    assert first_line(late).startswith("来不及")
    left = engine.answer("自查报告还有几天截止", today=dt.date(2020, 8, 7))
    assert "还有3天" in first_line(left)


def test_relative_dates_are_read_from_today(engine):
    wednesday = engine.answer("整改报告下周三交行吗", today=dt.date(2020, 9, 1))  # a Tuesday
    assert first_line(wednesday).startswith("不行。") and "9月9日" in first_line(wednesday)
    month_end = engine.answer("自查报告月底前交行不行", today=dt.date(2020, 8, 3))
    assert first_line(month_end).startswith("不行。")


def test_a_number_of_a_kind_of_thing_is_no_count(engine):
    a = engine.answer("行政执法三项制度怎么考")  # 三项制度 is a name, not "three items"
    assert a.intent is Intent.criteria_search and refs(a)[0] == ("government", 15)


def test_two_deliverables_asked_together_are_both_dated(engine):
    for question in ("整改报告和自查报告分别什么时候交", "自查报告和整改报告都交给谁"):
        a = engine.answer(question)
        assert a.intent is Intent.phase_deadline
        assert "8月10日" in a.text and "9月5日" in a.text and "市委依法治市办" in a.text


def test_document_named_without_its_quotes(engine):
    a = engine.answer("职责规定是哪个文件")
    assert a.intent is Intent.report_rule and "全称：《党政主要负责人履行推进法治建设第一责任人职责规定》" in a.text
    # a title inside a title keeps the notice's own 〈〉
    assert "《河南省贯彻〈党政主要负责人履行推进法治建设第一责任人职责规定〉的实施办法》" in engine.answer("实施办法指的是什么").text
    # 实施方案 is also what the notice calls itself: the bare words are not the provincial plan
    assert engine.answer("这个实施方案是依据哪些文件制定的").topic == "documents"
    assert "通知引用的主要文件" in engine.answer("这个实施方案是依据哪些文件制定的").text


def test_asked_as_people_talk(engine):
    """From a terminal session played as a county office."""
    police = engine.answer("公安局在党委那张表有事没")
    assert police.intent is Intent.unit_tasks and refs(police) == [("party", 16)]
    who = engine.answer("执法人员培训那条是组织部管还是司法局管")
    assert refs(who)[0] == ("government", 28) and "落实单位：县（区）委组织部、县（区）司法局" in who.text
    assert "检查标准" not in who.text  # the units were asked, not the whole card
    chair = engine.answer("依法治县委员会主任谁来当")  # who holds the post: the task's text, not its units
    assert "县（区）党委主要负责人担任全面依法治县（区）委员会主任" in chair.text and "落实单位" not in chair.text
    same = engine.answer("党委表和政府表一样多吗")
    assert same.intent is Intent.totals and "27项任务" in same.text and "30项任务" in same.text
    outline = engine.answer("What is the full name of the Outline?")
    assert "《纲要》全称：《法治政府建设实施纲要（2015—2020年）》" in outline.text


def test_no_button_is_offered_twice(engine):
    items = yaml.safe_load((DATA_FILES / "questions.yaml").read_text(encoding="utf-8"))
    for q in [i["q"] for i in items] + ["常务会学法一年几次", "依法治县委员会主任谁来当"]:
        actions = [b.action for row in engine.answer(q).buttons for b in row]
        assert len(actions) == len(set(actions)), q


# --- this round's calendar ------------------------------------------------------------------


@pytest.fixture(scope="module")
def moved(rubric):
    """A 2026 round: the self-check and rectification phases set by a coordinator."""
    return round_calendar(
        rubric.campaign,
        {"self_check": (dt.date(2026, 12, 1), dt.date(2026, 12, 10)), "rectification": (dt.date(2027, 1, 4), dt.date(2027, 1, 15))},
    )


def test_deadline_uses_this_rounds_calendar_and_keeps_the_notices_date(engine, moved):
    a = engine.answer("自查报告哪天交", calendar=moved)
    assert "2026年12月10日前（星期四）" in a.text and "通知原定：2020年8月10日前" in a.text
    assert "2020年8月10日前（星期一）" not in a.text
    left = engine.answer("自查报告哪天交", calendar=moved, today=dt.date(2026, 12, 3))
    assert "距截止还有7天" in left.text


def test_dates_inside_the_notices_sentences_follow_the_round(engine, moved):
    a = engine.answer("自查报告写多少问题", calendar=moved)
    assert "60%" in a.text
    assert "于12月10日之前报市委依法治市办" in a.text and "8月10日" not in a.text


def test_yes_no_and_days_left_use_the_round(engine, moved):
    a = engine.answer("自查报告12月12号交来得及吗", calendar=moved)
    assert first_line(a).startswith("来不及") and "2026年12月10日" in first_line(a)
    january = engine.answer("整改报告1月10日交可以吗", calendar=moved)
    assert first_line(january).startswith("可以。") and "2027年1月15日" in first_line(january)
    left = engine.answer("自查报告还有几天", calendar=moved, today=dt.date(2026, 12, 3))
    assert "还有7天" in first_line(left)
    old = engine.answer("自查报告8月11日报送行不行", calendar=moved)
    assert first_line(old).startswith("行。") and "2026年12月10日" in first_line(old)  # not the notice's 8月10日


def test_the_issues_late_rectification_report_in_a_round_of_its_own(engine, rubric):
    """整改报告可以9月8日再报吗 in a 2026 round whose 反馈整改 ends 9月7日: no, by this round's date."""
    autumn = round_calendar(rubric.campaign, {"rectification": (dt.date(2026, 8, 31), dt.date(2026, 9, 7))})
    a = engine.answer("整改报告可以9月8日再报吗", calendar=autumn)
    assert first_line(a) == "不可以。整改报告应于2026年9月7日前报送，9月8日已晚1天。"
    assert "通知原定：2020年9月5日前" in a.text
    assert first_line(engine.answer("整改报告可以9月6日报吗", calendar=autumn)).startswith("可以。")  # late by the notice


def test_phases_overview_names_the_round(engine, moved):
    a = engine.answer("督察分几个阶段", calendar=moved)
    assert a.text.startswith("本轮（2026）督察工作共分五个阶段")
    assert "自查阶段：2026年12月1日至12月10日" in a.text
    assert engine.answer("督察分几个阶段").text.count("通知原定") == 0  # the template says nothing extra
    original = engine.answer("通知原定自查报告哪天交", calendar=moved)
    assert "2020年8月10日前（星期一）" in original.text and "通知原定" in original.text


def test_phase_buttons_show_the_round(engine, moved):
    from bot.common.callbacks import ShowPhase

    a = engine.perform(ShowPhase("self_check"), moved)
    assert "12月1日至12月10日" in a.text


# --- filters combine ------------------------------------------------------------------------


def test_unit_and_table(engine):
    a = engine.answer("司法局在政府表里")
    assert a.intent is Intent.unit_tasks and {t for t, _ in refs(a)} == {"government"}
    assert ("government", 14) in refs(a)  # 市司法局: a bare 司法局 means the city's too


def test_unit_and_topic(engine):
    a = engine.answer("司法局负责的执法培训那条")
    assert a.intent is Intent.criteria_search and refs(a)[0] == ("government", 28)
    assert "司法局" in a.text


def test_table_and_topic(engine):
    assert refs(engine.answer("政府这边红头文件清理完要不要公布结果"))[0] == ("government", 11)
    assert refs(engine.answer("党委表里关于法律顾问的是哪条"))[0] == ("party", 14)


def test_unit_named_only_in_passing_is_not_a_unit_question(engine):
    a = engine.answer("老百姓告政府，法院立案了政府要配合吗")
    assert a.intent is Intent.criteria_search and refs(a)[0] == ("government", 23)


def test_county_unit_is_not_the_party_table(engine):
    a = engine.answer("县委组织部总共要对哪些任务负责")
    assert ("government", 28) in refs(a)


# --- English ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question, intent, fact",
    [
        ("When is the self-check report due?", Intent.phase_deadline, "8月10日"),
        ("How many tasks does the government table have?", Intent.totals, "30"),
        ("Who leads the inspection?", Intent.report_rule, "市委依法治市办牵头"),
        ("Is the self-check report due on August 12?", Intent.phase_deadline, "不是"),
        ("Does the party committee need to hear reports on rule of law every six months?", Intent.criteria_search, "党委表 第1项"),
        ("Who must attend court when the government is sued?", Intent.criteria_search, "政府表第24项"),
    ],
)
def test_english_questions_are_answered_in_chinese(engine, question, intent, fact):
    a = engine.answer(question)
    assert a.intent is intent and fact in a.text
    assert "英文问题按以下词语理解" in a.text


def test_english_out_of_scope_is_refused(engine):
    a = engine.answer("What's the weather like in Puyang tomorrow?")
    assert a.intent is Intent.out_of_scope


# --- clarifying questions --------------------------------------------------------------------------


def test_close_candidates_of_different_kinds_are_asked_about(engine):
    a = engine.answer("整改")
    assert a.topic == "clarify" and a.unsure
    assert a.text.startswith("您想问的是哪一个？")
    actions = [b.action for row in a.buttons for b in row]
    assert len(actions) == 2 and all(isinstance(x, ShowItem) for x in actions)
    for action in actions:
        shown = engine.perform(action)
        assert shown.intent is not Intent.out_of_scope and "整改" in shown.text
        assert unpack(pack(action)) == (None, action)


def test_close_tasks_in_both_tables_ask_which_table(engine):
    a = engine.answer("法律顾问那一项在哪")
    assert a.topic == "clarify" and a.intent is Intent.criteria_search and a.unsure
    assert a.text.startswith("两张打分表都有相关任务，您想看哪一张表的？")
    assert refs(a) == [("party", 14), ("government", 9)]
    assert [b.label for row in a.buttons for b in row] == ["党委表第14项", "政府表第9项"]
    # asked which units: both answered at once, no question back
    both = engine.answer("法律顾问那条谁负责")
    assert both.topic != "clarify" and "县（区）委办公室" in both.text and "县（区）司法局" in both.text


def test_close_tasks_in_one_table_ask_which_task(engine):
    a = engine.answer("法治政府领导小组一年得开几次会")
    assert a.topic == "clarify" and a.text.startswith("有几项任务都比较相关，您指的是哪一项？")
    assert refs(a)[0] == ("government", 5) and len(refs(a)) >= 2
    assert engine.answer("干部任前考法律").topic != "clarify"  # a clear winner is answered


def test_task_in_both_tables_offers_a_choice(engine):
    a = engine.answer("第10项怎么得分")
    assert [b.label for row in a.buttons for b in row] == ["党委表第10项", "政府表第10项"]


def test_stale_item_button(engine):
    assert engine.perform(ShowItem("no.such.item")).intent is Intent.out_of_scope


# --- the data answers by itself ----------------------------------------------------------------------


def test_a_passage_added_to_the_data_is_answerable_without_code(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    campaign = yaml.safe_load((data / "campaign.yaml").read_text(encoding="utf-8"))
    campaign["passages"].append(
        {"key": "contact", "title": "联系方式", "keywords": ["联系人", "电话"], "points": ["联系人：张三，电话0393-1234567。"]}
    )
    (data / "campaign.yaml").write_text(yaml.safe_dump(campaign, allow_unicode=True), encoding="utf-8")
    engine = Engine(load_rubric(data))
    a = engine.answer("督察办的联系电话是多少")
    assert a.intent is Intent.report_rule and "0393-1234567" in a.text


def test_a_synonym_added_to_the_lexicon_is_understood(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    question = "执法仪那一条"
    assert refs(Engine(load_rubric(data)).answer(question))[:1] != [("government", 15)]
    path = data / "lexicon.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  全过程记录: [", "  全过程记录: [执法仪, "), encoding="utf-8")
    assert refs(Engine(load_rubric(data)).answer(question))[0] == ("government", 15)


def test_a_typo_added_to_the_lexicon_is_read_as_the_word_meant(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    question = "行政复义监督那一条"  # 复义: a slip of the input method for 复议
    assert refs(Engine(load_rubric(data)).answer(question))[:1] != [("government", 21)]
    path = data / "lexicon.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("typos:\n", "typos:\n  复义: 复议\n"), encoding="utf-8")
    assert refs(Engine(load_rubric(data)).answer(question))[0] == ("government", 21)


def test_glossary_is_validated(tmp_path):
    from rubric_data.loader import RubricError

    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    (data / "glossary.yaml").write_text("terms:\n  Legal Adviser: 法律顾问\n", encoding="utf-8")
    with pytest.raises(RubricError, match="glossary.yaml"):
        load_rubric(data)


def test_every_item_of_the_notice_renders(engine):
    for item in engine.items:
        a = engine.perform(ShowItem(item.key))
        assert a.intent is item.intent and a.text.strip(), item.key
        assert len(pack(ShowItem(item.key)).encode()) <= 64


def test_days_left_without_a_report_counts_to_the_next_deadline(engine, rubric):
    """还有几天 on its own (a user on 12月2日 asking after the calendar): the next deadline's count first."""
    moved = round_calendar(rubric.campaign, shift_overrides(rubric.campaign, dt.date(2026, 12, 1)))
    a = engine.answer("还有几天", calendar=moved, today=dt.date(2026, 12, 2))
    assert first_line(a) == "今天是2026年12月2日，距自查报告（附问题清单）（2026年12月10日）还有8天。"
    later = engine.answer("离截止还有几天", calendar=moved, today=dt.date(2026, 12, 12))
    assert "督察组报告（2026年12月25日）还有13天" in first_line(later)
    assert "五个阶段" in a.text  # the calendar still follows


def test_days_left_of_a_report_is_said_once(engine, moved):
    a = engine.answer("自查报告还有几天", calendar=moved, today=dt.date(2026, 12, 2))
    assert a.text.count("8天") == 1, a.text
    plain = engine.answer("自查报告哪天交", calendar=moved, today=dt.date(2026, 12, 2))
    assert "距截止还有8天" in plain.text  # asked for the date, the count is still given
