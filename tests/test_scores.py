"""A snapshot's progress and scores are those of their plain definitions, however the answers
are held (a dict of records, or rows made into records only when looked at), with stale,
unmarked and unknown answers mixed in."""

from __future__ import annotations

import random

import pytest

from bot.scoring.scores import AnswerRecord, AnswerRows, AssessmentSnapshot, criterion_fingerprint


# --- the plain definitions, written out the long way ------------------------------------------

def plain_keys(table):
    return [(t.no, i) for t in table.tasks for i in range(len(t.criteria))]


def plain_stale(table, answers, key):
    answer = answers.get(key)
    if answer is None or not answer.fingerprint:
        return False
    task = table.task(key[0])
    if task is None or key[1] >= len(task.criteria):
        return True
    return answer.fingerprint != criterion_fingerprint(task.criteria[key[1]])


def plain_answered(table, answers, key):
    return key in answers and not plain_stale(table, answers, key)


def plain_task_score(table, answers, task):
    got = sum(answers[(task.no, i)].points for i in range(len(task.criteria)) if plain_answered(table, answers, (task.no, i)))
    return task.capped(got)


def plain_next(table, answers, after):
    keys = plain_keys(table)
    start = keys.index(after) + 1 if after in keys else 0
    return next((k for k in keys[start:] + keys[:start] if not plain_answered(table, answers, k)), None)


# --- random assessments ---------------------------------------------------------------------


def random_answers(table, rng: random.Random, share: float, best: bool = False) -> dict:
    answers = {}
    for task in table.tasks:
        for i, c in enumerate(task.criteria):
            if rng.random() > share:
                continue
            level = 0 if best else rng.randrange(len(c.levels))
            fingerprint = rng.choice([criterion_fingerprint(c)] * 6 + ["", "0123456789ab"])  # mostly current
            answers[(task.no, i)] = AnswerRecord(task.no, i, level, c.levels[level].points, "张三", None, 1, fingerprint)
    for key in [(99, 0), (1, 40)]:  # answers to criteria the table no longer has
        if rng.random() < 0.5:
            answers[key] = AnswerRecord(key[0], key[1], 0, 3.0, "李四", None, 1, rng.choice(["", "0123456789ab"]))
    return answers


def held_as_rows(answers: dict) -> AnswerRows:
    rows = {k: (a.points, a.fingerprint, a) for k, a in answers.items()}
    return AnswerRows(rows, lambda r: r[2], points_at=0, fingerprint_at=1)


@pytest.mark.parametrize("seed", range(16))
@pytest.mark.parametrize("held", ["dict", "rows"])
def test_figures_match_their_plain_definitions(rubric, seed, held):
    rng = random.Random(seed)
    table = rubric.table(["party", "government"][seed % 2])  # government task 1's criteria add up past its points
    answers = random_answers(table, rng, share=rng.choice([0.0, 0.3, 0.9, 1.0]), best=seed % 4 < 2)
    snap = AssessmentSnapshot(
        id=1, unit="华龙区", table=table, round="2020", status="open", rubric_version="v",
        answers=answers if held == "dict" else held_as_rows(answers),
    )
    keys = plain_keys(table)
    assert snap.keys() == keys
    probe = keys + [(99, 0), (1, 40), (0, 0)]
    assert [snap.is_stale(k) for k in probe] == [plain_stale(table, answers, k) for k in probe]
    assert [snap.answered(k) for k in probe] == [plain_answered(table, answers, k) for k in probe]
    assert [snap.task_done(t) for t in table.tasks] == [
        all(plain_answered(table, answers, (t.no, i)) for i in range(len(t.criteria))) for t in table.tasks
    ]
    assert snap.tasks_done == sum(
        1 for t in table.tasks if all(plain_answered(table, answers, (t.no, i)) for i in range(len(t.criteria)))
    )
    assert snap.criteria_done == sum(1 for k in keys if plain_answered(table, answers, k))
    assert snap.criteria_total == len(keys)
    assert snap.complete == (snap.criteria_done == len(keys))
    assert [snap.next_unanswered(k) for k in [None, *keys]] == [plain_next(table, answers, k) for k in [None, *keys]]
    assert snap.stale_keys() == [k for k in keys if k in answers and plain_stale(table, answers, k)]
    assert [snap.task_score(t) for t in table.tasks] == [plain_task_score(table, answers, t) for t in table.tasks]
    assert snap.total == sum(plain_task_score(table, answers, t) for t in table.tasks)
    assert snap.duty_subtotals() == [
        (d.no, sum(plain_task_score(table, answers, t) for t in table.tasks if t.duty == d.no), table.duty_points(d.no))
        for d in table.duties
    ]
    assert [(d.task.no, d.criterion_index, d.lost) for d in snap.deductions()] == sorted(
        (
            (t.no, i, c.points - answers[(t.no, i)].points)
            for t in table.tasks
            for i, c in enumerate(t.criteria)
            if plain_answered(table, answers, (t.no, i)) and answers[(t.no, i)].points < c.points
        ),
        key=lambda x: (-x[2], x[0], x[1]),
    )


def test_rows_become_records_only_when_looked_at(rubric):
    table = rubric.table("party")
    answers = random_answers(table, random.Random(1), share=1.0)
    made = []
    rows = AnswerRows({k: (a.points, a.fingerprint, a) for k, a in answers.items()},
                      lambda r: made.append(r) or r[2], points_at=0, fingerprint_at=1)
    snap = AssessmentSnapshot(id=1, unit="华龙区", table=table, round="2020", status="open", rubric_version="v", answers=rows)
    assert snap.total == sum(plain_task_score(table, answers, t) for t in table.tasks)
    assert made == []  # progress and scores come from the rows themselves
    assert snap.answers.get((1, 0)) == answers[(1, 0)] and snap.answers.get((1, 0)) is snap.answers[(1, 0)]
    assert len(made) == 1 and (1, 0) in snap.answers and (99, 9) not in snap.answers
    assert dict(snap.answers) == answers
