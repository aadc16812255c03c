"""Findings become rectification items (source 督察反馈) when a coordinator releases them.

The items live in ``rectification_items`` and run through the same loop as the self-check's
own items (reported, closed 销号, or sent back). Releasing again after a reopen brings the
items in line with the findings: new findings are added, changed wording is updated, and
items of findings that were withdrawn are removed unless the unit already acted on them.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from bot.inspection.compare import Finding
from bot.inspection.states import ITEM_OPEN, ITEM_SOURCE
from bot.storage.models import Inspection, RectificationItem

UNTOUCHED = ("open", "returned")  # states in which a withdrawn finding's item may be removed


def sync_items(
    s: Session, insp: Inspection, found: list[Finding], deadline: dt.date | None, by: str, now: dt.datetime
) -> list[RectificationItem]:
    """Make the inspection's items match its findings; returns them in table order."""
    existing = {
        (r.task_no, r.criterion): r
        for r in s.exec(select(RectificationItem).where(RectificationItem.inspection_id == insp.id)).all()
    }
    out = []
    for f in found:
        key = (f.task.no, f.index)
        row = existing.pop(key, None)
        if row is None:
            row = RectificationItem(
                round=insp.round, unit=insp.unit, table_key=insp.table_key, source=ITEM_SOURCE, inspection_id=insp.id,
                task_no=f.task.no, criterion=f.index, problem=f.problem[:2000], measure=(f.recommendation or None),
                deadline=deadline, state=ITEM_OPEN, created_by=by, created_at=now, updated_by=by, updated_at=now,
            )
        else:
            row.problem, row.measure = f.problem[:2000], f.recommendation or None
            row.updated_by, row.updated_at = by, now
        s.add(row)
        out.append(row)
    for row in existing.values():
        if row.state in UNTOUCHED:
            s.delete(row)
    s.flush()
    return out


def feedback_items(s: Session, round_: str, unit: str | None = None) -> list[RectificationItem]:
    """Every released finding's item of the round (of one unit), for the rectification loop."""
    query = select(RectificationItem).where(RectificationItem.round == round_, RectificationItem.source == ITEM_SOURCE)
    if unit:
        query = query.where(RectificationItem.unit == unit)
    return list(s.exec(query.order_by(RectificationItem.unit, RectificationItem.table_key, RectificationItem.task_no, RectificationItem.criterion)).all())
