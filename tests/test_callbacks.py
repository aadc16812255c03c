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
