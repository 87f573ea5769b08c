"""The tar container: members streamed in and out in chunks, hashed on the way, so neither
the dump nor the photos are ever held in memory whole."""

from __future__ import annotations

import hashlib
import os
import tarfile
from typing import IO

CHUNK = 1 << 20


class Hashing:
    """A reader that hashes what passes through it."""

    def __init__(self, source: IO[bytes]) -> None:
        self.source = source
        self.sha256 = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        data = self.source.read(n)
        self.sha256.update(data)
        self.size += len(data)
        return data


def add(tar: tarfile.TarFile, name: str, source: IO[bytes], size: int, mtime: float) -> str:
    """Adds ``size`` bytes of source as a member; returns their SHA-256."""
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(mtime), 0o640
    hashing = Hashing(source)
    tar.addfile(info, hashing)  # raises if the source ends before size bytes
    return hashing.sha256.hexdigest()


def add_file(tar: tarfile.TarFile, name: str, path: os.PathLike[str] | str) -> tuple[int, str]:
    """Adds a file as it is now: (size, SHA-256)."""
    with open(path, "rb") as source:
        stat = os.fstat(source.fileno())
        return stat.st_size, add(tar, name, source, stat.st_size, stat.st_mtime)


def copy_out(source: IO[bytes], target: IO[bytes]) -> tuple[int, str]:
    """Copies a member's bytes to a file: (size, SHA-256)."""
    hashing = Hashing(source)
    while chunk := hashing.read(CHUNK):
        target.write(chunk)
    return hashing.size, hashing.sha256.hexdigest()


def sha256_of(path: os.PathLike[str] | str) -> str:
    with open(path, "rb") as source:
        return hashlib.file_digest(source, "sha256").hexdigest()
