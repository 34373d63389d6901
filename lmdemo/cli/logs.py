"""Log lines on the command line: held while a command runs, dropped when it fails cleanly.

A domain error already reaches the user as one ``error: ...`` line that says what to do, so
the log line that preceded it (``Model server ...: ConnectError``) would only repeat it.
Anything else (a fallback the run recovered from, a bug) is still printed, once the command
ends, as ``warning: ...``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


class HeldLogs(logging.Handler):
    """Keeps lmdemo's warnings until ``show`` prints them or ``drop`` forgets them."""

    def __init__(self, stream: TextIO | None = None):
        super().__init__(logging.WARNING)
        self.stream = stream
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Hold one record."""
        self.records.append(record)

    def drop(self) -> None:
        """Forget the held records: the error message says it all."""
        self.records.clear()

    def show(self) -> None:
        """Print the held records, one line each."""
        stream = self.stream or sys.stderr
        for record in self.records:
            stream.write(f"{record.levelname.lower()}: {record.getMessage()}\n")
        self.records.clear()


@contextmanager
def held_logs(stream: TextIO | None = None) -> Iterator[HeldLogs]:
    """Hold lmdemo's log lines for the duration of one command."""
    handler = HeldLogs(stream)
    logger = logging.getLogger("lmdemo")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        handler.show()
