"""Benchmark: machimap's vector tiles and OGC API items against tipg and the raw PostGIS floor.

One PostGIS holds the demo city (焼津市) and N synthetic hazard points. In the same run, on
the same tables and with the same number of server processes, it measures:

- machimap: ``uvicorn api.app:create_app --factory`` (rate limits off);
- tipg: ``uvicorn tipg.main:app`` from its own venv (``out/tipg-venv``), limited to
  ``public.hazard`` and the layer's public fields;
- the floor: the SQL a good server has to run, straight through ``pgbench`` (prepared
  statements, no HTTP, no Python).

HTTP load comes from ``wrk`` walking a pre-generated URL list; pgbench draws the same
parameters from a table holding the same list. Figures, not a pass/fail test: the exit code
is non-zero only when the set-up fails.

    .venv/bin/python bench/serve/run.py [--quick] [--points 1000000] [--duration 15]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import httpx
import psycopg
from psycopg.types.json import set_json_loads

from bench import servers
from bench.servers import Server, clean_env, free_port, uvicorn_flags
from layers.registry import Layer, get_layer
from layers.schema import migrate
from layers.store.db import libpq_url, make_engine, session_options
from layers.store.embedded import EmbeddedCluster, find_bindir
from layers.store.settings import Settings

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
VENV_BIN = Path(sys.executable).parent

DEFAULT_POINTS = 1_000_000
QUICK_POINTS = 50_000
DEFAULT_DURATION = 15
QUICK_DURATION = 3
DEFAULT_CONNECTIONS = 8
SEED = 20240601
SOURCE_DATASET = "bench_serve"
PARAM_SCHEMA = "bench_serve"
LAYER_ID = "hazard"
TILE_EXTENT = 4096
TILE_BUFFER = 64
ITEMS_LIMIT = 1000
BBOX_HALF_M = 500.0  # items bboxes are ~1 km across
GEOJSON_DIGITS = 7
WARM_TILES = 4

# Where machimap serves them (override with --machimap-tiles / --machimap-items).
MACHIMAP_TILES = "/tiles/hazard/{z}/{x}/{y}.mvt"
MACHIMAP_ITEMS = "/ogc/collections/hazard_points/items"
TIPG_TILES = "/collections/public.hazard/tiles/WebMercatorQuad/{z}/{x}/{y}"
TIPG_ITEMS = "/collections/public.hazard/items"
FILTER_TEXT = "severity>=3"
FILTER_SQL = "severity >= 3"

MACHIMAP, TIPG, FLOOR = "machimap", "tipg", "floor"
SERVERS = (MACHIMAP, TIPG, FLOOR)


@dataclass(frozen=True)
class Workload:
    key: str
    label: str
    kind: str  # "tile" or "items"
    machimap_cache: bool = False  # False: machimap's tile cache is off (every request renders)
    with_filter: bool = False
    target: float | None = None  # machimap req/s ÷ floor req/s the issue asks for


WORKLOADS = (
    Workload("z14_cold", "z14 tiles, cold", "tile", target=0.85),
    Workload("z14_warm", f"z14 tiles, warm ({WARM_TILES})", "tile", True, target=5.0),
    Workload("z10_cold", "z10 tiles, cold", "tile"),
    Workload("items", "items bbox 1 km", "items", target=0.7),
    Workload("items_filter", "items bbox+filter", "items", with_filter=True, target=0.7),
)
WORKLOAD_KEYS = tuple(w.key for w in WORKLOADS)


# -- results --------------------------------------------------------------------------------
@dataclass
class Measure:
    status: str = "ok"  # ok | endpoint missing | error | skipped
    detail: str = ""
    requests: int = 0
    seconds: float = 0.0
    rps: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    errors: int = 0  # non-2xx responses, socket errors, timeouts
    bytes_per_response: float | None = None  # on the wire (HTTP body and headers; wrk)
    first_bytes: int | None = None  # body of the first URL (decoded size for HTTP)
    first_features: int | None = None  # items: numberReturned of the first URL
    generator: str = ""


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


# -- the database ---------------------------------------------------------------------------
def _pg_conninfo(url: str) -> dict[str, str]:
    parts = urlsplit(libpq_url(url))
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": str(parts.port or 5432),
        "dbname": unquote(parts.path.lstrip("/")),
        "user": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
    }


def connect(url: str) -> psycopg.Connection[Any]:
    return psycopg.connect(libpq_url(url), autocommit=True)


def scalar(url: str, sql: str, params: Sequence[Any] = ()) -> Any:
    with connect(url) as conn:
        row = conn.execute(sql.encode(), params).fetchone()
        return None if row is None else row[0]


def prepare_database(url: str, points: int) -> None:
    """Migrations, the demo city, the layer metadata rows and `points` synthetic hazards."""
    from sqlalchemy.orm import Session

    from layers.demo.load import load_demo
    from layers.serving.publishing import sync_layer_metadata

    migrate.upgrade(url)
    started = time.perf_counter()
    for _ in load_demo(url):  # idempotent: a second run upserts the same rows
        pass
    print(f"DB: demo city ready in {_since(started)}")
    engine = make_engine(url)
    try:
        with Session(engine) as session, session.begin():
            sync_layer_metadata(session)
    finally:
        engine.dispose()

    have = scalar(url, "SELECT count(*) FROM hazard WHERE source_dataset = %s", (SOURCE_DATASET,))
    started = time.perf_counter()
    with connect(url) as conn:
        if have == points:
            print(f"DB: reusing {points:,} synthetic hazards")
        else:
            conn.execute("DELETE FROM hazard WHERE source_dataset = %s", (SOURCE_DATASET,))
            conn.execute(synthetic_sql(), {"n": points, "seed": SEED, "source": SOURCE_DATASET})
            print(f"DB: {points:,} synthetic hazards generated in {_since(started)}")
        # Every run starts from a vacuumed, analysed table (the demo loader's upserts leave
        # dead rows behind; the visibility map lets counts use index-only scans).
        conn.execute("VACUUM (ANALYZE) hazard")


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _since(started: float) -> str:
    return f"{time.perf_counter() - started:.1f} s"


def synthetic_sql() -> str:
    """N points uniform over the city polygon (ST_GeneratePoints with a seed), attributes
    derived from a hash of the point's number, so the table is the same on every run.

    district_id is computed here, set-based, with the same rule as the database's trigger
    (the deepest district part containing the point); the trigger only runs WHEN
    district_id IS NULL, so 1M per-row function calls are avoided, as in the importer."""
    kinds = (
        "road_damage",
        "waterside",
        "streetlight_out",
        "blind_corner",
        "vacant_house",
        "illegal_dumping",
        "school_route",
        "traffic_accident",
        "underpass",
        "flood_history",
        "landslide",
        "other",
    )
    titles = (
        "路面の陥没",
        "用水路沿いの転落危険",
        "防犯灯の不点灯",
        "見通しの悪い交差点",
        "管理不全の空き家",
        "不法投棄",
        "通学路の危険箇所",
        "交通事故多発地点",
        "冠水するアンダーパス",
        "浸水履歴",
        "がけ崩れの危険",
        "その他の危険箇所",
    )
    kind_array = "(ARRAY[" + ", ".join(f"'{k}'" for k in kinds) + "])"
    title_array = "(ARRAY[" + ", ".join(f"'{t}'" for t in titles) + "])"

    def u(salt: int) -> str:  # uniform in [0, 1) from the point number
        return f"((hashint4(p.n # {salt})::bigint + 2147483648) / 4294967296.0)"

    return f"""
