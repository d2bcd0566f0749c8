"""Collects what an engine is told of, so a test can wait for one observation in particular."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from ketaconsole.live.engine import Engine
from ketaconsole.observations import Observation


class Recorder:
    """Every observation the engine passes on, in order, and a way to wait for one."""

    def __init__(self, engine: Engine) -> None:
        self.seen: list[Observation] = []
        self._changed = threading.Condition()
        engine.subscribe(self._take)

    def _take(self, observation: Observation) -> None:
        with self._changed:
            self.seen.append(observation)
            self._changed.notify_all()

    def wait_for(self, match: Callable[[Observation], bool], *, after: int = 0,
                 timeout: float = 10.0) -> Observation:
        """The first observation from index ``after`` on that matches, waiting if need be."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for observation in self.seen[after:]:
                    if match(observation):
                        return observation
                left = deadline - time.monotonic()
                if left <= 0:
                    recent = [o.as_record() for o in self.seen[after:]][-8:]
                    raise AssertionError(f"not seen within {timeout} s; last seen: {recent}")
                self._changed.wait(left)

    def wait_until(self, condition: Callable[[list[Observation]], bool], *,
                   timeout: float = 10.0) -> None:
        """Wait until ``condition`` holds of everything seen so far (checked as each arrives)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition(self.seen):
                left = deadline - time.monotonic()
                if left <= 0:
                    recent = [o.as_record() for o in self.seen][-8:]
                    raise AssertionError(f"not so after {timeout} s; last seen: {recent}")
                self._changed.wait(left)


def poll_until(condition: Callable[[], bool], *, timeout: float = 10.0,
               what: str = "the condition") -> None:
    """Wait until ``condition()`` holds, looking every 20 ms (for what no engine reports, such
    as a simulated device's own state)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(0.02)
