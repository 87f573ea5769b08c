"""Throttled-phone benchmark: how long a resident on a slow phone waits for the public map's
layers, and how many bytes the visit moves, first and repeat visit, with compression on and,
in the same run, switched off.

Debian's Chromium (Playwright) opens the demo city's map at a phone's size, throttled through
the DevTools protocol: CPU ×4, 150 ms round trip, 1.6 Mbps down and up. See README.md."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench import servers
from bench.servers import Server

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Every host but localhost fails to resolve at once: the 地理院 basemap is unreachable
    # here and would hold the visit until its requests time out. Not Playwright's route():
    # intercepting requests turns the HTTP cache off, and the repeat visit needs it.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost",
]
PHONE = {"width": 390, "height": 844}  # the browser tests' phone (tests/browser/conftest.py)
CPU_SLOWDOWN = 4
LATENCY_MS = 150
BYTES_PER_S = 200_000  # 1.6 Mbps
# The issue's figures, measured before this work in the browser tests' harness.
BASELINE_S = 6.2
BASELINE_KB = 630
VISIT_TIMEOUT_MS = 120_000
MODES = {
    # What Chromium itself sends: the server picks brotli or gzip.
    "compressed": {},
    # The same browser refusing every coding: the built assets, tiles, glyphs and JSON go
    # as they are. The peer that shows what compression gains, measured in the same run.
    "identity": {"Accept-Encoding": "identity"},
}

# In the page before any script: once the map's own code publishes window.machimap, listen
# to its map. "first drawn" is the first 'render' at which the "machimap" source (the
# city's layers) has received at least one tile and map.isSourceLoaded("machimap") is true:
# the frame that paints the source's first complete set of tiles for the view. "idle" is
# the map's first 'idle' after that (every source, fade and transition settled).
PROBE = """
(() => {
  const marks = { firstDrawn: null, idle: null, tiles: 0 };
  window.__phoneBench = marks;
  let published;
  const attach = (map) => {
    map.on("sourcedata", (e) => {
      if (e.sourceId === "machimap" && e.tile) marks.tiles += 1;
    });
    map.on("render", () => {
      if (marks.firstDrawn === null && marks.tiles > 0 && map.isSourceLoaded("machimap")) {
        marks.firstDrawn = performance.now();
      }
    });
    map.on("idle", () => {
      if (marks.firstDrawn !== null && marks.idle === null) marks.idle = performance.now();
    });
  };
  Object.defineProperty(window, "machimap", {
    configurable: true,
    get: () => published,
    set: (value) => {
      published = value;
      if (value && value.map && !value.map.__phoneBench) {
        value.map.__phoneBench = true;
        attach(value.map);
      }
    },
  });
})();
"""


@dataclass
class Visit:
    mode: str
    kind: str  # "first" or "repeat"
    first_drawn_s: float
    idle_s: float
    bytes: int
    requests: int
    codings: dict[str, int] = field(default_factory=dict)  # content-coding → responses
    by_type: dict[str, int] = field(default_factory=dict)  # resource type → bytes


class Recorder:
    """Every request the visit finished, the page's and its map worker's (MapLibre fetches
    tiles in a worker, which a CDP session on the page does not see; Playwright attaches to
    both). Playwright's request.sizes() is Chromium's Network.loadingFinished
    encodedDataLength split into headers and body, so their sum is the bytes on the wire."""

    def __init__(self, context: Any) -> None:
        self.requests: list[Any] = []
        context.on("requestfinished", lambda request: self.requests.append(request))

    def reset(self) -> None:
        self.requests.clear()

    def totals(self) -> tuple[int, int, dict[str, int], dict[str, int]]:
        by_type: Counter[str] = Counter()
        codings: Counter[str] = Counter()
        total = 0
        for request in list(self.requests):
            sizes = request.sizes()
            wire = int(sizes["responseBodySize"]) + int(sizes["responseHeadersSize"])
            response = request.response()
            if response is None:
                continue
            if wire == 0:
                coding = "cache"  # from the browser's cache: nothing on the wire
            elif response.status == 304:
                coding = "304"
            else:
                coding = response.headers.get("content-encoding", "none")
            codings[coding] += 1
            by_type[request.resource_type] += wire
            total += wire
        return total, sum(codings.values()), dict(codings), dict(by_type)


def throttle(cdp: Any) -> None:
    """The page's throttling applies to its dedicated workers' requests too (measured: a
    tile fetched by MapLibre's worker waits the 150 ms and arrives at 200 kB/s)."""
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": LATENCY_MS,
            "downloadThroughput": BYTES_PER_S,
            "uploadThroughput": BYTES_PER_S,
        },
    )
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})