INSERT INTO hazard (kind, title, description, severity, status, source, source_dataset,
                    source_id, observed_at, synthetic, district_id, geom)
SELECT {kind_array}[k.i], {title_array}[k.i] || '（' || p.n || '）',
       'ベンチマーク用の合成データ / synthetic benchmark record',
       CASE WHEN {u(2)} < 0.4 THEN 1 WHEN {u(2)} < 0.7 THEN 2 WHEN {u(2)} < 0.9 THEN 3
            ELSE 4 END,
       CASE WHEN {u(3)} < 0.6 THEN 'active' WHEN {u(3)} < 0.8 THEN 'monitoring'
            WHEN {u(3)} < 0.95 THEN 'mitigated' ELSE 'resolved' END,
       (ARRAY['open_data', 'report', 'inspection', 'patrol', 'staff'])[1 + floor({u(4)} * 5)],
       %(source)s, p.n::text,
       timestamptz '2025-01-01 00:00+09' - {u(5)} * interval '1826 days',
       true, d.district_id, p.geom
FROM (SELECT dump.path[1] AS n, dump.geom
      FROM (SELECT geom FROM district WHERE level = 'city' ORDER BY id LIMIT 1) AS city,
           ST_Dump(ST_GeneratePoints(city.geom, %(n)s, %(seed)s)) AS dump) AS p
CROSS JOIN LATERAL (SELECT 1 + floor({u(1)} * {len(kinds)})::int AS i) AS k
LEFT JOIN LATERAL (SELECT dp.district_id FROM district_part dp
                   WHERE ST_Intersects(dp.geom, p.geom)
                   ORDER BY dp.depth DESC LIMIT 1) AS d ON true
