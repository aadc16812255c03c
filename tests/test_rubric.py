"""The data files hold the whole notice, validated; broken files fail with a clear message."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.common.rubric import PHASE_ORDER, AnomalyKind
from rubric_data.loader import DATA_DIR, RubricError, load_rubric


def test_tables_have_27_and_30_tasks_of_100_points(rubric):
    assert len(rubric.tables["party"].tasks) == 27
    assert len(rubric.tables["government"].tasks) == 30
    for table in rubric.tables.values():
        assert sum(t.points for t in table.tasks) == 100
        assert sum(table.duty_points(d.no) for d in table.duties) == 100


def test_every_task_has_units_criteria_levels_and_a_check_method(rubric):
    for table in rubric.tables.values():
        for task in table.tasks:
            assert task.units and all(u.strip() for u in task.units), (table.key, task.no)
            assert task.criteria, (table.key, task.no)
            assert task.check_method.strip(), (table.key, task.no)
            for c in task.criteria:
                assert c.levels[0].points == c.points and c.levels[-1].points == 0


def test_every_table_has_six_duties_and_responsible_leader(rubric):
    assert rubric.tables["party"].responsible == "县（区）党委主要负责人"
    assert rubric.tables["government"].responsible == "县（区）政府主要负责人"
    for table in rubric.tables.values():
        assert [d.no for d in table.duties] == [1, 2, 3, 4, 5, 6]


def test_first_criterion_of_party_task_1_has_the_notice_levels(rubric):
    levels = rubric.tables["party"].task(1).criteria[0].levels
    assert [(lv.label, lv.points) for lv in levels] == [("听取2次及以上", 2), ("听取1次", 1), ("未听取", 0)]


def test_shifted_rows_of_party_tasks_7_to_10_are_realigned_and_recorded(rubric):
    party = rubric.tables["party"]
    assert "巡察" in party.task(7).criteria[0].text
    assert party.task(7).criteria_points == 2
    assert party.task(8).criteria_points == 5
    assert party.task(9).criteria_points == 4
    assert "宣传" in party.task(10).criteria[0].text
    for no in (7, 8, 9, 10):
        assert any(a.kind is AnomalyKind.shifted_row for a in party.task(no).anomalies), no


def test_points_mismatch_is_recorded_and_capped(rubric):
    task = rubric.tables["government"].task(1)
    assert task.criteria_points == 8 and task.points == 7
    assert any(a.kind is AnomalyKind.points_mismatch for a in task.anomalies)
    assert task.capped(8) == 7
    assert task.capped(5) == 5


def test_no_html_tags_or_english_and_left_in_the_text(rubric):
    for table in rubric.tables.values():
        for task in table.tasks:
            blob = task.text + "".join(c.text for c in task.criteria) + table.duty(task.duty).text
            assert "<p>" not in blob and " and " not in blob, (table.key, task.no)


def test_campaign_phases_dates_and_deliverables(rubric):
    c = rubric.campaign
    assert c.doc_no == "濮治市办〔2020〕8号"
    assert c.timezone == "Asia/Shanghai"
    assert tuple(p.key for p in c.phases) == PHASE_ORDER
    self_check = c.phase("self_check")
    assert (self_check.start.isoformat(), self_check.end.isoformat()) == ("2020-08-01", "2020-08-10")
    dues = {d.key: d.due.isoformat() for p in c.phases for d in p.deliverables}
    assert dues == {
        "self_check_report": "2020-08-10",
        "inspection_group_report": "2020-08-25",
        "rectification_report": "2020-09-05",
    }
    last = c.phase("central_inspection")
    assert last.start is None and last.end is None and "待定" in last.date_text


def test_report_rules_requirements_documents_and_attachment2(rubric):
    c = rubric.campaign
    assert any("60%" in p for p in c.report_rules.points)
    assert all(word in "".join(c.rectification_plan.points) for word in ("责任领导", "责任单位", "责任人", "完成时限"))
    assert len(c.requirements) == 4
    joined = "".join(c.consequences)
    assert all(word in joined for word in ("约谈", "挂牌督办", "通报批评", "追究责任"))
    shorts = {d.short for d in c.documents}
    assert {"《职责规定》", "《实施办法》", "《纲要》", "《实施方案》"} <= shorts
    counts = {(i.level1, i.level2, i.items) for i in c.indicator_counts}
    assert counts == {(10, 44, 125), (10, 39, 110)}


def test_units_include_the_counties_and_zones(rubric):
    names = " ".join(u.name for u in rubric.units)
    for place in ("华龙区", "濮阳县", "清丰县", "南乐县", "范县", "台前县", "开发区", "工业园区", "示范区"):
        assert place in names


def test_version_is_a_stable_content_hash(rubric):
    assert rubric.version == load_rubric().version
    assert len(rubric.version) == 16


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "rubric"
    shutil.copytree(DATA_DIR, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


def test_broken_points_name_the_file_task_and_field(data_copy: Path):
    path = data_copy / "party.yaml"
    text = path.read_text(encoding="utf-8")
    # Make task 3's first criterion worth 5: its levels no longer fit.
    start = text.index('"no": 3\n    duty:')
    at = text.index("points: 2", text.index("criteria:", start))
    path.write_text(text[:at] + "points: 5" + text[at + len("points: 2") :], encoding="utf-8")
    with pytest.raises(RubricError) as err:
        load_rubric(data_copy)
    message = str(err.value)
    assert "party.yaml" in message and "task 3" in message and "criteria[0]" in message


def test_missing_field_and_bad_yaml_are_reported(data_copy: Path):
    path = data_copy / "government.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("check_method:", "check_methd:", 1), encoding="utf-8")
    with pytest.raises(RubricError) as err:
        load_rubric(data_copy)
    assert "government.yaml" in str(err.value) and "task 1" in str(err.value) and "check_method" in str(err.value)
    path.write_text("tasks: [unclosed", encoding="utf-8")
    with pytest.raises(RubricError, match="not valid YAML"):
        load_rubric(data_copy)
