"""The waveform ring buffer keeps exactly the newest samples, oldest first, however written."""

from __future__ import annotations

import threading
from collections import deque

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketaconsole.live.ring_buffer import RingBuffer


def test_an_empty_buffer_has_no_samples() -> None:
    ring = RingBuffer(4)
    assert ring.latest().tolist() == []
    assert ring.latest(3).tolist() == []
    assert ring.written == 0


def test_a_capacity_of_zero_or_less_is_refused() -> None:
    with pytest.raises(ValueError, match="capacity must be positive"):
        RingBuffer(0)


def test_samples_before_the_buffer_fills_come_back_in_order() -> None:
    ring = RingBuffer(5)
    ring.extend([1, 2, 3])
    assert ring.latest().tolist() == [1, 2, 3]
    assert ring.latest(2).tolist() == [2, 3]


def test_writing_past_the_end_wraps_around_and_keeps_the_newest() -> None:
    ring = RingBuffer(5)
    ring.extend([1, 2, 3])
    ring.extend([4, 5, 6, 7])
    assert ring.latest().tolist() == [3, 4, 5, 6, 7]
    assert ring.latest(2).tolist() == [6, 7]
    assert ring.latest(100).tolist() == [3, 4, 5, 6, 7]
    assert ring.written == 7


def test_a_chunk_larger_than_the_capacity_keeps_its_tail_and_later_writes_follow_it() -> None:
    ring = RingBuffer(5)
    ring.extend([1, 2])
    ring.extend(list(range(100, 112)))
    assert ring.latest().tolist() == [107, 108, 109, 110, 111]
    ring.extend([1])
    assert ring.latest().tolist() == [108, 109, 110, 111, 1]
    assert ring.written == 15


def test_a_chunk_exactly_the_capacity_replaces_everything() -> None:
    ring = RingBuffer(4)
    ring.extend([9, 9, 9])
    ring.extend([1, 2, 3, 4])
    assert ring.latest().tolist() == [1, 2, 3, 4]
    ring.extend([5])
    assert ring.latest().tolist() == [2, 3, 4, 5]


def test_gaps_are_kept_as_nan() -> None:
    ring = RingBuffer(3)
    ring.extend([1.0, float("nan"), 3.0])
    got = ring.latest()
    assert got[0] == 1.0 and np.isnan(got[1]) and got[2] == 3.0


def test_what_a_reader_got_does_not_change_when_the_writer_goes_on() -> None:
    ring = RingBuffer(3)
    ring.extend([1, 2, 3])
    snapshot = ring.latest()
    ring.extend([4, 5, 6])
    assert snapshot.tolist() == [1, 2, 3]


@settings(max_examples=300, deadline=None)
@given(capacity=st.integers(min_value=1, max_value=20),
       chunks=st.lists(st.lists(st.integers(-1000, 1000), max_size=50), max_size=30),
       count=st.integers(min_value=0, max_value=25))
def test_the_buffer_matches_a_bounded_queue_for_any_writes(capacity: int,
                                                           chunks: list[list[int]],
                                                           count: int) -> None:
    ring = RingBuffer(capacity)
    model: deque[int] = deque(maxlen=capacity)
    for chunk in chunks:
        ring.extend(chunk)
        model.extend(chunk)
        assert ring.latest().tolist() == list(model)
    expected = list(model)[-count:] if count else []
    assert ring.latest(count).tolist() == expected
    assert ring.written == sum(len(c) for c in chunks)


def test_a_reader_never_sees_a_torn_write() -> None:
    """Every chunk is one run of equal values; a reader must never see a run cut inside."""
    ring = RingBuffer(64)
    stop = threading.Event()
    torn: list[list[float]] = []

    def write() -> None:
        for value in range(1, 3000):
            ring.extend([float(value)] * 16)
        stop.set()

    def read() -> None:
        while not stop.is_set():
            got = ring.latest(16).tolist()
            if len(got) == 16 and len(set(got)) != 1:
                torn.append(got)

    threads = [threading.Thread(target=write), threading.Thread(target=read)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert torn == []
