"""Benchmark: `machimap import hazard` against `ogr2ogr -f PostgreSQL` (COPY) on one CSV.

Both tools load the same generated CSV of N points inside 焼津市 into the same embedded
PostGIS server, in the same run, alternating which goes first. Wall time, client CPU time
and peak RSS of each process tree are measured; the medians are printed with the ratio
machimap rows/s ÷ ogr2ogr rows/s. Figures, not a pass/fail test: the exit code is non-zero
only when a tool fails or a row count is wrong.

    .venv/bin/python bench/import/run.py [--rows 1000000] [--repeat 3] [--keep]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import numpy as np
import psutil
import psycopg
import shapely
from numpy.typing import NDArray

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
YAIZU = ROOT / "layers" / "demo" / "data" / "yaizu"
CITY_BOUNDARY = YAIZU / "city_boundary.geojson"
JICHIKAI_AREAS = YAIZU / "jichikai_areas.geojson"
MACHIMAP = ROOT / ".venv" / "bin" / "machimap"
GNU_TIME = Path("/usr/bin/time")

DEFAULT_ROWS = 1_000_000
DEFAULT_SEED = 20240601
MEMORY_LIMIT_MB = 300.0
POLL_SECONDS = 0.05
SOURCE_NAME = "bench"
OGR_TABLE = "ogr_bench"
APPEND_SOURCE = "ogr_append"
MACHIMAP_TOOL = "machimap"
OGR_TOOL = "ogr2ogr"

MACHIMAP_EXTRA_WORK = (
    "per-row checks in Python (required fields, choice values, number parsing, lon/lat "
    "plausibility for Japan)",
    "district assignment: point-in-polygon of every point against the 36 districts "
    "(city + 35 自治会, subdivided; a GEOS STRtree a batch at a time)",
    "city-boundary check: points outside the city (beyond the tolerance) are refused",
    "upsert key (source_dataset, source_id): unique index maintained while loading (a "
    "re-import of the same dataset goes through a staging table and ON CONFLICT DO UPDATE)",
    "hazard's live indexes (primary key, unique key, geom GiST, district_id, observed_at), "
    "foreign keys, CHECKs and triggers, all in one all-or-nothing transaction",
)

# Short, realistic text for 名称 / 説明 (交通事故 open data style).
ACCIDENT_KINDS = (
    "追突事故",
    "出会い頭事故",
    "右折時事故",
    "左折時事故",
    "正面衝突事故",
    "横断中の歩行者事故",
    "自転車事故",
    "単独事故",
    "駐車車両への衝突",
)
WEEKDAYS = ("月", "火", "水", "木", "金", "土", "日")
TIME_BANDS = ("0-3時", "3-6時", "6-9時", "9-12時", "12-15時", "15-18時", "18-21時", "21-24時")
TIME_BAND_WEIGHTS = (0.03, 0.04, 0.18, 0.17, 0.17, 0.22, 0.13, 0.06)
WEATHER = ("晴", "曇", "雨", "霧", "雪")
WEATHER_WEIGHTS = (0.62, 0.25, 0.11, 0.015, 0.005)
ROAD_SHAPES = ("交差点", "交差点付近", "単路", "カーブ", "踏切", "駐車場")
ROAD_KINDS = ("国道150号", "一般県道", "市道", "農道", "その他の道路")
CSV_HEADER = ("ID", "名称", "説明", "緯度", "経度")
CHUNK_ROWS = 100_000


# -- the CSV ------------------------------------------------------------------------------
def _polygons(path: Path) -> list[tuple[dict[str, Any], Any]]:
    """(properties, shapely geometry) of every feature of a GeoJSON file."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        (feature.get("properties") or {}, shapely.geometry.shape(feature["geometry"]))
        for feature in data["features"]
    ]


