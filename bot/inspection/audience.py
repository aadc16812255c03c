"""Who the field-inspection phase's reminders go to: the inspection groups' members, and for
the group report's deadline only the members of groups whose units are not all submitted."""

from __future__ import annotations

from sqlmodel import Session

from bot.common.rubric import Rubric
from bot.inspection import records
from bot.inspection.states import InspectionStatus

DONE = (InspectionStatus.submitted, InspectionStatus.released)


def group_members(s: Session, round_: str) -> list[tuple[int, str]]:
    """(user id, group name) of every active member of this round's groups."""
    out = []
    for g in records.groups(s, round_):
        out += [(p.user_id, g.name) for p in records.members(s, g.name)]
    return sorted(set(out))


def owing_group_members(s: Session, rubric: Rubric, round_: str) -> list[tuple[int, str]]:
    """Members of the groups that still owe their report: a unit of theirs (any table it is
    inspected on) whose inspection is not submitted yet."""
    out = []
    for g in records.groups(s, round_):
        owing = False
        for unit in g.units:
            for key in records.tables_for_unit(s, rubric, round_, unit):
                insp = records.find_inspection(s, round_, unit, key)
                if insp is None or insp.status not in DONE:
                    owing = True
        if owing:
            out += [(p.user_id, g.name) for p in records.members(s, g.name)]
    return sorted(set(out))
