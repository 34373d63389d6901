"""Who runs next: waiting requests kept per visitor and served round-robin.

First come, first served lets one visitor who sends sixteen requests (or sixteen raw API
streams) hold every slot while a newcomer waits for them all. Here each owner (a session)
has its own line, and free slots go to the owners in turn. The scheduler (scheduler.py)
adds the other rules: a cap on what one owner runs while others wait, and pausing the
longest-running request so that an owner with nothing running gets in at once.
"""

from __future__ import annotations

import collections
from collections.abc import Iterator
from typing import Protocol


class Waiting(Protocol):
    """What the room needs to know of a waiting request."""

    owner: str
    paused: bool  # started before and holds its cache: resuming costs no prefill


class WaitingRoom:
    """Waiting requests in one line per owner; owners take turns in arrival order."""

    def __init__(self) -> None:
        # insertion order is the turn order: an owner served goes to the back
        self._lines: collections.OrderedDict[str, collections.deque] = collections.OrderedDict()
        self.fresh = 0  # requests that never ran: what counts against the queue limit

    def __len__(self) -> int:
        return sum(len(line) for line in self._lines.values())

    def __bool__(self) -> bool:
        return bool(self._lines)

    def add(self, state: Waiting, front: bool = False) -> None:
        """Queue ``state`` at the back of its owner's line (``front``: a paused request,
        which goes on before its owner's newer ones)."""
        line = self._lines.get(state.owner)
        if line is None:
            line = self._lines[state.owner] = collections.deque()
        if front:
            line.appendleft(state)
        else:
            line.append(state)
        if not state.paused:
            self.fresh += 1

    def remove(self, state: Waiting) -> bool:
        """Take ``state`` out of its line; False when it is not waiting."""
        line = self._lines.get(state.owner)
        if line is None or state not in line:
            return False
        line.remove(state)
        self._forget(state, line)
        return True

    def heads(self) -> Iterator[Waiting]:
        """The first request of each owner's line, in turn order."""
        return (line[0] for line in list(self._lines.values()))

    def pop(self, state: Waiting) -> None:
        """Take ``state`` (a head) off its line and send its owner to the back of the turn."""
        line = self._lines[state.owner]
        assert line[0] is state
        line.popleft()
        if line:
            self._lines.move_to_end(state.owner)
        self._forget(state, line)

    def copy(self) -> WaitingRoom:
        """The same lines in the same turn order, to plan on without changing this room."""
        room = WaitingRoom()
        room._lines = collections.OrderedDict(
            (owner, collections.deque(line)) for owner, line in self._lines.items())
        room.fresh = self.fresh
        return room

    def drain(self) -> list[Waiting]:
        """Every waiting request; the room is empty afterwards."""
        out = [state for line in self._lines.values() for state in line]
        self._lines.clear()
        self.fresh = 0
        return out

    def _forget(self, state: Waiting, line: collections.deque) -> None:
        if not line:
            del self._lines[state.owner]
        if not state.paused:
            self.fresh -= 1
