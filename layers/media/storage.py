"""Where photo files live: a content-addressed store on the local disk.

A file's key is its SHA-256 ("ab/cd/<sha256>.jpg"), so the same photo stored twice is one file
and a write never changes what a key means. That also means one file may back several
attachments: delete a key only when no row refers to it any more.

Keys come from the database, never from a request, but they are still checked strictly before
they become paths.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Final

from layers.store.refusals import Refused
from layers.store.settings import Settings, get_settings

_EXTENSIONS: Final = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
_KEY = re.compile(r"([0-9a-f]{2})/([0-9a-f]{2})/(([0-9a-f]{64})\.(?:jpg|png|webp))")
_DIR_MODE: Final = 0o750
_FILE_MODE: Final = 0o640


class MediaStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, data: bytes, content_type: str) -> str:
        """Stores data and returns its key; the same bytes again are not written twice."""
        extension = _EXTENSIONS.get(content_type)
        if extension is None:
            raise ValueError(f"no media type {content_type!r} in the store")
        digest = hashlib.sha256(data).hexdigest()
        key = f"{digest[:2]}/{digest[2:4]}/{digest}.{extension}"
        directory = self.root / digest[:2] / digest[2:4]
        target = directory / f"{digest}.{extension}"
        if target.is_file() and target.stat().st_size == len(data):
            # The file may be an orphan gc is about to remove for its age: stored again, it
            # is fresh, so gc's grace period starts over for the row about to name it.
            with contextlib.suppress(FileNotFoundError):
                os.utime(target)
                return key
        _make_dirs(directory)
        # Written under a temporary name and renamed: readers see the whole file or none, and
        # two concurrent puts of the same bytes both rename identical content into place.
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=".put-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fchmod(out.fileno(), _FILE_MODE)
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        fsync_dir(directory)  # the rename itself survives a crash
        return key

    def path(self, key: str) -> Path:
        """The file behind key; Refused 404 when there is none (or key is no key of ours)."""
        path = self._path(key)
        if not path.is_file():
            raise _missing()
        return path

    def read(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError as exc:  # deleted since path() looked
            raise _missing() from exc

    def delete(self, key: str) -> None:
        """Removes the file behind key; one that is already gone is fine."""
        self._path(key).unlink(missing_ok=True)

    def delete_unless_touched(self, key: str, cutoff: float) -> bool:
        """Removes the file behind key unless it was modified after cutoff; whether it went."""
        path = self._path(key)
        try:
            if path.stat().st_mtime > cutoff:
                return False
        except FileNotFoundError:
            return False
        path.unlink(missing_ok=True)
        return True

    def files(self) -> Iterator[tuple[str, float]]:
        """(key, modification time) of every stored file; stray names are skipped."""
        for path in self.root.glob("??/??/*"):
            key = path.relative_to(self.root).as_posix()
            if _KEY.fullmatch(key) and path.is_file():
                yield key, path.stat().st_mtime

    def _path(self, key: str) -> Path:
        match = _KEY.fullmatch(key)
        if match is None:
            raise _missing()
        first, second, name, digest = match.groups()
        if digest[:2] != first or digest[2:4] != second:
            raise _missing()
        return self.root / first / second / name


def media_store(settings: Settings | None = None) -> MediaStore:
    settings = settings or get_settings()
    root = settings.media_dir or settings.data_dir / "media"
    # The data directory is shared with the embedded cluster, whose unprivileged account
    # must be able to enter it: only the media tree itself is closed to others.
    root.parent.mkdir(parents=True, exist_ok=True)
    _make_dirs(root)
    return MediaStore(root)


def _make_dirs(directory: Path) -> None:
    """Creates directory and any missing parents with _DIR_MODE; Path.mkdir(parents=True)
    would give the parents the default mode."""
    missing: list[Path] = []
    current = directory
    while not current.is_dir() and current != current.parent:
        missing.append(current)
        current = current.parent
    for path in reversed(missing):
        with contextlib.suppress(FileExistsError):  # a concurrent put got there first
            path.mkdir(mode=_DIR_MODE)


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _missing() -> Refused:
    return Refused("ファイルが見つかりません。", "No such file.", status=404)
