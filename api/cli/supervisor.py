"""uvicorn's worker supervisor, told when a worker dies in the middle of a health check.

The supervisor pings each worker every half second and waits up to
``timeout_worker_healthcheck`` for the answer. It keeps the worker's end of the ping pipe
open itself, so a worker killed while a ping is outstanding (SIGKILL, the OOM killer, a
crash) never closes the pipe, and the supervisor waits the whole timeout before it starts a
replacement. `machimap serve` sets that timeout to 60 s, because a SIGHUP reload waits as
long for new workers to import the app; under load a ping is outstanding much of the time,
and tests/test_faults.py saw the replacement come after 60 s in 2 of 4 kills. Polling in
short slices and looking at the process in between brings it down to the half-second loop.
"""

from __future__ import annotations

import pickle
import time
from typing import Any

from uvicorn.supervisors import multiprocess

SLICE_S = 0.2


def _healthcheck(self: Any, timeout: float) -> bool | None:
    """uvicorn's Process._healthcheck, but None as soon as the worker has died."""
    deadline = time.monotonic() + timeout
    try:
        self.parent_conn.send(b"ping")
        while True:
            remaining = deadline - time.monotonic()
            if self.parent_conn.poll(max(0.0, min(SLICE_S, remaining))):
                started: bool = self.parent_conn.recv()
                return started
            if not self.process.is_alive() or remaining <= 0:
                return None
    except (OSError, EOFError, pickle.UnpicklingError):
        return None


def notice_dead_workers() -> None:
    """Install the check above, where this uvicorn has the method it replaces."""
    if hasattr(multiprocess.Process, "_healthcheck"):
        multiprocess.Process._healthcheck = _healthcheck  # type: ignore[method-assign]
