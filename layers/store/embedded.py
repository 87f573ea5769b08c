"""The embedded PostgreSQL + PostGIS cluster used when no DATABASE_URL is set.

Lives under the data directory: ``pgdata/`` (the cluster), ``run/`` (socket, log) and
``cluster.json`` (port and generated password, mode 0600). As root the cluster runs as an
unprivileged system account because initdb and postgres refuse to run as root.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

DATABASE_NAME = "machimap"
SUPERUSER = "machimap"
# The role the service connects as: it reads and writes rows, owns nothing, and so cannot
# alter a table or a trigger (the audit log stays append-only even for it). Migrations run
# as the owner; migration 0007 grants this role what it needs.
APP_ROLE = "machimap_app"
DEBIAN_PACKAGES = ("postgresql-15", "postgresql-15-postgis-3")
INSTALL_HINT = (
    "PostgreSQL server binaries or the PostGIS extension are missing. "
    "Install them with: apt-get install postgresql-15 postgresql-15-postgis-3 "
    "(or run `machimap setup` as root), or set DATABASE_URL to an existing PostGIS database."
)


class EmbeddedError(RuntimeError):
    """The embedded cluster cannot be set up or started; the message says what to do."""


def find_bindir(configured: Path | None = None) -> Path | None:
    """The newest PostgreSQL server bindir on the machine, or the configured one."""
    if configured is not None:
        return configured if (configured / "postgres").exists() else None
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    for path in candidates:
        if (path / "postgres").exists() and (path / "initdb").exists():
            return path
    found = shutil.which("postgres")
    return Path(found).parent if found else None


def postgis_available(bindir: Path) -> bool:
    sharedir = subprocess.run(
        [str(bindir / "pg_config"), "--sharedir"], capture_output=True, text=True, check=False
    ).stdout.strip()
    if not sharedir:
        major = bindir.parent.name
        sharedir = f"/usr/share/postgresql/{major}"
    return (Path(sharedir) / "extension" / "postgis.control").exists()


def install_system_packages() -> str:
    """Install the Debian packages when we can (root with apt); otherwise explain."""
    bindir = find_bindir()
    if bindir is not None and postgis_available(bindir):
        return f"PostgreSQL and PostGIS present ({bindir})."
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise EmbeddedError(INSTALL_HINT)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", *DEBIAN_PACKAGES], check=True, env=env)
    return "Installed " + " ".join(DEBIAN_PACKAGES)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _port_is_free(port: int) -> bool:
    """Whether PostgreSQL could listen on the port again. It binds with SO_REUSEADDR, so the
    connections a running server held to it (now in TIME_WAIT) do not count: the cluster
    comes back where the server expects it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@dataclass
class ClusterStatus:
    running: bool
    data_dir: Path
    port: int | None
    pid: int | None


