"""Callback data: one scheme, small, and anything the bot did not make is refused."""

from __future__ import annotations

import pytest

from bot.common.callbacks import (
    MAX_BYTES,
    InvalidCallback,
    ShowPhase,
    ShowTask,
    ShowUnit,
    pack,
    unpack,
)


@pytest.mark.parametrize(
    "action",
    [ShowTask("party", 10, "criteria"), ShowTask("government", 30, "card"), ShowUnit(3), ShowPhase("self_check"), ShowPhase("all")],
)
@pytest.mark.parametrize("owner", [None, 123456789, 9_999_999_999_999])
def test_round_trip_within_64_bytes(action, owner):
    data = pack(action, owner)
    assert len(data.encode()) <= MAX_BYTES
    assert unpack(data) == (owner, action)


@pytest.mark.parametrize(
    "data",
    [None, "", "x" * 65, "hello", "d0:-:t:p:10:a", "d1:-:t:x:10:a", "d1:-:t:p:abc:a", "d1:-:t:p:10:z",
     "d1:-:t:p:0:a", "d1:-:t:p:100:a", "d1:abc:t:p:10:a", "d1:-:u:", "d1:-:f:9", "d1:-:zz:1", "d1:-:t:p:10"],
)
def test_forged_or_stale_data_is_refused(data):
    with pytest.raises(InvalidCallback):
        unpack(data)


# --- stable codes: buttons already sent in chats keep their meaning ---------------------

from bot.common.callbacks import (  # noqa: E402
    ASSESSMENT_CODES,
    COORD_CODES,
    NAV_CODES,
    AssessmentOp,
    CoordOp,
    Navigate,
    PickLevel,
)


def test_action_codes_are_pinned():
    """These numbers are on buttons in users' chats: never renumber or reuse one."""
    assert {k.value: v for k, v in NAV_CODES.items()} == {
        "prev": 0, "skip": 1, "pause": 2, "goto": 3, "evidence": 4, "field_skip": 5, "review_task": 6,
        "rect_edit": 7,
    }
    assert {k.value: v for k, v in ASSESSMENT_CODES.items()} == {
        "submit": 0, "confirm": 1, "cancel": 2, "xlsx": 3, "docx": 4, "reopen": 5, "review": 6,
        "summary": 7, "score": 8, "party": 9, "government": 10, "evidence": 11,
    }
    assert {k.value: v for k, v in COORD_CODES.items()} == {
        "ack": 0, "bc_send": 1, "bc_morning": 2, "bc_cancel": 3, "bc_page": 4, "bc_nudge": 5, "item_done": 6,
        "item_close": 7, "item_return": 8, "asm_view": 9, "asm_return": 10, "nudge_unit": 11,
        "nudge_unsubmitted": 12, "progress": 13, "cal_set": 14, "cal_shift": 15, "cal_cancel": 16,
        "fb_done": 17, "fb_close": 18, "fb_return": 19, "asm_files": 20, "item_reopen": 21, "fb_reopen": 22,
        "rr_file": 23, "rr_submit": 24, "rr_confirm": 25, "ev_remove": 26, "bc_resend": 27, "bc_resend_ok": 28,
    }


@pytest.mark.parametrize(
    "data, action",
    [
        ("d1:7:c:7:12:5:0", CoordOp("item_close", 12, 5, 0)),
        ("d1:7:c:0:3:0:0", CoordOp("ack", 3)),
        ("d1:7:c:13:0:0:0", CoordOp("progress", 0)),
        ("d1:7:o:4:1", AssessmentOp(4, "confirm")),
        ("d1:7:o:0:10", AssessmentOp(0, "government")),
        ("d1:7:n:4:6:3:0", Navigate(4, "review_task", 3, 0)),
        ("d1:7:l:4:3:1:2:5", PickLevel(4, 3, 1, 2, 5)),
    ],
)
def test_buttons_made_before_keep_working(data, action):
    """Data written by earlier versions of the bot decodes to the same action, and back."""
    assert unpack(data) == (7, action)
    assert pack(action, 7) == data


@pytest.mark.parametrize("data", ["d1:7:c:99:1:0:0", "d1:7:o:4:12", "d1:7:n:4:8:3:0"])
def test_codes_no_action_has_are_refused(data):
    with pytest.raises(InvalidCallback):
        unpack(data)


def test_an_action_name_no_button_has_fails_when_made():
    with pytest.raises(ValueError):
        CoordOp("item_closed", 1)
