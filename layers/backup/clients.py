"""The PostgreSQL client programs a backup and a restore run (pg_dump, pg_restore, psql), and
how they reach the database without its password on their command line.

They must be of the server's major version or newer: an older pg_dump refuses a newer server,
and an older pg_restore cannot read what a newer pg_dump wrote. The embedded cluster's own
bindir always fits; for another database the newest installed PostgreSQL is used.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict, make_conninfo

from layers.store.db import libpq_url
from layers.store.refusals import Refused

PROGRAMS = ("pg_dump", "pg_restore", "psql")
_VERSION = re.compile(r"\(PostgreSQL\) (\d+)(?:\.(\d+))?")


@dataclass(frozen=True)
class Clients:
    bindir: Path
    version: str  # "15.20"

    @property
    def major(self) -> int:
        return major_of(self.version)

    def path(self, program: str) -> str:
        return str(self.bindir / program)


def major_of(version: str) -> int:
    """15 from "15.20" or "15.20 (Debian 15.20-0+deb12u1)"; 9 from "9.6.24"."""
    return int(version.split(".", 1)[0].split(" ", 1)[0])


def _candidates(bindir: Path | None) -> list[Path]:
    if bindir is not None:
        return [bindir]
    installed = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    on_path = shutil.which("pg_dump")
    # Debian's /usr/bin/pg_dump is a wrapper that picks a version itself; the real binaries
    # under /usr/lib/postgresql come first so the version checked is the version run.
    return [*installed, *([Path(on_path).resolve().parent] if on_path else [])]


def _version(program: Path) -> str | None:
    try:
        out = subprocess.run(
            [str(program), "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except OSError:
        return None
    match = _VERSION.search(out)
    return f"{match.group(1)}.{match.group(2) or 0}" if match else None


def find_clients(bindir: Path | None, server_version: str) -> Clients:
    """pg_dump, pg_restore and psql from one directory: the embedded cluster's ``bindir``, or
    the newest installed PostgreSQL (then PATH); Refused when none is at least the server's
    major version."""
    server = major_of(server_version)
    found: list[Clients] = []
    for directory in _candidates(bindir):
        if not all((directory / p).is_file() for p in PROGRAMS):
            continue
        version = _version(directory / "pg_dump")
        if version is not None:
            found.append(Clients(directory, version))
    usable = [c for c in found if c.major >= server]
    if usable:
        return usable[0]
    have = ", ".join(f"{c.version} ({c.bindir})" for c in found) or "なし / none"
    raise Refused(
        f"PostgreSQL のクライアント（pg_dump・pg_restore・psql）がサーバー {server_version} "
        f"より古いか、ありません（見つかったもの: {have}）。"
        f"postgresql-client-{server} をインストールしてください。",
        f"the PostgreSQL client programs (pg_dump, pg_restore, psql) are older than the server "
        f"({server_version}) or missing (found: {have}); install postgresql-client-{server}",
        status=409,
    )


@dataclass(frozen=True)
class Reach:
    """A libpq connection string without the password, and the environment carrying it: a
    password on a command line is visible to every user of the machine (ps)."""

    conninfo: str
    env: dict[str, str]


def reach(url: str, application: str) -> Reach:
    params = conninfo_to_dict(libpq_url(url))
    password = params.pop("password", None)
    env = {**os.environ, "LC_ALL": "C.UTF-8"}  # messages we quote, in one language
    if password is not None:
        env["PGPASSWORD"] = str(password)
    return Reach(make_conninfo("", **params, application_name=application), env)


def run(args: Sequence[str], env: dict[str, str], what_ja: str, what_en: str) -> str:
    """Runs a client program; its failure is Refused with the end of what it said."""
    result = subprocess.run(list(args), capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        raise failed(what_ja, what_en, result.stderr)
    return result.stdout


def failed(what_ja: str, what_en: str, stderr: str) -> Refused:
    said = "\n".join(stderr.strip().splitlines()[-12:])
    return Refused(f"{what_ja}に失敗しました:\n{said}", f"{what_en} failed:\n{said}", status=500)