"""


def write_params(url: str, items_count: int) -> dict[str, int]:
    """The request parameters of every workload, in a table pgbench reads and from which the
    URL lists are written, so the three servers get the same requests. Returns the counts."""
    city = "(SELECT geom FROM district WHERE level = 'city' ORDER BY id LIMIT 1)"
    tiles_in_city = f"""
      SELECT %(z)s AS z, x, y FROM {city} AS c,
        LATERAL (SELECT ST_Transform(ST_Envelope(c.geom), 3857) AS m) AS merc,
        LATERAL generate_series(
          floor((ST_XMin(merc.m) + 20037508.342789244) / (40075016.68557849 / 2 ^ %(z)s))::int,
          floor((ST_XMax(merc.m) + 20037508.342789244) / (40075016.68557849 / 2 ^ %(z)s))::int
        ) AS x,
        LATERAL generate_series(
          floor((20037508.342789244 - ST_YMax(merc.m)) / (40075016.68557849 / 2 ^ %(z)s))::int,
          floor((20037508.342789244 - ST_YMin(merc.m)) / (40075016.68557849 / 2 ^ %(z)s))::int
        ) AS y
      WHERE ST_Intersects(ST_Transform(ST_TileEnvelope(%(z)s, x, y), 4326), c.geom)
    """
    with connect(url) as conn:
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {PARAM_SCHEMA}".encode())
        conn.execute(f"DROP TABLE IF EXISTS {PARAM_SCHEMA}.param".encode())
        conn.execute(
            f"""CREATE TABLE {PARAM_SCHEMA}.param (
                  workload text, i int, z int, x int, y int,
                  minx float8, miny float8, maxx float8, maxy float8,
                  PRIMARY KEY (workload, i))""".encode()
        )
        for key, zoom in (("z14_cold", 14), ("z10_cold", 10)):
            # Shuffled with a fixed seed: wrk walks the list in this order.
            conn.execute(
                f"""INSERT INTO {PARAM_SCHEMA}.param (workload, i, z, x, y)
                    SELECT %(key)s, row_number() OVER (ORDER BY md5(x || '/' || y)) - 1, z, x, y
                    FROM ({tiles_in_city}) t""".encode(),
                {"z": zoom, "key": key},
            )
        conn.execute(
            f"""INSERT INTO {PARAM_SCHEMA}.param (workload, i, z, x, y)
                SELECT 'z14_warm', row_number() OVER (ORDER BY d, x, y) - 1, z, x, y
                FROM (SELECT z, x, y, ST_Distance(
                        ST_Centroid(ST_Transform(ST_TileEnvelope(z, x, y), 4326)),
                        ST_PointOnSurface({city})) AS d
                      FROM {PARAM_SCHEMA}.param WHERE workload = 'z14_cold'
                      ORDER BY d, x, y LIMIT {WARM_TILES}) t""".encode()
        )
        lat = conn.execute(f"SELECT ST_Y(ST_Centroid({city}))".encode()).fetchone()
        assert lat is not None
        # Half a bbox in degrees at the city's latitude.
        dlat = BBOX_HALF_M / 111_320.0
        dlon = BBOX_HALF_M / (111_320.0 * math.cos(math.radians(float(lat[0]))))
        for key in ("items", "items_filter"):
            # Centres are random points in the city; coordinates rounded as in the URL.
            conn.execute(
                f"""INSERT INTO {PARAM_SCHEMA}.param (workload, i, minx, miny, maxx, maxy)
                    SELECT %(key)s, d.path[1] - 1,
                      round((ST_X(d.geom) - %(dlon)s)::numeric, 6),
                      round((ST_Y(d.geom) - %(dlat)s)::numeric, 6),
                      round((ST_X(d.geom) + %(dlon)s)::numeric, 6),
                      round((ST_Y(d.geom) + %(dlat)s)::numeric, 6)
                    FROM ST_Dump(ST_GeneratePoints({city}, %(n)s, %(seed)s)) d""".encode(),
                {
                    "key": key,
                    "n": items_count,
                    "seed": SEED + (1 if key == "items" else 2),
                    "dlat": dlat,
                    "dlon": dlon,
                },
            )
        conn.execute(f"ANALYZE {PARAM_SCHEMA}.param".encode())
        rows = conn.execute(
            f"SELECT workload, count(*) FROM {PARAM_SCHEMA}.param GROUP BY workload".encode()
        ).fetchall()
    return {str(k): int(n) for k, n in rows}


def read_params(url: str, key: str) -> list[tuple[Any, ...]]:
    with connect(url) as conn:
        return conn.execute(
            f"""SELECT z, x, y, minx, miny, maxx, maxy FROM {PARAM_SCHEMA}.param
                WHERE workload = %s ORDER BY i""".encode(),
            (key,),
        ).fetchall()


# -- the floor: the SQL a good server must run ----------------------------------------------
def tile_attributes(layer: Layer) -> list[str]:
    return [f.name for f in layer.public_fields]


def floor_tile_sql(layer: Layer, style: str, limit: int) -> str:
    """One tile in one statement. ``registry``: what machimap has to do for this layer (its
    public fields, the id as the MVT feature id, the registry's tile_order deciding which
    features a capped tile keeps). ``minimal``: five columns, no ORDER BY (an arbitrary
    subset when capped)."""
    if style == "minimal":
        columns, order, feature_id = "id, kind, title, severity, status", "", ""
    else:
        columns = ", ".join(["id", *tile_attributes(layer)])
        order = f"\n  ORDER BY {layer.tile_order}"
        feature_id = ", 'id'"
    geom = layer.geometry_column
    return (
        f"SELECT ST_AsMVT(t, '{layer.id}', {TILE_EXTENT}, 'geom'{feature_id}) FROM (\n"
        f"  SELECT {columns},\n"
        f"    ST_AsMVTGeom(ST_Transform({geom}, 3857), ST_TileEnvelope(:z, :x, :y), "
        f"{TILE_EXTENT}, {TILE_BUFFER}, true) AS geom\n"
        f"  FROM {layer.table}\n"
        f"  WHERE {geom} && ST_Transform(ST_TileEnvelope(:z, :x, :y, "
        f"margin => {TILE_BUFFER}.0 / {TILE_EXTENT}), 4326){order}\n"
        f"  LIMIT {limit}) AS t"
    )


def floor_items_sql(layer: Layer, with_filter: bool, limit: int) -> str:
    """The whole FeatureCollection in one statement: a page ordered by id (stable paging),
    numberMatched by count(*), GeoJSON written by PostGIS."""
    geom = layer.geometry_column
    where = f"ST_Intersects({geom}, ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326))"
    if with_filter:
        where += f" AND {FILTER_SQL}"
    fields = tile_attributes(layer)
    properties = ", ".join(f"'{name}', p.{name}" for name in fields)
    return (
        f"WITH page AS (\n"
        f"  SELECT id, {', '.join(fields)}, {geom} FROM {layer.table}\n"
        f"  WHERE {where}\n"
        f"  ORDER BY id LIMIT {limit})\n"
        f"SELECT json_build_object(\n"
        f"  'type', 'FeatureCollection',\n"
        f"  'numberMatched', (SELECT count(*) FROM {layer.table} WHERE {where}),\n"
        f"  'numberReturned', (SELECT count(*) FROM page),\n"
        f"  'features', coalesce((SELECT json_agg(json_build_object(\n"
        f"      'type', 'Feature', 'id', p.id,\n"
        f"      'geometry', CAST(ST_AsGeoJSON(p.{geom}, {GEOJSON_DIGITS}) AS json),\n"
        f"      'properties', json_build_object({properties})) ORDER BY p.id)\n"
        f"    FROM page p), CAST('[]' AS json)))"
    )


def pgbench_script(workload: Workload, count: int, sql: str) -> str:
    names = "z, x, y" if workload.kind == "tile" else "minx, miny, maxx, maxy"
    return (
        f"\\set i random(0, {count - 1})\n"
        f"SELECT {names} FROM {PARAM_SCHEMA}.param "
        f"WHERE workload = '{workload.key}' AND i = :i \\gset\n"
        f"{sql};\n"
    )


def _substitute(sql: str, values: dict[str, Any]) -> tuple[str, list[Any]]:
    """pgbench's :name variables as psycopg %s parameters (for the one-off probe)."""
    params: list[Any] = []

    def repl(match: re.Match[str]) -> str:
        params.append(values[match.group(1)])
        return "%s"

    return re.sub(r"(?<!:):(z|x|y|minx|miny|maxx|maxy)\b", repl, sql), params