def sample_in_polygon(
    polygon: Any, n: int, rng: np.random.Generator
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """n points uniform (in lon/lat) inside polygon: oversample its bbox, keep the inside."""
    shapely.prepare(polygon)
    minx, miny, maxx, maxy = (float(v) for v in polygon.bounds)
    fill = float(polygon.area) / ((maxx - minx) * (maxy - miny))
    xs: list[NDArray[np.float64]] = []
    ys: list[NDArray[np.float64]] = []
    have = 0
    while have < n:
        draw = int((n - have) / fill * 1.1) + 1024
        x = rng.uniform(minx, maxx, draw)
        y = rng.uniform(miny, maxy, draw)
        inside = np.asarray(shapely.contains_xy(polygon, x, y), dtype=bool)
        xs.append(x[inside])
        ys.append(y[inside])
        have += int(inside.sum())
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def place_names(x: NDArray[np.float64], y: NDArray[np.float64]) -> list[str]:
    """The 自治会 each point lies in (without the suffix), 「市内」 where none does."""
    areas = _polygons(JICHIKAI_AREAS)
    names = [str(props.get("自治会名") or "市内").removesuffix("自治会") for props, _ in areas]
    names.append("市内")
    tree = shapely.STRtree([geom for _, geom in areas])
    point_idx, area_idx = tree.query(shapely.points(x, y), predicate="within")
    which = np.full(len(x), len(names) - 1, dtype=np.int64)
    which[np.asarray(point_idx, dtype=np.int64)] = np.asarray(area_idx, dtype=np.int64)
    return [names[i] for i in which.tolist()]


def _pick(
    rng: np.random.Generator, n: int, options: Sequence[str], p: Sequence[float] | None = None
) -> list[str]:
    idx = rng.choice(len(options), size=n, p=None if p is None else np.asarray(p) / sum(p))
    return [options[i] for i in idx.tolist()]


def write_csv(path: Path, rows: int, seed: int) -> None:
    """The benchmark CSV: deterministic for (rows, seed), written atomically."""
    rng = np.random.default_rng(seed)
    (_, city), *_ = _polygons(CITY_BOUNDARY)
    lon, lat = sample_in_polygon(city, rows, rng)
    places = place_names(lon, lat)
    tmp = path.with_suffix(".csv.tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        for start in range(0, rows, CHUNK_ROWS):
            n = min(CHUNK_ROWS, rows - start)
            kinds = _pick(rng, n, ACCIDENT_KINDS)
            days = _pick(rng, n, WEEKDAYS)
            bands = _pick(rng, n, TIME_BANDS, TIME_BAND_WEIGHTS)
            weather = _pick(rng, n, WEATHER, WEATHER_WEIGHTS)
            shapes = _pick(rng, n, ROAD_SHAPES)
            roads = _pick(rng, n, ROAD_KINDS)
            injured = rng.integers(0, 4, size=n).tolist()
            lats = lat[start : start + n].tolist()
            lons = lon[start : start + n].tolist()
            writer.writerows(
                (
                    f"B{start + i + 1:07d}",
                    f"{kinds[i]}（{places[start + i]}）",
                    f"{days[i]}曜日{bands[i]}、{weather[i]}。{shapes[i]}、{roads[i]}。"
                    f"負傷者{injured[i]}名。",
                    f"{lats[i]:.7f}",
                    f"{lons[i]:.7f}",
                )
                for i in range(n)
            )
    os.replace(tmp, path)


def count_lines(path: Path) -> int:
    lines = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            lines += chunk.count(b"\n")
    return lines


def ensure_csv(out: Path, rows: int, seed: int) -> Path:
    path = out / f"hazards_{rows}_seed{seed}.csv"
    if path.exists() and count_lines(path) == rows + 1:
        print(f"CSV: reusing {path.relative_to(ROOT)} ({_mb(path.stat().st_size):.1f} MB)")
        return path
    started = time.perf_counter()
    write_csv(path, rows, seed)
    print(
        f"CSV: wrote {path.relative_to(ROOT)} ({rows:,} rows, "
        f"{_mb(path.stat().st_size):.1f} MB) in {time.perf_counter() - started:.1f} s"
    )
    return path


def _mb(n_bytes: float) -> float:
    return n_bytes / (1024 * 1024)


# -- the database ---------------------------------------------------------------------------
@dataclass
class Database:
    data_dir: Path
    env: dict[str, str]
    url: str = ""

    def machimap(self, *args: str) -> str:
        result = subprocess.run(
            [str(MACHIMAP), *args], env=self.env, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise SystemExit(
                f"FAIL: machimap {' '.join(args)} exited {result.returncode}:\n"
                f"{result.stdout}{result.stderr}"
            )
        return result.stdout

    def setup(self) -> None:
        """A fresh cluster: migrations, the city, its boundary and its 35 自治会 areas."""
        self.teardown(remove=True)
        self.machimap("db", "upgrade")
        self.machimap(
            "city", "set", "--code", "222127", "--name", "焼津市", "--prefecture", "静岡県"
        )
        self.machimap("import", "district", str(CITY_BOUNDARY), "--set", "level=city", "-q")
        self.machimap(
            "import", "district", str(JICHIKAI_AREAS), "--set", "level=area",
            "--map", "自治会名=name", "-q",
        )  # fmt: skip
        self.url = self.machimap("db", "url").strip()

    def teardown(self, *, remove: bool) -> None:
        if (self.data_dir / "pgdata" / "PG_VERSION").exists():
            subprocess.run(
                [str(MACHIMAP), "db", "stop"], env=self.env, capture_output=True, check=False
            )
        if remove and self.data_dir.exists():
            shutil.rmtree(self.data_dir)

    def query(self, statement: str) -> Any:
        with psycopg.connect(self.url, autocommit=True) as conn:
            row = conn.execute(statement.encode()).fetchone()
            return None if row is None else row[0]

    def reset(self) -> None:
        """Both targets empty, dirty pages flushed: every timed run starts from the same state."""
        with psycopg.connect(self.url, autocommit=True) as conn:
            # CASCADE: report.hazard_id references hazard (report is empty here).
            conn.execute("TRUNCATE hazard CASCADE")
            conn.execute(f"DROP TABLE IF EXISTS {OGR_TABLE}".encode())
            conn.execute("CHECKPOINT")

    def count(self, tool: str) -> int:
        if tool == MACHIMAP_TOOL:
            statement = f"SELECT count(*) FROM hazard WHERE source_dataset = '{SOURCE_NAME}'"
        else:
            statement = f"SELECT count(*) FROM {OGR_TABLE} WHERE geom IS NOT NULL"
        return int(self.query(statement))

    def conninfo(self) -> tuple[str, str]:
        """libpq key=value conninfo for ogr2ogr (password apart, for PGPASSWORD)."""
        parts = urlsplit(self.url)
        values = {
            "host": parts.hostname or "127.0.0.1",
            "port": str(parts.port or 5432),
            "dbname": unquote(parts.path.lstrip("/")),
            "user": unquote(parts.username or ""),
        }
        quoted = {
            k: "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'" for k, v in values.items()
        }
        return " ".join(f"{k}={v}" for k, v in quoted.items()), unquote(parts.password or "")


# -- measuring ------------------------------------------------------------------------------
@dataclass
class Run:
    tool: str
    command: list[str]
    seconds: float
    returncode: int
    stdout: str
    stderr: str
    maxrss_mb: float | None = None  # GNU time: max RSS of the largest process in the tree
    tree_rss_mb: float = 0.0  # psutil: max over polls of the summed RSS of the tree
    cpu_seconds: float | None = None  # user + system of the tree (GNU time)
    rows: int = 0

    @property
    def peak_mb(self) -> float:
        return max(self.tree_rss_mb, self.maxrss_mb or 0.0)


def _tree_rss(root: psutil.Process, skip_root: bool) -> int:
    try:
        procs = root.children(recursive=True)
    except psutil.Error:
        return 0
    if not skip_root:
        procs.append(root)
    total = 0
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            total += int(proc.memory_info().rss)
    return total


def _time_field(report: str, name: str) -> float | None:
    match = re.search(rf"^\s*{re.escape(name)}: ([0-9.]+)\s*$", report, re.MULTILINE)
    return float(match.group(1)) if match else None


def measure(tool: str, command: list[str], env: dict[str, str]) -> Run:
    """Run command; wall time, GNU time's max RSS and CPU, psutil's summed tree RSS."""
    use_time = GNU_TIME.exists()
    with tempfile.TemporaryDirectory(prefix="machimap-bench-") as tmp:
        time_file = Path(tmp) / "time.txt"
        full = [str(GNU_TIME), "-v", "-o", str(time_file), *command] if use_time else command
        with (Path(tmp) / "out").open("w+") as out, (Path(tmp) / "err").open("w+") as err:
            started = time.perf_counter()
            proc = subprocess.Popen(full, env=env, stdout=out, stderr=err)
            root = psutil.Process(proc.pid)
            peak = 0
            while proc.poll() is None:
                peak = max(peak, _tree_rss(root, skip_root=use_time))
                time.sleep(POLL_SECONDS)
            seconds = time.perf_counter() - started
            out.seek(0)
            err.seek(0)
            run = Run(tool, command, seconds, proc.returncode, out.read(), err.read())
        run.tree_rss_mb = _mb(peak)
        if use_time and time_file.exists():
            report = time_file.read_text()
            maxrss_kb = _time_field(report, "Maximum resident set size (kbytes)")
            run.maxrss_mb = None if maxrss_kb is None else maxrss_kb / 1024
            user = _time_field(report, "User time (seconds)")
            system = _time_field(report, "System time (seconds)")
            if user is not None and system is not None:
                run.cpu_seconds = user + system
    return run


def machimap_command(csv_path: Path) -> list[str]:
    return [
        str(MACHIMAP), "import", "hazard", str(csv_path),
        "--set", "kind=traffic_accident", "--source", SOURCE_NAME, "-q",
    ]  # fmt: skip


def ogr2ogr_command(csv_path: Path, conninfo: str) -> list[str]:
    return [
        "ogr2ogr", "-f", "PostgreSQL", f"PG:{conninfo}", str(csv_path),
        "-nln", OGR_TABLE, "-overwrite",
        "-oo", "X_POSSIBLE_NAMES=経度", "-oo", "Y_POSSIBLE_NAMES=緯度",
        "-oo", "KEEP_GEOM_COLUMNS=NO", "-a_srs", "EPSG:4326",
        "-lco", "GEOMETRY_NAME=geom", "-lco", "SPATIAL_INDEX=GIST",
        "--config", "PG_USE_COPY", "YES", "-gt", "65536",
    ]  # fmt: skip


def ogr2ogr_append_command(csv_path: Path, conninfo: str) -> list[str]:
    """ogr2ogr loading the same rows into the live hazard layer, as an operator without
    machimap's importer would: the database's rules (district trigger, checks, indexes,
    foreign keys) then run row by row."""
    select = (
        f'SELECT \'traffic_accident\' AS kind, "名称" AS title, "説明" AS description, '
        f'"ID" AS source_id, \'{APPEND_SOURCE}\' AS source_dataset FROM "{csv_path.stem}"'
    )
    return [
        "ogr2ogr", "-f", "PostgreSQL", f"PG:{conninfo}", str(csv_path),
        "-nln", "hazard", "-append", "-sql", select,
        "-oo", "X_POSSIBLE_NAMES=経度", "-oo", "Y_POSSIBLE_NAMES=緯度",
        "-oo", "KEEP_GEOM_COLUMNS=NO", "-a_srs", "EPSG:4326",
        "--config", "PG_USE_COPY", "YES", "-gt", "65536",
    ]  # fmt: skip


def like_for_like(
    db: Database, out: Path, rows: int, seed: int, conninfo: str, ogr_env: dict[str, str]
) -> list[str]:
    """Both tools into the same live hazard table; prints rows/s side by side."""
    csv_path = ensure_csv(out, rows, seed)
    results: dict[str, Run] = {}
    for tool, command, env in (
        (MACHIMAP_TOOL, machimap_command(csv_path), db.env),
        ("ogr2ogr -append", ogr2ogr_append_command(csv_path, conninfo), ogr_env),
    ):
        db.reset()
        run = measure(tool, command, env)
        source = SOURCE_NAME if tool == MACHIMAP_TOOL else APPEND_SOURCE
        run.rows = int(
            db.query(
                f"SELECT count(*) FROM hazard WHERE source_dataset = '{source}' "
                "AND district_id IS NOT NULL"
            )
        )
        results[tool] = run
    print()
    print(
        f"Like for like: {rows:,} points into the same hazard layer (same indexes, foreign "
        "keys, checks, district rule)"
    )
    problems = []
    for tool, run in results.items():
        print(
            f"{tool:<16} {run.seconds:8.2f} s {rows / run.seconds:>10,.0f} rows/s  "
            f"rows with a district {run.rows:,}"
        )
        if run.returncode != 0 or run.rows != rows:
            problems.append(f"{tool}: exit {run.returncode}, {run.rows:,} rows located")
    mm, ogr = results[MACHIMAP_TOOL], results["ogr2ogr -append"]
    print(f"ratio machimap rows/s ÷ ogr2ogr -append rows/s: {ogr.seconds / mm.seconds:.2f}")
    return problems


LOADED = re.compile(r"^(\d+) loaded, (\d+) rejected.*\((\d+) read from ", re.MULTILINE)


def check(run: Run, expected: int) -> list[str]:
    """Why this run does not count (empty when it does)."""
    problems: list[str] = []
    if run.returncode != 0:
        lines = [line for line in (run.stderr or run.stdout).splitlines() if line.strip()]
        last = lines[-1].strip() if lines else "(no output)"
        problems.append(f"{run.tool} exited {run.returncode}: {last}")
        if "statement timeout" in last:
            problems.append(
                "the import ran into PostgreSQL's statement_timeout (machimap sets it from "
                "MACHIMAP_STATEMENT_TIMEOUT_MS, default 30 s)"
            )
    if run.tool == MACHIMAP_TOOL and run.returncode == 0:
        match = LOADED.search(run.stdout)
        if match is None:
            problems.append(f"machimap printed no 'N loaded' line: {run.stdout.strip()!r}")
        elif (int(match.group(1)), int(match.group(2))) != (expected, 0):
            problems.append(f"machimap reported: {match.group(0).strip()}")
    if run.rows != expected:
        problems.append(f"{run.tool}: {run.rows:,} rows in the database, expected {expected:,}")
    return problems


# -- reporting ------------------------------------------------------------------------------
@dataclass
class Summary:
    tool: str
    runs: list[Run] = field(default_factory=list)

    @property
    def median_s(self) -> float:
        return statistics.median(r.seconds for r in self.runs)

    def rows_per_s(self, rows: int) -> float:
        return rows / self.median_s

    @property
    def peak_mb(self) -> float:
        return max(r.peak_mb for r in self.runs)

    @property
    def maxrss_mb(self) -> float | None:
        values = [r.maxrss_mb for r in self.runs if r.maxrss_mb is not None]
        return max(values) if values else None

    @property
    def tree_mb(self) -> float:
        return max(r.tree_rss_mb for r in self.runs)

    @property
    def cpu_s(self) -> float | None:
        values = [r.cpu_seconds for r in self.runs if r.cpu_seconds is not None]
        return statistics.median(values) if values else None


def _opt(value: float | None, fmt: str) -> str:
    return "n/a" if value is None else format(value, fmt)


def print_report(summaries: dict[str, Summary], rows: int, repeat: int) -> None:
    print()
    print(f"Results: {rows:,} points, {repeat} repeat(s), median wall time per tool")
    header = (
        f"{'tool':<10} {'median s':>9} {'min s':>8} {'max s':>8} {'rows/s':>10} "
        f"{'client CPU s':>12} {'maxrss MB':>10} {'tree MB':>8} {'peak MB':>8}"
    )
    print(header)
    print("-" * len(header))
    for tool in (MACHIMAP_TOOL, OGR_TOOL):
        s = summaries[tool]
        times = [r.seconds for r in s.runs]
        print(
            f"{tool:<10} {s.median_s:>9.2f} {min(times):>8.2f} {max(times):>8.2f} "
            f"{s.rows_per_s(rows):>10,.0f} {_opt(s.cpu_s, '.2f'):>12} "
            f"{_opt(s.maxrss_mb, '.1f'):>10} {s.tree_mb:>8.1f} {s.peak_mb:>8.1f}"
        )
    mm, ogr = summaries[MACHIMAP_TOOL], summaries[OGR_TOOL]
    ratio = mm.rows_per_s(rows) / ogr.rows_per_s(rows)
    print()
    print(f"ratio machimap rows/s ÷ ogr2ogr rows/s: {ratio:.2f}")
    fast = "YES" if ratio >= 1.0 else "NO"
    print(
        f"verdict: machimap at least as fast as ogr2ogr: {fast} "
        f"(machimap {mm.median_s:.2f} s vs ogr2ogr {ogr.median_s:.2f} s, {ratio:.2f}x)"
    )
    small = "YES" if mm.peak_mb < MEMORY_LIMIT_MB else "NO"
    print(
        f"verdict: machimap peak memory < {MEMORY_LIMIT_MB:.0f} MB: {small} "
        f"({mm.peak_mb:.1f} MB; ogr2ogr {ogr.peak_mb:.1f} MB)"
    )
    print()
    notes = (
        "wall time runs from process start to exit, start-up included (for machimap also its "
        "migration check and database check). client CPU s = user+sys of the client process "
        "tree (GNU time); the rest of the wall time is the database server working, or "
        "waiting. maxrss MB = the largest single process of the tree (GNU time); tree MB = the "
        f"tree's summed RSS polled every {POLL_SECONDS * 1000:.0f} ms (psutil); peak MB = the "
        "larger of the two, maximum over repeats. PostgreSQL's own backend memory is counted "
        "for neither tool.",
        "ogr2ogr only parses the CSV, builds points and COPYs them into a new table with a "
        "GiST index: no checks beyond parsing, no districts, no boundary, no keys.",
    )
    for note in notes:
        print(textwrap.fill(note, width=96, subsequent_indent="  "))
    print("machimap does work ogr2ogr does not:")
    for item in MACHIMAP_EXTRA_WORK:
        print(
            textwrap.fill(
                item,
                width=96,
                initial_indent="  - ",
                subsequent_indent="    ",
                break_on_hyphens=False,
            )
        )


def versions(db: Database) -> str:
    gdal = subprocess.run(
        ["ogr2ogr", "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    pg = db.query("SHOW server_version")
    postgis = db.query("SELECT postgis_lib_version()")
    return (
        f"{platform.python_implementation()} {platform.python_version()}, {gdal}, "
        f"PostgreSQL {pg}, PostGIS {postgis}, {os.cpu_count()} CPU(s)"
    )


# -- main -----------------------------------------------------------------------------------
def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="points in the CSV")
    parser.add_argument("--repeat", type=int, default=3, help="runs per tool (median reported)")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="leave the benchmark database running with the last run's rows (for inspection)",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="CSV random seed")
    parser.add_argument(
        "--append-rows",
        type=int,
        default=20_000,
        help="rows for the like-for-like run: ogr2ogr -append into the same hazard table "
        "machimap loads, with its rules (0 to skip; the per-row trigger makes it slow)",
    )
    parser.add_argument("--out", type=Path, default=HERE / "out", help="CSV and database directory")
    args = parser.parse_args(argv)
    if args.rows < 1 or args.repeat < 1:
        parser.error("--rows and --repeat must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    rows: int = args.rows
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    ignore = out / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# benchmark output: generated CSVs and the database\n*\n")
    if not shutil.which("ogr2ogr"):
        print("FAIL: ogr2ogr not found (Debian: apt-get install gdal-bin)")
        return 1
    csv_path = ensure_csv(out, rows, args.seed)

    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MACHIMAP_DATABASE_URL")
    }
    db = Database(out / "importdb", {**env, "MACHIMAP_DATA_DIR": str(out / "importdb")})
    started = time.perf_counter()
    print(f"DB: fresh embedded PostGIS in {db.data_dir.relative_to(ROOT)} ...", flush=True)
    failed: list[str] = []
    try:
        db.setup()
        conninfo, password = db.conninfo()
        ogr_env = {**env, "PGPASSWORD": password}
        print(f"DB: ready in {time.perf_counter() - started:.1f} s; {versions(db)}")
        print(f"machimap: {' '.join(machimap_command(csv_path))}")
        print(f"ogr2ogr:  {' '.join(ogr2ogr_command(csv_path, conninfo))}  (PGPASSWORD set)")
        if not GNU_TIME.exists():
            print("note: /usr/bin/time not found; peak RSS from psutil polling only")
        summaries = {tool: Summary(tool) for tool in (MACHIMAP_TOOL, OGR_TOOL)}
        for repeat in range(args.repeat):
            order = [MACHIMAP_TOOL, OGR_TOOL] if repeat % 2 == 0 else [OGR_TOOL, MACHIMAP_TOOL]
            for tool in order:
                db.reset()
                if tool == MACHIMAP_TOOL:
                    run = measure(tool, machimap_command(csv_path), db.env)
                else:
                    run = measure(tool, ogr2ogr_command(csv_path, conninfo), ogr_env)
                run.rows = db.count(tool)
                print(
                    f"repeat {repeat + 1}/{args.repeat} {tool:<8} {run.seconds:8.2f} s "
                    f"{rows / run.seconds:>10,.0f} rows/s  peak {run.peak_mb:6.1f} MB  "
                    f"rows {run.rows:,}",
                    flush=True,
                )
                problems = check(run, rows)
                if problems:
                    log = out / f"{tool}-repeat{repeat + 1}.log"
                    log.write_text(f"$ {' '.join(run.command)}\n{run.stdout}{run.stderr}")
                    problems.append(f"{tool} output written to {log}")
                for problem in problems:
                    print(f"FAIL: {problem}")
                failed += problems
                summaries[tool].runs.append(run)
            if failed:
                break
        if not failed:
            print_report(summaries, rows, args.repeat)
        if not failed and args.append_rows > 0:
            failed += like_for_like(db, out, args.append_rows, args.seed, conninfo, ogr_env)
            for problem in failed:
                print(f"FAIL: {problem}")
    finally:
        if args.keep:
            print(f"--keep: database left running; MACHIMAP_DATA_DIR={db.data_dir}")
        else:
            db.teardown(remove=True)
    if failed:
        print(f"FAIL: {len(failed)} problem(s); figures not reported")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
