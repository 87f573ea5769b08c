"""One object per database engine (a tile pool, a version tracker), made on first use and
replaced, the old one closed, when the engine changes (tests switch databases, and ids
repeat across them)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from sqlalchemy import Engine

from layers.store.db import get_engine

T = TypeVar("T")


class PerEngine(Generic[T]):
    def __init__(self, make: Callable[[Engine], T], close: Callable[[T], None]) -> None:
        self._make, self._close = make, close
        # One attribute, so a reader never pairs one engine with another engine's value.
        self._current: tuple[Engine, T] | None = None
        self._lock = threading.Lock()

    def get(self) -> T:
        engine = get_engine()
        current = self._current
        if current is not None and current[0] is engine:
            return current[1]
        with self._lock:
            if self._current is None or self._current[0] is not engine:
                if self._current is not None:
                    self._close(self._current[1])
                self._current = (engine, self._make(engine))
            return self._current[1]

    def reset(self) -> None:
        """Close the current one; the next get() makes a new one."""
        with self._lock:
            if self._current is not None:
                self._close(self._current[1])
            self._current = None