def probe_floor(url: str, workload: Workload, sql: str, first: tuple[Any, ...]) -> Measure:
    z, x, y, minx, miny, maxx, maxy = first
    values = {"z": z, "x": x, "y": y, "minx": minx, "miny": miny, "maxx": maxx, "maxy": maxy}
    text, params = _substitute(sql, values)
    measure = Measure(generator="pgbench")
    with connect(url) as conn:
        set_json_loads(lambda data: data, conn)  # the JSON text as PostgreSQL wrote it
        row = conn.execute(text.encode(), params).fetchone()
    assert row is not None
    body = row[0] if isinstance(row[0], bytes) else str(row[0] or "").encode()
    measure.first_bytes = len(body)
    if workload.kind == "items":
        measure.first_features = int(json.loads(body)["numberReturned"])
    return measure


def run_pgbench(
    pgbench: Path,
    url: str,
    workload: Workload,
    script: str,
    connections: int,
    duration: float,
    logs: Path,
) -> Measure:
    info = _pg_conninfo(url)
    script_path = logs / f"floor_{workload.key}.sql"
    script_path.write_text(script)
    prefix = logs / f"pgbench_{workload.key}"
    for old in logs.glob(f"{prefix.name}.*"):
        old.unlink()
    command = [
        str(pgbench), "-n", "-M", "prepared", "-c", str(connections), "-j", "1",
        "-T", str(max(1, round(duration))), "-f", str(script_path),
        "-l", f"--log-prefix={prefix}",
        "-h", info["host"], "-p", info["port"], "-U", info["user"], info["dbname"],
    ]  # fmt: skip
    # The floor runs under the settings machimap's own connections use (no JIT, a fresh plan
    # per execution): a cached generic plan made a z10 tile ~80x slower, which would
    # flatter machimap.
    env = {**os.environ, "PGPASSWORD": info["password"], "PGOPTIONS": session_options()}
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    measure = Measure(generator="pgbench")
    if result.returncode != 0:
        measure.status = "error"
        measure.detail = (result.stderr.strip().splitlines() or ["pgbench failed"])[-1]
        return measure
    tps = re.search(r"^tps = ([0-9.]+) \(without initial connection time\)", result.stdout, re.M)
    done = re.search(r"number of transactions actually processed: (\d+)", result.stdout)
    failed = re.search(r"number of failed transactions: (\d+)", result.stdout)
    latencies: list[int] = []
    for log in logs.glob(f"{prefix.name}.*"):
        with log.open() as fh:
            latencies.extend(int(line.split()[2]) for line in fh if line.strip())
        log.unlink()
    measure.requests = int(done.group(1)) if done else len(latencies)
    measure.seconds = duration
    measure.rps = float(tps.group(1)) if tps else None
    measure.errors = int(failed.group(1)) if failed else 0
    if latencies:
        measure.p50_ms, measure.p99_ms = _percentiles_ms(latencies)
    return measure


