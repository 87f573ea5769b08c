"""Servers a benchmark starts on loopback and stops again: machimap (and its peers) under
uvicorn, each in its own session so stopping it ends its workers and nothing else."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
# Settings a benchmark gives the server itself; the caller's own must not leak in.
MACHIMAP_KEYS = ("DATABASE_URL", "MACHIMAP_DATABASE_URL", "MACHIMAP_DATA_DIR", "MACHIMAP_MEDIA_DIR")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    name: str
    command: list[str]
    env: dict[str, str]
    log_path: Path
    port: int
    health_path: str = "/health"
    cwd: Path = ROOT
    # How long stop() lets the requests in hand finish before killing.
    stop_timeout: float = 120.0
    proc: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 180.0) -> None:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                self.command,
                env=self.env,
                cwd=self.cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                tail = self.log_path.read_text(errors="replace")[-1500:]
                raise RuntimeError(f"{self.name} exited {self.proc.returncode}:\n{tail}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.base + self.health_path, timeout=5).status_code < 500:
                    return
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer {self.health_path} in {timeout:.0f} s")

    def stop(self) -> None:
        """SIGTERM: uvicorn finishes the requests it is handling, then exits."""
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=self.stop_timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


def uvicorn_flags(port: int, workers: int) -> list[str]:
    # The same HTTP stack for every server measured: uvloop + httptools, no access log.
    return [
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip


def clean_env(drop_prefixes: Iterable[str] = ()) -> dict[str, str]:
    prefixes = tuple(drop_prefixes)
    return {
        k: v
        for k, v in os.environ.items()
        if k not in MACHIMAP_KEYS and not (prefixes and k.startswith(prefixes))
    }


def machimap_server(
    name: str,
    url: str,
    workers: int,
    log: Path,
    settings: dict[str, str],
    app: str = "api.app:create_app",
    stop_timeout: float = 120.0,
) -> Server:
    """machimap on a free port over the database at ``url``, without rate limits and
    without the outbox loop (it would wake up and query during the measurement)."""
    port = free_port()
    env = {
        **clean_env(("TIPG_",)),
        "DATABASE_URL": url,
        "MACHIMAP_RATE_LIMIT_ENABLED": "false",
        "MACHIMAP_OUTBOX_INTERVAL_S": "0",
        "MACHIMAP_LOG_LEVEL": "warning",
        **settings,
    }
    command = [str(VENV_BIN / "uvicorn"), app, "--factory", *uvicorn_flags(port, workers)]
    return Server(name, command, env, log, port, stop_timeout=stop_timeout)