def new_phone(browser: Any, base: str, mode: str) -> tuple[Any, Any, Recorder]:
    """A fresh context (empty cache) at the phone's size, throttled, with the map probe."""
    context = browser.new_context(
        base_url=base, viewport=PHONE, locale="ja-JP", timezone_id="Asia/Tokyo"
    )
    context.add_init_script(PROBE)
    if MODES[mode]:
        context.set_extra_http_headers(MODES[mode])
    recorder = Recorder(context)
    page = context.new_page()
    throttle(context.new_cdp_session(page))
    return context, page, recorder


def settle(page: Any) -> tuple[float, float]:
    """Waits for the map's first drawn frame and its first idle after it; seconds since
    navigation start (performance.now() counts from the navigation's start)."""
    page.wait_for_function(
        "() => window.__phoneBench && window.__phoneBench.idle !== null",
        timeout=VISIT_TIMEOUT_MS,
        polling=250,
    )
    page.wait_for_load_state("networkidle", timeout=VISIT_TIMEOUT_MS)
    marks = page.evaluate("() => window.__phoneBench")
    return marks["firstDrawn"] / 1000, marks["idle"] / 1000


def visit(page: Any, recorder: Recorder, mode: str, kind: str, shots: Path | None) -> Visit:
    recorder.reset()
    if kind == "first":
        page.goto("/", wait_until="commit", timeout=VISIT_TIMEOUT_MS)
    else:
        page.reload(wait_until="commit", timeout=VISIT_TIMEOUT_MS)
    drawn, idle = settle(page)
    total, count, codings, by_type = recorder.totals()
    if shots is not None:  # after the figures are taken, so it costs them nothing
        page.screenshot(path=str(shots / f"{kind}-{mode}.png"))
    return Visit(mode, kind, drawn, idle, total, count, codings, by_type)


def measure(browser: Any, base: str, mode: str, shots: Path | None = None) -> list[Visit]:
    context, page, recorder = new_phone(browser, base, mode)
    try:
        return [
            visit(page, recorder, mode, "first", shots),
            visit(page, recorder, mode, "repeat", shots),
        ]
    finally:
        context.close()


# -- the database and the server ------------------------------------------------------------
def prepare_database(url: str) -> None:
    """Migrations, the demo city (idempotent) and the layer metadata rows."""
    from sqlalchemy.orm import Session

    from layers.demo.load import load_demo
    from layers.schema import migrate
    from layers.serving.publishing import sync_layer_metadata
    from layers.store.db import make_engine

    migrate.upgrade(url)
    started = time.perf_counter()
    for _ in load_demo(url):
        pass
    engine = make_engine(url)
    try:
        with Session(engine) as session, session.begin():
            sync_layer_metadata(session)
    finally:
        engine.dispose()
    print(f"DB: demo city ready in {time.perf_counter() - started:.1f} s")


def start_server(url: str, out: Path) -> Server:
    """machimap under uvicorn (one worker), addressed as localhost: Chromium treats it as a
    secure context, as it would the city's HTTPS site, and offers brotli to it."""
    server = servers.machimap_server(
        "machimap", url, 1, out / "logs" / "server.log", {"MACHIMAP_MEDIA_DIR": str(out / "media")}
    )
    server.env["MACHIMAP_PUBLIC_URL"] = f"http://localhost:{server.port}"
    server.start()
    return server


# -- the report -------------------------------------------------------------------------------
def spread(values: Sequence[float], unit: float = 1.0, spec: str = ".2f") -> str:
    median = statistics.median(values) / unit
    if len(values) == 1:
        return f"{median:{spec}}"
    return f"{median:{spec}} ({min(values) / unit:{spec}}–{max(values) / unit:{spec}})"