def _percentiles_ms(latencies_us: list[int]) -> tuple[float, float]:
    ordered = sorted(latencies_us)
    n = len(ordered)
    return ordered[(n - 1) // 2] / 1000, ordered[min(n - 1, math.ceil(0.99 * n) - 1)] / 1000


# -- HTTP servers ---------------------------------------------------------------------------
def machimap_server(url: str, workers: int, cache: bool, logs: Path) -> Server:
    # A cache of 0 bytes stores nothing: every request takes the miss path (render, gzip),
    # which is what a tile nobody asked for yet costs.
    return servers.machimap_server(
        f"machimap ({'cache on' if cache else 'tile cache off'})",
        url,
        workers,
        logs / f"machimap-{'warm' if cache else 'cold'}.log",
        {} if cache else {"MACHIMAP_TILE_CACHE_BYTES": "0"},
        stop_timeout=20,
    )


def tipg_server(url: str, workers: int, layer: Layer, venv: Path, logs: Path) -> Server:
    port = free_port()
    properties = ["id", *tile_attributes(layer), layer.geometry_column]
    env = {
        **clean_env(("TIPG_",)),
        "DATABASE_URL": libpq_url(url),
        "TIPG_DB_SCHEMAS": '["public"]',
        "TIPG_DB_TABLES": f'["public.{layer.table}"]',
        "TIPG_DB_FUNCTIONS": "[]",
        f"TIPG_TABLE_CONFIG__public_{layer.table}__properties": json.dumps(properties),
        "TIPG_TILE_BUFFER": str(TILE_BUFFER),
        "TIPG_MAX_FEATURES_PER_TILE": "10000",
        # Re-reading the catalogue every 300 s would land inside a timed run.
        "TIPG_CATALOG_TTL": "0",
        "TIPG_DEBUG": "false",
    }
    return Server(
        "tipg",
        [str(venv / "bin" / "uvicorn"), "tipg.main:app", *uvicorn_flags(port, workers)],
        env,
        logs / "tipg.log",
        port,
        health_path="/healthz",
        cwd=logs,  # tipg reads a .env file from its working directory: none here
        stop_timeout=20,
    )


def ensure_tipg_venv(venv: Path, spec: str) -> str:
    """tipg in a venv of its own, so its pinned dependencies leave ours alone; the same
    uvicorn version as ours, with the same loop and parser."""
    import uvicorn

    wanted = f"{spec} uvicorn[standard]=={uvicorn.__version__}"
    stamp = venv / ".bench-installed"
    if not (stamp.exists() and stamp.read_text() == wanted):
        print(f"tipg: installing {wanted} into {_shown(venv)} ...", flush=True)
        if not (venv / "bin" / "python").exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        pip = [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
        ]
        subprocess.run([*pip, spec, f"uvicorn[standard]=={uvicorn.__version__}"], check=True)
        stamp.write_text(wanted)
    version = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import tipg; print(tipg.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return version


# -- URLs -----------------------------------------------------------------------------------
def _bbox(row: tuple[Any, ...]) -> str:
    return ",".join(f"{float(v):.6f}" for v in row[3:7])


def urls_for(server: str, workload: Workload, rows: list[tuple[Any, ...]], args: Any) -> list[str]:
    layer = get_layer(LAYER_ID)
    if workload.kind == "tile":
        if server == MACHIMAP:
            template = str(args.machimap_tiles)
            return [template.format(z=r[0], x=r[1], y=r[2]) for r in rows]
        props = ",".join(["id", *tile_attributes(layer)])
        return [TIPG_TILES.format(z=r[0], x=r[1], y=r[2]) + f"?properties={props}" for r in rows]
    path = str(args.machimap_items) if server == MACHIMAP else TIPG_ITEMS
    query = f"limit={args.items_limit}"
    extra = f"&filter={quote(FILTER_TEXT)}&filter-lang=cql2-text" if workload.with_filter else ""
    return [f"{path}?{query}&bbox={_bbox(r)}{extra}" for r in rows]


# -- HTTP load ------------------------------------------------------------------------------
WRK_SCRIPT = """\
-- Walks the request paths of a file (one per line) in order, round and round.
local paths, n, i = {}, 0, 0
function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then n = n + 1; paths[n] = line end
  end
end
function request()
  if n == 0 then return wrk.format() end
  i = i % n + 1
  return wrk.format(nil, paths[i])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"duration_us": %d, "requests": %d, "bytes": %d, "connect": %d, ' ..
    '"read": %d, "write": %d, "status": %d, "timeout": %d, "p50_us": %d, "p99_us": %d}\\n',
    summary.duration, summary.requests, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(99)))
end
"""


def request_headers(encoding: str) -> dict[str, str]:
    return {"Accept-Encoding": encoding}


def probe(base: str, url: str, workload: Workload, encoding: str) -> Measure:
    """One request before the timed run: does the endpoint exist, what does it return."""
    measure = Measure()
    try:
        response = httpx.get(base + url, headers=request_headers(encoding), timeout=120)
    except httpx.HTTPError as exc:
        return Measure(status="error", detail=f"{type(exc).__name__}: {exc}")
    if response.status_code == 404:
        return Measure(status="endpoint missing", detail=f"404 for {url[:80]}")
    if response.status_code >= 300:
        body = response.text[:160].replace("\n", " ")
        return Measure(status="error", detail=f"HTTP {response.status_code}: {body}")
    measure.first_bytes = len(response.content)
    if workload.kind == "items":
        try:
            data = response.json()
            returned = data.get("numberReturned")
            measure.first_features = int(
                returned if returned is not None else len(data["features"])
            )
        except (ValueError, KeyError, TypeError):
            measure.detail = "items response is not a FeatureCollection"
    return measure


def run_wrk(base: str, urls: list[str], list_path: Path, args: Any, logs: Path) -> Measure:
    list_path.write_text("\n".join(urls) + "\n")
    script = logs / "walk.lua"
    script.write_text(WRK_SCRIPT)
    command = [
        "wrk", "-t1", f"-c{args.connections}", f"-d{max(1, round(args.duration))}s",
        "--timeout", "120s", "--latency", "-H", f"Accept-Encoding: {args.encoding}",
        "-s", str(script), base, "--", str(list_path),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    match = re.search(r"^WRK_RESULT (\{.*\})$", result.stdout, re.M)
    if result.returncode != 0 or match is None:
        detail = (result.stderr or result.stdout).strip().splitlines()
        return Measure(status="error", detail=(detail or ["wrk failed"])[-1], generator="wrk")
    data = json.loads(match.group(1))
    seconds = data["duration_us"] / 1e6
    requests = int(data["requests"])
    errors = sum(int(data[k]) for k in ("connect", "read", "write", "status", "timeout"))
    return Measure(
        requests=requests,
        seconds=seconds,
        rps=requests / seconds if seconds else None,
        p50_ms=data["p50_us"] / 1000 if requests else None,
        p99_ms=data["p99_us"] / 1000 if requests else None,
        errors=errors,
        bytes_per_response=data["bytes"] / requests if requests else None,
        generator="wrk",
    )


async def _python_load(
    base: str, urls: list[str], connections: int, duration: float, encoding: str
) -> tuple[list[int], int, float, int]:
    latencies: list[int] = []
    errors = 0
    received = 0
    position = 0
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(
        base_url=base, limits=limits, timeout=120, headers=request_headers(encoding)
    ) as client:
        started = time.perf_counter()
        deadline = started + duration

        async def worker() -> None:
            nonlocal errors, received, position
            while time.perf_counter() < deadline:
                url = urls[position % len(urls)]
                position += 1
                t0 = time.perf_counter_ns()
                try:
                    response = await client.get(url)
                except httpx.HTTPError:
                    errors += 1
                    continue
                latencies.append((time.perf_counter_ns() - t0) // 1000)
                received += response.num_bytes_downloaded
                if response.status_code >= 400:
                    errors += 1

        await asyncio.gather(*(worker() for _ in range(connections)))
        return latencies, errors, time.perf_counter() - started, received


def run_python_load(base: str, urls: list[str], args: Any) -> Measure:
    """Fallback when wrk is not installed: an asyncio + httpx client in this process,
    sharing the machine's cores with the servers (and costlier per request than wrk)."""
    latencies, errors, seconds, received = asyncio.run(
        _python_load(base, urls, args.connections, args.duration, args.encoding)
    )
    measure = Measure(
        requests=len(latencies), seconds=seconds, errors=errors, generator="python-httpx"
    )
    if latencies:
        measure.rps = len(latencies) / seconds
        measure.p50_ms, measure.p99_ms = _percentiles_ms(latencies)
        measure.bytes_per_response = received / len(latencies)
    return measure


def measure_http(
    server: Server, workload: Workload, urls: list[str], args: Any, logs: Path
) -> Measure:
    first = probe(server.base, urls[0], workload, args.encoding)
    if first.status != "ok":
        return first
    if workload.machimap_cache:
        # Warm: every tile of the small set once before timing (fills a cache if any).
        for url in urls:
            with contextlib.suppress(httpx.HTTPError):  # the timed run reports failures
                httpx.get(server.base + url, headers=request_headers(args.encoding), timeout=120)
    if shutil.which("wrk"):
        list_path = logs / f"urls_{server.log_path.stem}_{workload.key}.txt"
        result = run_wrk(server.base, urls, list_path, args, logs)
    else:
        result = run_python_load(server.base, urls, args)
    result.first_bytes, result.first_features = first.first_bytes, first.first_features
    if result.detail == "" and first.detail:
        result.detail = first.detail
    return result


# -- reporting ------------------------------------------------------------------------------
def ratio(a: Measure | None, b: Measure | None) -> float | None:
    if a is None or b is None or a.status != "ok" or b.status != "ok":
        return None
    if not a.rps or not b.rps:
        return None
    return a.rps / b.rps


def print_report(
    results: dict[str, dict[str, Measure]], workloads: Sequence[Workload], meta: dict[str, Any]
) -> list[str]:
    print()
    print(
        f"Results: {meta['points']:,} synthetic hazards + the demo city, {meta['connections']} "
        f"connections, {meta['duration_s']:g} s per run, {meta['workers']} worker(s) per server"
    )
    print(f"HTTP load: {meta['http_load']}; Accept-Encoding: {meta['encoding']}")
    head = (
        f"{'workload':<22}│{'machimap':^23}│{'tipg':^23}│{'floor (pgbench)':^23}│"
        f"{'mm/floor':>9}{'mm/tipg':>8}  target"
    )
    sub = f"{'':<22}│" + f"{'req/s':>8}{'p50 ms':>8}{'p99 ms':>7}│" * 3 + f"{'':>9}{'':>8}"
    print(head)
    print(sub)
    print("─" * len(head))
    verdicts: list[str] = []
    for w in workloads:
        row = results.get(w.key, {})
        cells = []
        for server in SERVERS:
            m = row.get(server)
            if m is None or m.status == "skipped":
                cells.append(f"{'(not run)':^23}")
            elif m.status != "ok":
                cells.append(f"{m.status[:23]:^23}")
            else:
                flag = "!" if m.errors else " "
                cells.append(
                    f"{_fmt(m.rps, ',.1f'):>8}{_fmt(m.p50_ms, '.1f'):>8}"
                    f"{_fmt(m.p99_ms, '.0f'):>6}{flag}"
                )
        mm_floor = ratio(row.get(MACHIMAP), row.get(FLOOR))
        mm_tipg = ratio(row.get(MACHIMAP), row.get(TIPG))
        target = f"≥ {w.target:g}× floor" if w.target is not None else ""
        print(
            f"{w.label:<22}│" + "│".join(cells) + f"│{_fmt(mm_floor, '.2f'):>9}"
            f"{_fmt(mm_tipg, '.2f'):>8}  {target}"
        )
        if w.target is not None:
            if mm_floor is None:
                verdicts.append(f"{w.label}: machimap ≥ {w.target:g}× floor: n/a (not measured)")
            else:
                ok = "YES" if mm_floor >= w.target else "NO"
                verdicts.append(
                    f"{w.label}: machimap ≥ {w.target:g}× floor: {ok} ({mm_floor:.2f}×)"
                )
    print()
    for verdict in verdicts:
        print(f"target  {verdict}")
    print()
    print("What each returned for the first request of the list (body bytes; items: features):")
    for w in workloads:
        row = results.get(w.key, {})
        parts = []
        for server in SERVERS:
            m = row.get(server)
            if m is None or m.first_bytes is None:
                parts.append(f"{server} -")
                continue
            feats = f", {m.first_features} features" if m.first_features is not None else ""
            wire = (
                f", {m.bytes_per_response / 1024:.1f} KiB/response on the wire"
                if m.bytes_per_response
                else ""
            )
            parts.append(f"{server} {m.first_bytes / 1024:.1f} KiB{feats}{wire}")
        print(f"  {w.label:<20} " + "; ".join(parts))
    problems = []
    for w in workloads:
        for server, m in results.get(w.key, {}).items():
            if m.status not in ("ok", "skipped"):
                problems.append(f"{w.label} / {server}: {m.status}: {m.detail}")
            elif m.errors:
                problems.append(f"{w.label} / {server}: {m.errors} failed requests (marked !)")
            elif m.detail:
                problems.append(f"{w.label} / {server}: {m.detail}")
    mm_items = results.get("items", {}).get(MACHIMAP)
    fl_items = results.get("items", {}).get(FLOOR)
    if (
        mm_items is not None
        and fl_items is not None
        and mm_items.first_features is not None
        and fl_items.first_features is not None
        and mm_items.first_features != fl_items.first_features
    ):
        problems.append(
            f"items: machimap returned {mm_items.first_features} features where the floor "
            f"returned {fl_items.first_features}: the pages differ, so do the req/s"
        )
    for problem in problems:
        print(textwrap.fill(f"note: {problem}", width=100, subsequent_indent="      "))
    return problems


NOTES = (
    "req/s: completed requests per second over the run (wrk; pgbench's tps for the floor, "
    "where one transaction is a primary-key lookup of the request's parameters, then the "
    "statement). p50/p99: latency per request as the client saw it, queueing included.",
    "cold: machimap runs with MACHIMAP_TILE_CACHE_BYTES=0, so every tile takes the cache-miss "
    "path (render, gzip); tipg and the floor have no cache. warm: a set of tiles requested "
    "round and round after one untimed request each; machimap serves them from its cache, "
    "the others render every time. PostgreSQL's buffers are warm for all three.",
    "The floor is the SQL alone through libpq (prepared statements, results read in full as "
    "text, no HTTP, no compression); machimap and tipg are behind HTTP with the same "
    "uvicorn, uvloop and httptools. wrk, pgbench, the servers and PostgreSQL share the same cores.",
)


def versions(url: str, pgbench: Path, tipg_version: str | None) -> dict[str, str]:
    import uvicorn

    wrk = "not installed (python-httpx fallback)"
    if shutil.which("wrk"):
        out = subprocess.run(["wrk", "--version"], capture_output=True, text=True, check=False)
        wrk = (out.stdout + out.stderr).split("Copyright")[0].strip()
    pgb = subprocess.run([str(pgbench), "--version"], capture_output=True, text=True, check=False)
    return {
        "python": platform.python_version(),
        "postgresql": str(scalar(url, "SHOW server_version")),
        "postgis": str(scalar(url, "SELECT postgis_lib_version()")),
        "tipg": tipg_version or "not run",
        "uvicorn": uvicorn.__version__,
        "wrk": wrk,
        "pgbench": pgb.stdout.strip(),
        "cpus": str(os.cpu_count()),
    }


# -- main -----------------------------------------------------------------------------------
def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: {QUICK_POINTS:,} points and {QUICK_DURATION:g} s per run",
    )
    parser.add_argument(
        "--points", type=int, help=f"synthetic hazards (default {DEFAULT_POINTS:,})"
    )
    parser.add_argument(
        "--duration", type=int, help=f"seconds per run (default {DEFAULT_DURATION:g})"
    )
    parser.add_argument(
        "--connections",
        type=int,
        default=DEFAULT_CONNECTIONS,
        help="concurrent HTTP connections (wrk -c) and pgbench clients (-c)",
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="uvicorn worker processes per server"
    )
    parser.add_argument(
        "--servers", default=",".join(SERVERS), help=f"subset of {','.join(SERVERS)}"
    )
    parser.add_argument(
        "--workloads", default=",".join(WORKLOAD_KEYS), help=f"subset of {','.join(WORKLOAD_KEYS)}"
    )
    parser.add_argument(
        "--encoding",
        default="gzip",
        help="Accept-Encoding sent to the HTTP servers (gzip, as browsers do; or identity)",
    )
    parser.add_argument("--items-limit", type=int, default=ITEMS_LIMIT, help="items ?limit=")
    parser.add_argument(
        "--floor-tiles",
        choices=("registry", "minimal"),
        default="registry",
        help="floor tile SQL: the layer's public fields and tile_order (what machimap must "
        "do), or five columns without ORDER BY",
    )
    parser.add_argument(
        "--machimap-tiles", default=MACHIMAP_TILES, help="machimap tile path template"
    )
    parser.add_argument("--machimap-items", default=MACHIMAP_ITEMS, help="machimap items path")
    parser.add_argument(
        "--tipg", default="tipg", help="pip requirement for tipg (e.g. tipg==1.6.1)"
    )
    parser.add_argument(
        "--database-url",
        help="use this PostGIS database instead of the embedded one in OUT/servedb (it gets "
        f"the demo city and the synthetic rows, source_dataset='{SOURCE_DATASET}')",
    )
    parser.add_argument("--keep", action="store_true", help="leave the embedded database running")
    parser.add_argument(
        "--fresh", action="store_true", help="delete the embedded database first and rebuild it"
    )
    parser.add_argument("--out", type=Path, default=HERE / "out", help="output directory")
    args = parser.parse_args(argv)
    args.points = args.points or (QUICK_POINTS if args.quick else DEFAULT_POINTS)
    args.duration = args.duration or (QUICK_DURATION if args.quick else DEFAULT_DURATION)
    args.server_list = [s for s in args.servers.split(",") if s]
    args.workload_list = [w for w in args.workloads.split(",") if w]
    if bad := set(args.server_list) - set(SERVERS):
        parser.error(f"unknown server(s): {', '.join(sorted(bad))}")
    if bad := set(args.workload_list) - set(WORKLOAD_KEYS):
        parser.error(f"unknown workload(s): {', '.join(sorted(bad))}")
    if args.points < 1 or args.duration <= 0 or args.connections < 1 or args.workers < 1:
        parser.error("--points, --duration, --connections and --workers must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    out: Path = args.out.resolve()
    logs = out / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    ignore = out / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# benchmark output: database, tipg venv, URL lists, logs, results\n*\n")
    bindir = find_bindir()
    pgbench = (bindir / "pgbench") if bindir else None
    if FLOOR in args.server_list and (pgbench is None or not pgbench.exists()):
        print("FAIL: pgbench not found (Debian: apt-get install postgresql-15)")
        return 1
    if not shutil.which("wrk"):
        print(
            "note: wrk not found (Debian: apt-get install wrk; `make bench-serve` installs it); "
            "falling back to a Python asyncio+httpx client that shares the cores with the servers"
        )
    load = os.getloadavg()
    print(
        f"machine: {os.cpu_count()} CPU(s), load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    if load[0] > 0.5 * (os.cpu_count() or 1):
        print("warning: the machine is busy; figures will be noisy (compare ratios, not req/s)")

    tipg_version = None
    if TIPG in args.server_list:
        tipg_version = ensure_tipg_venv(out / "tipg-venv", args.tipg)

    cluster: EmbeddedCluster | None = None
    started = time.perf_counter()
    if args.database_url:
        url = args.database_url
        print(f"DB: {urlsplit(url).hostname}:{urlsplit(url).port} (--database-url)")
    else:
        cluster = EmbeddedCluster(out / "servedb")
        if args.fresh and cluster.data_dir.exists():
            cluster.stop()
            shutil.rmtree(cluster.data_dir)
    results: dict[str, dict[str, Measure]] = {}
    workloads = [w for w in WORKLOADS if w.key in args.workload_list]
    try:
        if cluster is not None:
            url = cluster.start()
            print(f"DB: embedded PostGIS in {_shown(cluster.data_dir)}")
        prepare_database(url, args.points)
        counts = write_params(url, 1000 if args.quick else 5000)
        print(
            "requests: "
            + ", ".join(f"{w.key} {counts.get(w.key, 0)} distinct" for w in workloads)
            + f"; DB ready in {_since(started)}"
        )
        meta = {
            "points": args.points,
            "duration_s": args.duration,
            "connections": args.connections,
            "workers": args.workers,
            "encoding": args.encoding,
            "http_load": (
                f"wrk -t1 -c{args.connections}"
                if shutil.which("wrk")
                else "python-httpx (wrk not installed; the client competes for the cores)"
            ),
            "items_limit": args.items_limit,
            "floor_tiles": args.floor_tiles,
            "versions": versions(url, pgbench or Path("pgbench"), tipg_version),
            "load_average_start": list(load),
        }
        print("versions: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()))
        layer = get_layer(LAYER_ID)
        params = {w.key: read_params(url, w.key) for w in workloads}
        floor_sql = {
            w.key: (
                floor_tile_sql(layer, args.floor_tiles, 10_000)
                if w.kind == "tile"
                else floor_items_sql(layer, w.with_filter, args.items_limit)
            )
            for w in workloads
        }
        for w in workloads:
            results[w.key] = {s: Measure(status="skipped") for s in SERVERS}

        if FLOOR in args.server_list:
            assert pgbench is not None
            for w in workloads:
                first = probe_floor(url, w, floor_sql[w.key], params[w.key][0])
                script = pgbench_script(w, len(params[w.key]), floor_sql[w.key])
                m = run_pgbench(pgbench, url, w, script, args.connections, args.duration, logs)
                m.first_bytes, m.first_features = first.first_bytes, first.first_features
                results[w.key][FLOOR] = m
                print(f"  floor    {w.label:<22} {_line(m)}", flush=True)

        if TIPG in args.server_list:
            server = tipg_server(url, args.workers, layer, out / "tipg-venv", logs)
            for w, m in serve(server, TIPG, workloads, params, args, logs):
                results[w.key][TIPG] = m

        if MACHIMAP in args.server_list:
            for cache in (False, True):
                group = [w for w in workloads if w.machimap_cache == cache]
                if not group:
                    continue
                if not cache and "tile_cache_bytes" not in Settings.model_fields:
                    # Without a way to switch the cache off, "cold" would measure hits.
                    for w in [w for w in group if w.kind == "tile"]:
                        results[w.key][MACHIMAP] = Measure(
                            status="error", detail="no tile_cache_bytes setting to turn off"
                        )
                    group = [w for w in group if w.kind != "tile"]
                server = machimap_server(url, args.workers, cache, logs)
                for w, m in serve(server, MACHIMAP, group, params, args, logs):
                    results[w.key][MACHIMAP] = m

        meta["load_average_end"] = list(os.getloadavg())
        problems = print_report(results, workloads, meta)
        print()
        for note in NOTES:
            print(textwrap.fill(note, width=100, subsequent_indent="  "))
        write_results(out / "results.json", meta, workloads, results, floor_sql, problems)
        print(f"\nwritten: {_shown(out / 'results.json')}")
    finally:
        if cluster is not None:
            if args.keep:
                print(f"--keep: database left running ({cluster.data_dir})")
            else:
                cluster.stop()
    return 0


def serve(
    server: Server,
    name: str,
    workloads: Sequence[Workload],
    params: dict[str, list[tuple[Any, ...]]],
    args: Any,
    logs: Path,
) -> Iterator[tuple[Workload, Measure]]:
    """Start the server, measure each workload, stop it; a server that does not start is
    an error in its rows, not the end of the run."""
    try:
        server.start()
    except RuntimeError as exc:
        print(f"FAIL: {exc}")
        for w in workloads:
            yield w, Measure(status="error", detail=f"did not start: {_shown(server.log_path)}")
        return
    try:
        for w in workloads:
            m = measure_http(server, w, urls_for(name, w, params[w.key], args), args, logs)
            print(f"  {name:<8} {w.label:<22} {_line(m)}", flush=True)
            yield w, m
    finally:
        server.stop()


def _line(m: Measure) -> str:
    if m.status != "ok":
        return f"{m.status}: {m.detail}"
    errors = f", {m.errors} errors" if m.errors else ""
    return (
        f"{_fmt(m.rps, ',.1f')} req/s, p50 {_fmt(m.p50_ms, '.1f')} ms, "
        f"p99 {_fmt(m.p99_ms, '.1f')} ms ({m.requests:,} requests{errors})"
    )


def write_results(
    path: Path,
    meta: dict[str, Any],
    workloads: Sequence[Workload],
    results: dict[str, dict[str, Measure]],
    floor_sql: dict[str, str],
    problems: list[str],
) -> None:
    data: dict[str, Any] = {"meta": meta, "notes": list(NOTES), "problems": problems}
    data["workloads"] = {
        w.key: {
            "label": w.label,
            "target_machimap_over_floor": w.target,
            "machimap_over_floor": ratio(results[w.key].get(MACHIMAP), results[w.key].get(FLOOR)),
            "machimap_over_tipg": ratio(results[w.key].get(MACHIMAP), results[w.key].get(TIPG)),
            "floor_sql": floor_sql[w.key],
            **{server: asdict(m) for server, m in results[w.key].items()},
        }
        for w in workloads
    }
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
