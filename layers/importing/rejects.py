"""Rejected rows as they are found: counted, the first few kept for the screen, every one
written to the rejects file when there is one. Memory does not grow with the number of bad
rows (a 3-million-row bad file once took 1.6 GB and printed 439 MB).

The file is in line (feature) order, as it always was, without holding the rejections to
sort them. Rows are checked a batch at a time (load.py: BATCH rows read, good or bad), and
every rejection of a batch is about a row of that batch, so sorting what one batch found
and appending it keeps the whole file in order. Duplicate keys are the exception: they are
found in the database after the last batch, and merged into the file as a sorted stream."""

from __future__ import annotations

import csv
import heapq
import os
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from layers.importing.values import ImportRefused

SHOWN = 20  # rejections kept for the screen: those with the lowest line (feature) numbers


@dataclass(frozen=True)
class Rejection:
    number: int  # CSV: line in the file (header = 1); other formats: feature number (1-based)
    reason_ja: str
    reason_en: str


class Rejects:
    """Where rejections go. `add` them as they are found, `flush` when a batch has been
    checked, `finish` to put the file in place (or `discard` it)."""

    def __init__(self, unit: str, path: Path | None) -> None:
        self.unit = unit  # "line" or "feature": the file's first column
        self.path = path
        self.count = 0
        # The SHOWN lowest (number, order found), negated: the heap's top is the one to drop.
        self._first: list[tuple[int, int, Rejection]] = []
        self._batch: list[Rejection] = []  # found since the last flush (file only)
        self._file: IO[str] | None = None  # the rejects file being written, beside `path`

    def add(self, number: int, reason_ja: str, reason_en: str) -> None:
        rejection = Rejection(number, reason_ja, reason_en)
        self._keep(rejection)
        if self.path is not None:
            self._batch.append(rejection)

    def flush(self) -> None:
        """Every rejection about the rows read so far has been added: write them in order."""
        if not self._batch:
            return
        self._batch.sort(key=_number)
        with self._writing():
            csv.writer(self._open()).writerows(map(_row, self._batch))
        self._batch.clear()

    def merge(self, found: Iterable[Rejection]) -> None:
        """Rejections found after the last batch (duplicate keys), in order of number, merged
        into what was written, neither held in memory."""
        self.flush()
        counted = map(self._keep, found)
        if self.path is None:
            for _ in counted:
                pass
            return
        earlier, self._file = self._file, None
        with self._writing():
            writer = csv.writer(self._open())
            if earlier is None:
                writer.writerows(map(_row, counted))
                return
            earlier.close()
            try:
                with open(earlier.name, encoding="utf-8-sig", newline="") as written:
                    rows = csv.reader(written)
                    next(rows)  # the header
                    merged = heapq.merge(_read(rows), counted, key=_number)
                    writer.writerows(map(_row, merged))
            finally:
                os.unlink(earlier.name)

    def first(self) -> list[Rejection]:
        """The SHOWN rejections with the lowest numbers, in order."""
        return [r for *_, r in sorted(self._first, key=lambda item: (-item[0], -item[1]))]

    def reset(self) -> None:
        """Start again from the first row (the file is being read a second time)."""
        self.discard()
        self.count = 0
        self._first.clear()
        self._batch.clear()

    def finish(self) -> Path | None:
        """Put the rejects file in place: its path, or None when there is none."""
        self.flush()
        if self._file is None or self.path is None:
            return None
        with self._writing():
            self._file.close()
            os.replace(self._file.name, self.path)
        self._file = None
        return self.path

    def discard(self) -> None:
        if self._file is not None:
            self._file.close()
            os.unlink(self._file.name)
            self._file = None

    def _keep(self, rejection: Rejection) -> Rejection:
        """Count it, and keep it if it is among the SHOWN lowest numbers so far."""
        self.count += 1
        item = (-rejection.number, -self.count, rejection)
        if len(self._first) < SHOWN:
            heapq.heappush(self._first, item)
        elif item[:2] > self._first[0][:2]:
            heapq.heapreplace(self._first, item)
        return rejection

    def _open(self) -> IO[str]:
        """The file being written, beside the rejects file and moved over it at the end, so
        an import that is refused or interrupted leaves the rejects file as it was."""
        if self._file is None:
            assert self.path is not None
            # Not tempfile's: its files are private (0600); this one is the operator's to share.
            writing = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex[:12]}")
            with self._writing():
                # Open across batches until finish() or discard(), hence no `with`.
                self._file = writing.open("x", encoding="utf-8-sig", newline="")
                csv.writer(self._file).writerow([self.unit, "理由", "reason"])
        return self._file

    @contextmanager
    def _writing(self) -> Iterator[None]:
        try:
            yield
        except OSError as exc:
            raise ImportRefused(
                f"不正な行の一覧を {self.path} に書けません: {exc}",
                f"cannot write the rejected rows to {self.path}: {exc}",
            ) from exc


def _number(rejection: Rejection) -> int:
    return rejection.number


def _row(rejection: Rejection) -> tuple[int, str, str]:
    return rejection.number, rejection.reason_ja, rejection.reason_en


def _read(rows: Iterator[list[str]]) -> Iterator[Rejection]:
    for number, ja, en in rows:
        yield Rejection(int(number), ja, en)
