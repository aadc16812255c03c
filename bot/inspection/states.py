"""The inspection's typed states. Stored as their string values; the code cannot misspell them."""

from __future__ import annotations

from enum import StrEnum


class InspectionStatus(StrEnum):
    """open → submitted (locked) → released (反馈 to the unit); a coordinator may reopen."""

    open = "open"
    submitted = "submitted"
    released = "released"


class Step(StrEnum):
    """Where an inspector is on the current criterion (``inspection_cursors.step``)."""

    level = "level"  # waiting for a level (button or typed)
    finding = "finding"  # below full points: waiting for the problem found (问题)
    recommendation = "recommendation"  # then for the recommendation (整改意见)
    paused = "paused"  # not in the conversation: typed text is a question again


FIELD_STEPS = (Step.finding, Step.recommendation)
ACTIVE_STEPS = (Step.level, Step.finding, Step.recommendation)


# A finding becomes a rectification item of this source (rectification_items.source).
ITEM_SOURCE = "inspection"
ITEM_OPEN = "open"

TABLE_KEYS = ("party", "government")  # button code x: the table's position here