class EmbeddedCluster:
    def __init__(self, data_dir: Path, bindir: Path | None = None, os_user: str = "machimap"):
        self.data_dir = data_dir.resolve()
        self.pgdata = self.data_dir / "pgdata"
        self.rundir = self.data_dir / "run"
        self.state_file = self.data_dir / "cluster.json"
        self.logfile = self.rundir / "postgres.log"
        self._configured_bindir = bindir
        self.os_user = os_user

    # -- identity ---------------------------------------------------------------------------
    @property
    def bindir(self) -> Path:
        found = find_bindir(self._configured_bindir)
        if found is None or not postgis_available(found):
            raise EmbeddedError(INSTALL_HINT)
        return found

    def _run_as(self) -> tuple[int, int] | None:
        """uid/gid to run server programs as: None when we are not root."""
        if os.geteuid() != 0:
            return None
        try:
            entry = pwd.getpwnam(self.os_user)
        except KeyError:
            subprocess.run(
                [
                    "useradd",
                    "--system",
                    "--no-create-home",
                    "--shell",
                    "/usr/sbin/nologin",
                    self.os_user,
                ],
                check=True,
            )
            entry = pwd.getpwnam(self.os_user)
        return entry.pw_uid, entry.pw_gid

    def _server_cmd(
        self, args: list[str], *, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        ids = self._run_as()
        kwargs: dict[str, object] = {}
        if ids is not None:
            kwargs = {"user": ids[0], "group": ids[1], "extra_groups": []}
        result: subprocess.CompletedProcess[str] = subprocess.run(
            args,
            capture_output=True,
            text=True,
            check=check,
            cwd=str(self.rundir),
            env={**os.environ, "LC_ALL": "C.UTF-8"},
            **kwargs,  # type: ignore[call-overload]
        )
        return result

    def _state(self) -> dict[str, object]:
        if not self.state_file.exists():
            return {}
        data: dict[str, object] = json.loads(self.state_file.read_text())
        return data

    def _write_state(self, state: dict[str, object]) -> None:
        # Running servers read this on every new connection (layers/store/db.py follows the
        # port): they see the old file or the new one, never half of it.
        partial = self.state_file.with_suffix(".json.partial")
        partial.touch(mode=0o600, exist_ok=True)
        partial.chmod(0o600)
        partial.write_text(json.dumps(state, indent=2))
        os.replace(partial, self.state_file)

    # -- lifecycle --------------------------------------------------------------------------
    @property
    def initialized(self) -> bool:
        return (self.pgdata / "PG_VERSION").exists()

    def init(self) -> None:
        if self.initialized:
            return
        bindir = self.bindir
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.rundir.mkdir(exist_ok=True)
        self.pgdata.mkdir(mode=0o700, exist_ok=True)
        ids = self._run_as()
        password = secrets.token_urlsafe(24)
        pwfile = self.rundir / "initdb.pw"
        pwfile.write_text(password + "\n")
        pwfile.chmod(0o600)
        if ids is not None:
            for path in (self.pgdata, self.rundir, pwfile):
                os.chown(path, *ids)
            self._check_reachable(ids[0])
        try:
            self._server_cmd(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(self.pgdata),
                    "-U",
                    SUPERUSER,
                    "--auth-local=scram-sha-256",
                    "--auth-host=scram-sha-256",
                    f"--pwfile={pwfile}",
                    "--encoding=UTF8",
                    "--no-locale",
                ]
            )
        except subprocess.CalledProcessError as exc:
            raise EmbeddedError(f"initdb failed: {exc.stderr.strip()}") from exc
        finally:
            pwfile.unlink(missing_ok=True)
        self._write_state({"password": password, "port": None})

    def _check_reachable(self, uid: int) -> None:
        # A data directory below /root cannot be entered by the unprivileged account.
        for parent in [self.pgdata, *self.pgdata.parents]:
            st = parent.stat()
            if st.st_uid != uid and not st.st_mode & 0o001:
                raise EmbeddedError(
                    f"The cluster account '{self.os_user}' cannot enter {parent}. "
                    "Set MACHIMAP_DATA_DIR to a directory it can reach (e.g. /var/lib/machimap)."
                )

    def status(self) -> ClusterStatus:
        pidfile = self.pgdata / "postmaster.pid"
        port = self._state().get("port")
        if not pidfile.exists():
            return ClusterStatus(False, self.data_dir, None, None)
        result = self._server_cmd(
            [str(self.bindir / "pg_ctl"), "status", "-D", str(self.pgdata)], check=False
        )
        match = re.search(r"PID: (\d+)", result.stdout)
        running = result.returncode == 0
        return ClusterStatus(
            running,
            self.data_dir,
            int(port) if running and isinstance(port, int) else None,
            int(match.group(1)) if match and running else None,
        )

    def start(self) -> str:
        """Initialise if needed, start if stopped, ensure the database exists; return its URL."""
        self.init()
        if not self.status().running:
            state = self._state()
            previous = state.get("port")
            port = (
                previous if isinstance(previous, int) and _port_is_free(previous) else _free_port()
            )
            result = self._server_cmd(
                [
                    str(self.bindir / "pg_ctl"),
                    "start",
                    "-w",
                    "-t",
                    "60",
                    "-D",
                    str(self.pgdata),
                    "-l",
                    str(self.logfile),
                    "-o",
                    f"-p {port} -k {self.rundir} -c listen_addresses=127.0.0.1",
                ],
                check=False,
            )
            if result.returncode != 0:
                log = self.logfile.read_text()[-2000:] if self.logfile.exists() else ""
                raise EmbeddedError(f"PostgreSQL did not start: {result.stderr.strip()}\n{log}")
            state["port"] = port
            self._write_state(state)
        self._ensure_database()
        self._ensure_app_role()
        return self.url()

    def stop(self) -> bool:
        if not self.status().running:
            return False
        self._server_cmd(
            [str(self.bindir / "pg_ctl"), "stop", "-w", "-m", "fast", "-D", str(self.pgdata)]
        )
        return True

    def restart(self) -> None:
        """``pg_ctl restart -m fast`` on the same port and options, as an operator would run
        it by hand: every connection is cut, and the server comes back where it was."""
        self._server_cmd(
            [
                *(str(self.bindir / "pg_ctl"), "restart", "-w", "-m", "fast"),
                *("-D", str(self.pgdata), "-l", str(self.logfile)),
            ]
        )

    def url(self, database: str = DATABASE_NAME) -> str:
        """The owner's (superuser's) URL: migrations, backups and the operator's tools."""
        return self._url(SUPERUSER, "password", database)

    def app_url(self, database: str = DATABASE_NAME) -> str:
        """The URL the service connects with, as the application role."""
        return self._url(APP_ROLE, "app_password", database)

    def _url(self, role: str, secret: str, database: str) -> str:
        state = self._state()
        port = state.get("port")
        if not port or secret not in state:
            raise EmbeddedError(
                "The embedded database has never been started: run `machimap db start`."
            )
        return f"postgresql+psycopg://{role}:{state[secret]}@127.0.0.1:{port}/{database}"

    def admin_conninfo(self) -> str:
        return self.url("postgres").replace("postgresql+psycopg://", "postgresql://")

    def _ensure_app_role(self) -> None:
        """The application role can sign in with a password of its own (kept beside the
        owner's in cluster.json); what it may do in each database is the migrations' call."""
        state = self._state()
        password = state.get("app_password")
        known = isinstance(password, str)
        if not isinstance(password, str):
            password = secrets.token_urlsafe(24)
        with psycopg.connect(self.admin_conninfo(), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (APP_ROLE,))
            verb = "ALTER" if exists.fetchone() else "CREATE"
            # Every worker process starting calls this: once the role and its password are
            # in place it writes nothing, so two doing it at once cannot collide on the
            # role's catalogue row ("tuple concurrently updated").
            if verb == "ALTER" and known:
                return
            conn.execute(
                sql.SQL("{} ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {}").format(
                    sql.SQL(verb), sql.Identifier(APP_ROLE), sql.Literal(password)
                )
            )
        if state.get("app_password") != password:
            state["app_password"] = password
            self._write_state(state)

    def _ensure_database(self) -> None:
        with psycopg.connect(self.admin_conninfo(), autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