def print_table(visits: Sequence[Visit], runs: int) -> dict[str, Any]:
    print(
        f"\nthrottled phone: CPU ×{CPU_SLOWDOWN}, {LATENCY_MS} ms RTT, "
        f"{BYTES_PER_S * 8 / 1e6:.1f} Mbps down/up, {PHONE['width']}×{PHONE['height']}; "
        f"{runs} run(s), median (min–max)"
    )
    header = f"{'visit':7} {'answers':24} {'first drawn s':>20} {'idle s':>20} {'KB moved':>22}"
    print(header)
    print("─" * len(header))
    summary: dict[str, Any] = {}
    for kind in ("first", "repeat"):
        for mode in MODES:
            mine = [v for v in visits if v.kind == kind and v.mode == mode]
            codings: Counter[str] = Counter()
            for v in mine:
                codings.update(v.codings)
            shown = ", ".join(f"{c} {n // len(mine)}" for c, n in codings.most_common())
            label = "compression on" if mode == "compressed" else "compression off"
            print(
                f"{kind:7} {label:24} {spread([v.first_drawn_s for v in mine]):>20} "
                f"{spread([v.idle_s for v in mine]):>20} "
                f"{spread([v.bytes for v in mine], 1000, '.0f'):>22}"
            )
            print(f"{'':7}   answers per visit: {shown}")
            summary[f"{kind}/{mode}"] = {
                "first_drawn_s": statistics.median(v.first_drawn_s for v in mine),
                "idle_s": statistics.median(v.idle_s for v in mine),
                "bytes": statistics.median(v.bytes for v in mine),
            }
        if kind == "first":
            print(
                f"{kind:7} {'issue baseline (before)':24} {'≈ ' + str(BASELINE_S):>20} "
                f"{'-':>20} {'≈ ' + str(BASELINE_KB):>22}"
            )
    print()
    for kind in ("first", "repeat"):
        on, off = summary[f"{kind}/compressed"], summary[f"{kind}/identity"]
        print(
            f"{kind} visit, on ÷ off: "
            f"first drawn {on['first_drawn_s'] / off['first_drawn_s']:.2f}×, "
            f"bytes {on['bytes'] / max(off['bytes'], 1):.2f}×"
        )
    first = summary["first/compressed"]
    print(
        f"first visit ÷ issue baseline: first drawn {first['first_drawn_s'] / BASELINE_S:.2f}×, "
        f"bytes {first['bytes'] / 1000 / BASELINE_KB:.2f}×"
    )
    print("\nKB by resource type, first visit (median run):")
    for mode in MODES:
        mine = sorted(
            (v for v in visits if v.kind == "first" and v.mode == mode), key=lambda v: v.bytes
        )
        middle = mine[len(mine) // 2]
        parts = sorted(middle.by_type.items(), key=lambda kv: -kv[1])
        print(f"  {mode:11} " + ", ".join(f"{t} {b / 1000:.0f}" for t, b in parts))
    return summary


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5, help="visits per mode (default 5)")
    parser.add_argument("--quick", action="store_true", help="one run per mode, no warm-up")
    parser.add_argument(
        "--database-url",
        help="use this PostGIS database (the demo city is loaded into it) instead of the "
        "embedded one; DATABASE_URL is never read",
    )
    parser.add_argument("--out", type=Path, default=HERE / "out", help="output directory")
    parser.add_argument("--keep", action="store_true", help="leave the embedded database running")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    from playwright.sync_api import sync_playwright

    from layers.store.embedded import EmbeddedCluster

    args = parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress in a log
    runs = 1 if args.quick else args.runs
    out: Path = args.out.resolve()
    (out / "logs").mkdir(parents=True, exist_ok=True)
    ignore = out / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# benchmark output: database, logs, results\n*\n")
    shutil.rmtree(out / "media", ignore_errors=True)
    load = os.getloadavg()
    averages = " ".join(f"{a:.2f}" for a in load)
    print(f"machine: {os.cpu_count()} CPU(s), load average {averages}")
    if load[0] > 0.5 * (os.cpu_count() or 1):
        print("warning: the machine is busy; figures will be noisy (compare the same-run ratios)")

    cluster: EmbeddedCluster | None = None
    server: Server | None = None
    try:
        if args.database_url:
            url = args.database_url
            print(f"DB: {urlsplit(url).hostname}:{urlsplit(url).port} (--database-url)")
        else:
            cluster = EmbeddedCluster(out / "db")
            url = cluster.start()
            print(f"DB: embedded PostGIS in {cluster.data_dir}")
        prepare_database(url)
        server = start_server(url, out)
        base = server.env["MACHIMAP_PUBLIC_URL"]
        print(f"server: {base} (uvicorn, 1 worker); log {out / 'logs' / 'server.log'}")
        print("hosts other than localhost (the 地理院 basemap) do not resolve: no internet here")
        visits: list[Visit] = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                print(f"browser: Chromium {browser.version}")
                if not args.quick:
                    # Untimed: the server's first connections and tile renders, for both modes.
                    for mode in MODES:
                        measure(browser, base, mode)
                for n in range(runs):
                    # Interleaved, so drift in the machine's load falls on both modes alike.
                    for mode in MODES:
                        got = measure(browser, base, mode, out if n == 0 else None)
                        visits += got
                        print(
                            f"run {n + 1}/{runs} {mode:10} "
                            + "  ".join(
                                f"{v.kind}: drawn {v.first_drawn_s:.2f} s, idle {v.idle_s:.2f} s,"
                                f" {v.bytes / 1000:.0f} KB"
                                for v in got
                            )
                        )
            finally:
                browser.close()
        summary = print_table(visits, runs)
        results = {
            "settings": {
                "runs": runs,
                "cpu_slowdown": CPU_SLOWDOWN,
                "latency_ms": LATENCY_MS,
                "bytes_per_s": BYTES_PER_S,
                "viewport": PHONE,
                "baseline": {"first_drawn_s": BASELINE_S, "kb": BASELINE_KB},
                "load_average_start": list(load),
            },
            "summary": summary,
            "visits": [asdict(v) for v in visits],
        }
        (out / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False))
        print(f"\nresults: {out / 'results.json'}")
        return 0
    finally:
        if server is not None:
            server.stop()
        if cluster is not None and not args.keep:
            cluster.stop()


if __name__ == "__main__":
    sys.exit(main())
