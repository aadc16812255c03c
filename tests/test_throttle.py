"""The per-user flood limit (bot/common/throttle.py), on an injected clock."""

from __future__ import annotations

from bot.common.throttle import Throttle, Verdict


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_pile_up_gets_one_warning_then_silence_until_the_window_has_room():
    clock = Clock()
    throttle = Throttle(limit=3, window=10, clock=clock)
    verdicts = [throttle.admit("a", idle=i == 0) for i in range(6)]
    assert verdicts == [Verdict.handle] * 3 + [Verdict.warn, Verdict.drop, Verdict.drop]
    clock.now = 9.9
    assert throttle.admit("a") is Verdict.drop  # still inside the window
    assert throttle.admit("a", idle=True) is Verdict.drop  # caught up, but it was warned: wait it out
    clock.now = 10.0  # the three handled at 0 left the window
    assert [throttle.admit("a") for _ in range(4)] == [Verdict.handle] * 3 + [Verdict.warn]  # a new episode warns again


def test_other_users_are_counted_apart():
    throttle = Throttle(limit=2, window=10, clock=Clock())
    assert [throttle.admit("a") for _ in range(3)] == [Verdict.handle, Verdict.handle, Verdict.warn]
    assert throttle.admit("b") is Verdict.handle


def test_someone_answered_before_each_next_press_is_never_stopped():
    throttle = Throttle(limit=3, window=10, clock=Clock())  # the clock never moves: all at once
    assert {throttle.admit("a", idle=True) for _ in range(100)} == {Verdict.handle}


def test_quiet_users_are_forgotten():
    clock = Clock()
    throttle = Throttle(limit=2, window=10, clock=clock)
    for user in range(50):
        throttle.admit(user)
    clock.now = 25
    throttle.admit("late")
    assert set(throttle._seen) == {"late"}
