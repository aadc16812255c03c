"""Which units' rectification an inspector may read: those their group inspects this round.
An inspection group follows up its findings, so /rectify shows it its units' items, read only
(the unit reports them done, a coordinator closes them)."""

from __future__ import annotations

from sqlmodel import Session

from bot.common import texts
from bot.common.errors import Refusal
from bot.inspection import records


def group_units(s: Session, round_: str, group_name: str) -> list[str]:
    """The units the group inspects this round (none if the group is not set up)."""
    group = records.group_by_name(s, round_, group_name)
    return [a.unit for a in records.assignments(s, round_, group.id)] if group is not None else []


def inspected_unit(s: Session, round_: str, group_name: str, user_id: int, unit: str | None) -> str | None:
    """The unit an inspector asked for (the group's only unit when they named none), None
    when they should be told which to name; a unit of another group is refused."""
    units = group_units(s, round_, group_name)
    if unit is None:
        return units[0] if len(units) == 1 else None
    if unit not in units:
        raise Refusal(
            texts.RECT_INSPECTOR_NOT_YOURS.format(unit=unit, group=group_name, units="、".join(units) or texts.RECT_INSPECTOR_NONE),
            f"inspector {user_id} ({group_name}) asked for {unit}'s rectification, not their group's",
        )
    return unit


def inspector_usage(s: Session, round_: str, group_name: str) -> str:
    units = group_units(s, round_, group_name)
    if not units:
        return texts.RECT_INSPECTOR_NO_UNITS.format(group=group_name)
    return texts.RECT_INSPECTOR_USAGE.format(group=group_name, units="、".join(units), example=units[0])
