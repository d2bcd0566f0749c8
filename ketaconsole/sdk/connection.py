"""The connection state of a polled device, explicit: an enum and one table of moves.

A polled driver (one that asks and waits for answers) is in exactly one
:class:`ConnectionState`; it moves only along :data:`MOVES`, through
:meth:`Connection.move`, so where a driver is and how it got there is one attribute,
not a handful of flags. OpenICE's serial devices and h11's ``_state`` are the models.
"""

from __future__ import annotations

from enum import Enum


class ConnectionState(Enum):
    """Where a polled device's conversation stands."""

    LISTENING = "listening"
    """Never connected: the protocol is decoding a capture and asks nothing."""
    GREETING = "greeting"
    """Connected; the handshake (identity, association, greeting) is under way."""
    POLLING = "polling"
    """The device has answered the handshake; polls run."""
    RECOVERING = "recovering"
    """Answers stopped; retrying or backing off before greeting again."""


MOVES: dict[ConnectionState, frozenset[ConnectionState]] = {
    ConnectionState.LISTENING: frozenset({ConnectionState.GREETING}),
    ConnectionState.GREETING: frozenset({ConnectionState.GREETING, ConnectionState.POLLING,
                                         ConnectionState.RECOVERING}),
    ConnectionState.POLLING: frozenset({ConnectionState.GREETING,
                                        ConnectionState.RECOVERING}),
    ConnectionState.RECOVERING: frozenset({ConnectionState.GREETING, ConnectionState.POLLING,
                                           ConnectionState.RECOVERING}),
}
"""Every allowed move, and only those:

========== =============================================================
from       to
========== =============================================================
listening  greeting (the port opened; a capture never leaves listening)
greeting   greeting (greeted again after a time-out), polling (the device
           answered the handshake), recovering (a handshake question went
           unanswered)
polling    recovering (an answer did not come), greeting (the device
           changed or restarted)
recovering recovering (another miss), polling (an answer came), greeting
           (given up: greet again)
========== =============================================================

Refused, as bugs: anything back to listening, listening straight to polling or
recovering, and polling to polling (a driver that "starts polling" while it polls has
lost track of where it is).
"""


class IllegalMove(RuntimeError):
    """A driver tried a move :data:`MOVES` does not allow: a bug in the driver."""


class Connection:
    """One polled device's connection state and the moves it has made."""

    def __init__(self) -> None:
        self.state = ConnectionState.LISTENING

    def move(self, to: ConnectionState) -> None:
        if to not in MOVES[self.state]:
            raise IllegalMove(f"a polled device cannot move from {self.state.value} to "
                              f"{to.value}")
        self.state = to

    @property
    def listening(self) -> bool:
        """True while decoding a capture (never connected): ask nothing, time out nothing."""
        return self.state is ConnectionState.LISTENING
