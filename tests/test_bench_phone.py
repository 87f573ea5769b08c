"""The throttled-phone benchmark (bench/phone/run.py) in its quick mode, about a minute: one
first and one repeat visit of the public map per mode, on a database of the test's own.

Nothing here is timed. It checks what the figures stand on: the map is drawn in both modes,
real Chromium is sent brotli by the server and nothing compressed when it refuses every
coding, compression moves fewer bytes, and the repeat visit comes from the browser's cache.
It runs in a process of its own: the browser tests' session-wide Playwright would refuse a
second one in this process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_quick_run_measures_both_modes(demo_url: str, tmp_path: Path) -> None:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MACHIMAP_MIGRATION_URL")
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.phone.run",
            "--quick",
            "--database-url",
            demo_url,
            "--out",
            str(tmp_path),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    for line in ("compression on", "compression off", "issue baseline", "on ÷ off"):
        assert line in done.stdout, done.stdout

    results = json.loads((tmp_path / "results.json").read_text())
    visits = {(v["mode"], v["kind"]): v for v in results["visits"]}
    assert set(visits) == {(m, k) for m in ("compressed", "identity") for k in ("first", "repeat")}
    for visit in visits.values():
        assert 0 < visit["first_drawn_s"] <= visit["idle_s"], visit
    on, off = visits["compressed", "first"], visits["identity", "first"]
    assert on["codings"].get("br", 0) > 0, on["codings"]  # the JSON and the built assets
    assert set(off["codings"]) <= {"none"}, off["codings"]
    assert on["bytes"] * 2 < off["bytes"], (on["bytes"], off["bytes"])
    for mode in ("compressed", "identity"):
        first, repeat = visits[mode, "first"], visits[mode, "repeat"]
        assert repeat["codings"].get("cache", 0) > 0, repeat["codings"]
        assert repeat["bytes"] * 10 < first["bytes"], (mode, repeat["bytes"], first["bytes"])
