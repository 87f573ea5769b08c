"""Poster benchmark: how long someone waits for the A3 poster of a big safety map (300 places,
60 released photos) and how much memory the server needs to make it, on the first print
after the server starts (cold) and on later ones (warm). See README.md."""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from bench import servers
from bench.phone.run import prepare_database
from bench.servers import Server

HERE = Path(__file__).resolve().parent
QUERY = "paper=A3&orientation=landscape"


@dataclass
class Print:
    kind: str  # cold | warm
    seconds: float
    bytes: int
    rss_mb: float  # the most the server held while making it (sampled)
    peak_mb: float  # the server process's peak RSS so far (VmHWM)


def make_map(url: str, media: Path, places: int, photos: int) -> int:
    """A published map of a group, built as a group builds it (bench/print/sample.py)."""
    os.environ["DATABASE_URL"] = url
    os.environ["MACHIMAP_MEDIA_DIR"] = str(media)
    import layers.schema.models  # noqa: F401  (every table, for the ORM's foreign keys)
    from bench.print.sample import build
    from layers.groups.model import Group, GroupKind, SafetyMap
    from layers.store.db import reset_caches, session_scope

    reset_caches()  # the settings read before this point named no database

    started = time.perf_counter()
    with session_scope() as db:
        group = Group(name=f"[bench-print] 本町地区 {time.time_ns()}", kind=GroupKind.pta)
        db.add(group)
        db.flush()
        m = SafetyMap(
            title=f"本町地区 地域安全マップ（{places}地点）",
            description="[bench-print] 防犯ボランティアと4年生で歩いて作りました。",
            group_id=group.id,
            is_published=True,
            published_at=datetime.now(UTC),
        )
        db.add(m)
        db.flush()
        build(db, m, places, photos)
        map_id = m.id
    print(
        f"map {map_id}: {places} places, {photos} released photos "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return map_id


def _status_kb(pid: int, field: str) -> float:
    text = Path(f"/proc/{pid}/status").read_text()
    found = re.search(rf"^{field}:\s+(\d+) kB", text, re.M)
    return float(found[1]) if found else 0.0


def print_once(server: Server, map_id: int, kind: str) -> Print:
    assert server.proc is not None
    pid = server.proc.pid
    most = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal most
        while not done.is_set():
            most = max(most, _status_kb(pid, "VmRSS"))
            time.sleep(0.02)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    started = time.perf_counter()
    answer = httpx.get(f"{server.base}/api/safety-maps/{map_id}/print.pdf?{QUERY}", timeout=600)
    seconds = time.perf_counter() - started
    done.set()
    watcher.join()
    answer.raise_for_status()
    return Print(kind, seconds, len(answer.content), most / 1024, _status_kb(pid, "VmHWM") / 1024)


def pages(pdf: bytes, out: Path) -> int:
    path = out / "poster.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    found = re.search(r"Pages:\s+(\d+)", info)
    return int(found[1]) if found else 0


def print_table(prints: Sequence[Print], baseline_mb: float, page_count: int) -> dict[str, Any]:
    cold = [p for p in prints if p.kind == "cold"]
    warm = [p for p in prints if p.kind == "warm"]
    header = f"{'print':6} {'runs':>4} {'seconds':>22} {'server RSS MB':>14} {'peak MB':>8}"
    print(
        f"\nA3 landscape poster ({page_count} pages, {prints[0].bytes / 1e6:.1f} MB PDF); "
        f"server at rest {baseline_mb:.0f} MB"
    )
    print(header)
    print("─" * len(header))
    summary: dict[str, Any] = {"baseline_mb": baseline_mb, "pages": page_count}
    for label, group in (("cold", cold), ("warm", warm)):
        if not group:
            continue
        times = [p.seconds for p in group]
        shown = f"{statistics.median(times):.2f}"
        if len(times) > 1:
            shown += f" ({min(times):.2f}–{max(times):.2f})"
        print(
            f"{label:6} {len(group):>4} {shown:>22} {max(p.rss_mb for p in group):>14.0f} "
            f"{max(p.peak_mb for p in group):>8.0f}"
        )
        summary[label] = {
            "median_s": statistics.median(times),
            "rss_mb": max(p.rss_mb for p in group),
            "peak_mb": max(p.peak_mb for p in group),
        }
    wait = summary.get("warm", summary["cold"])["median_s"]
    print(
        f"\nwhat a user waits: {summary['cold']['median_s']:.1f} s for the first poster after "
        f"a restart, then about {wait:.1f} s for each (no peer to compare: the poster is ours)"
    )
    return summary


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--places", type=int, default=300)
    parser.add_argument("--photos", type=int, default=60, help="released photos")
    parser.add_argument("--runs", type=int, default=5, help="warm prints (default 5)")
    parser.add_argument("--quick", action="store_true", help="10 places, 2 photos, 1 warm print")
    parser.add_argument(
        "--database-url",
        help="use this PostGIS database (the demo city is loaded into it) instead of the "
        "embedded one in OUT/db; DATABASE_URL is never read",
    )
    parser.add_argument(
        "--basemap",
        default="",
        help="tile URL template for the poster's basemap (default none: the city's layers)",
    )
    parser.add_argument("--out", type=Path, default=HERE / "out", help="output directory")
    parser.add_argument("--keep", action="store_true", help="leave the embedded database running")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    from layers.store.embedded import EmbeddedCluster

    args = parse_args(argv)
    if args.quick:
        args.places, args.photos, args.runs = 10, 2, 1
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    out: Path = args.out.resolve()
    (out / "logs").mkdir(parents=True, exist_ok=True)
    ignore = out / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# benchmark output: database, logs, results\n*\n")
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} CPU(s), load average {' '.join(f'{a:.2f}' for a in load)}")
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
        media = out / "media"
        map_id = make_map(url, media, args.places, args.photos)
        server = servers.machimap_server(
            "machimap",
            url,
            1,
            out / "logs" / "server.log",
            {"MACHIMAP_MEDIA_DIR": str(media), "MACHIMAP_PRINT_BASEMAP_URL": args.basemap},
        )
        server.start()
        assert server.proc is not None
        baseline = _status_kb(server.proc.pid, "VmRSS") / 1024
        print(f"server: {server.base} (uvicorn, 1 worker); basemap: {args.basemap or 'none'}")
        prints = [print_once(server, map_id, "cold")]
        print(f"cold: {prints[0].seconds:.2f} s")
        for n in range(args.runs):
            prints.append(print_once(server, map_id, "warm"))
            print(f"warm {n + 1}/{args.runs}: {prints[-1].seconds:.2f} s")
        last = httpx.get(f"{server.base}/api/safety-maps/{map_id}/print.pdf?{QUERY}", timeout=600)
        summary = print_table(prints, baseline, pages(last.content, out))
        results = {
            "settings": {
                "places": args.places,
                "photos": args.photos,
                "runs": args.runs,
                "query": QUERY,
                "basemap": args.basemap,
                "load_average_start": list(load),
            },
            "summary": summary,
            "prints": [asdict(p) for p in prints],
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
