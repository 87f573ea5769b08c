"""The poster benchmark (bench/print/run.py) in its quick mode: a 10-place map printed cold
and once warm, on a database of the test's own. Nothing here is timed: it checks that the
figures stand on real posters (a PDF with pages, the server's memory read)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_quick_run_prints_cold_and_warm(demo_url: str, tmp_path: Path) -> None:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MACHIMAP_MIGRATION_URL")
    }
    done = subprocess.run(
        [
            *(sys.executable, "-m", "bench.print.run", "--quick"),
            *("--database-url", demo_url, "--out", str(tmp_path)),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "what a user waits" in done.stdout, done.stdout

    results = json.loads((tmp_path / "results.json").read_text())
    assert [p["kind"] for p in results["prints"]] == ["cold", "warm"]
    for p in results["prints"]:
        assert p["seconds"] > 0 and p["bytes"] > 10_000
        assert p["peak_mb"] >= p["rss_mb"] > 0
    assert results["summary"]["pages"] >= 1
    assert (tmp_path / "poster.pdf").read_bytes().startswith(b"%PDF")
