"""Coverage for 1,000 population units × 100 facilities: layers.planning.coverage (PostGIS
finds each unit's nearest site with a LATERAL k-nearest-neighbour query in the plane zone,
Python adds the rows up as they stream) beside the same computation written plainly in
pandas (read the points, project them with pyproj, a cross join of every unit with every
facility, the distance column, idxmin per unit, groupby facility), in the same run, on the
same rows; the script checks both give the same people per facility and the same people
beyond the distance, and exits 1 if not. It is not a timed test.

The data are synthetic and deterministic (seed 19): units and facilities uniform in the
city's boundary (PostGIS ST_GeneratePoints; a 30 km square around 焼津, zone VIII, when none
is loaded), 50–5,000 people a unit, loaded as population_unit rows of level `district` and
`community_center` facilities with source `bench`, removed again at the end. Without
--database-url an embedded PostGIS is started under --out.

    .venv/bin/python -m bench.planning.coverage                     # 1,000 × 100, 5 runs
    .venv/bin/python -m bench.planning.coverage --units 200 --facilities 20 --repeat 1

Time: median wall time of --repeat runs after a warm-up. Memory: peak Python allocations
under tracemalloc in a separate run (PostGIS's own memory is the server's, not counted)."""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

X0, Y0 = -16_000.0, -125_000.0  # 焼津 in zone VIII (EPSG 6676), metres
SIDE = 30_000.0
SOURCE = "bench"
# Seeded random points inside the city's boundary (a loaded city refuses points outside it),
# or in a 30 km square around 焼津 when no boundary is loaded.
POINTS = f"""(
  SELECT (d).geom, (d).path[1] AS n FROM (
    SELECT ST_Dump(ST_GeneratePoints(coalesce(
      (SELECT ST_Union(geom) FROM district WHERE level = 'city'),
      ST_Transform(ST_MakeEnvelope({X0}, {Y0}, {X0 + SIDE}, {Y0 + SIDE}, 6676), 4326)),
      %s, %s)) AS d) AS dumped
) AS points"""


def load(url: str, units: int, facilities: int, seed: int) -> None:
    import psycopg

    from layers.city.identity import get_city, set_city
    from layers.store.db import libpq_url, make_engine

    engine = make_engine(url)
    try:
        from sqlalchemy.orm import Session

        with Session(engine) as session, session.begin():
            if get_city(session) is None:
                set_city(session, code="222127", name="焼津市", prefecture="静岡県", plane_zone=8)
    finally:
        engine.dispose()
    rng = np.random.default_rng(seed)
    people = rng.integers(50, 5000, units)
    with psycopg.connect(libpq_url(url)) as conn:
        unload(conn)
        conn.execute(
            "INSERT INTO facility (kind, name, source, source_id, geom) "
            f"SELECT 'community_center', 'bench centre ' || n, %s, n::text, geom FROM {POINTS}",
            (SOURCE, facilities, seed),
        )
        conn.execute(
            "INSERT INTO population_unit (level, code, name, population, source, geom) "
            "SELECT 'district', 'bench-' || n, 'bench unit ' || n, "
            f"(%s::int[])[n], %s, geom FROM {POINTS}",
            (people.tolist(), SOURCE, units, seed + 1),
        )
        conn.execute("ANALYZE facility")
        conn.execute("ANALYZE population_unit")


def unload(conn: Any) -> None:
    conn.execute("DELETE FROM population_unit WHERE source = %s", (SOURCE,))
    conn.execute("DELETE FROM facility WHERE source = %s", (SOURCE,))


def with_postgis() -> tuple[dict[int, int], int]:
    from layers.planning.coverage import coverage
    from layers.store.db import session_scope

    with session_scope() as db:
        found = coverage(db, "community_center", level="district", keep_units=False)
        beyond = sum(row.beyond for row in found.facilities.values())
        return found.served(), beyond


def with_pandas(url: str) -> tuple[dict[int, int], int]:
    """The same, written plainly: every unit against every facility, nearest by idxmin."""
    import pandas as pd
    import psycopg
    import pyproj

    from layers.store.db import libpq_url
    from layers.store.settings import get_settings

    settings = get_settings()
    with psycopg.connect(libpq_url(url)) as conn:
        zone = conn.execute("SELECT plane_zone FROM city").fetchone()[0]  # type: ignore[index]
        units = pd.DataFrame(
            conn.execute(
                "SELECT id, population, ST_X(geom) AS lon, ST_Y(geom) AS lat "
                "FROM population_unit WHERE level = 'district'"
            ).fetchall(),
            columns=["unit", "population", "lon", "lat"],
        )
        sites = pd.DataFrame(
            conn.execute(
                "SELECT DISTINCT ON (coalesce(site_id, id)) id, ST_X(geom), ST_Y(geom) "
                "FROM facility WHERE kind IN ('community_center', 'kominkan') "
                "AND use_status = 'open' ORDER BY coalesce(site_id, id), id"
            ).fetchall(),
            columns=["facility", "lon", "lat"],
        )
    to_plane = pyproj.Transformer.from_crs(4326, 6668 + zone, always_xy=True)
    units["x"], units["y"] = to_plane.transform(units["lon"].values, units["lat"].values)
    sites["x"], sites["y"] = to_plane.transform(sites["lon"].values, sites["lat"].values)
    pairs = units[["unit", "population", "x", "y"]].merge(
        sites[["facility", "x", "y"]], how="cross", suffixes=("", "_f")
    )
    pairs["metres"] = (
        np.hypot(pairs["x"] - pairs["x_f"], pairs["y"] - pairs["y_f"])
        * settings.planning_detour_factor
    )
    nearest = pairs.loc[pairs.groupby("unit")["metres"].idxmin()]
    served = nearest.groupby("facility")["population"].sum()
    result = {int(f): 0 for f in sites["facility"]}
    result.update({int(f): int(p) for f, p in served.items()})
    limit = settings.planning_distances_m["community_center"]
    beyond = int(nearest.loc[nearest["metres"] > limit, "population"].sum())
    return result, beyond


def measure(run: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    answer = run()  # warm-up (and the answer compared)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    tracemalloc.start()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(times), peak / 2**20, answer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--facilities", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--database-url", help="a PostGIS database to use (rows removed after)")
    parser.add_argument("--out", type=Path, default=Path("bench-out/planning-coverage"))
    args = parser.parse_args(argv)

    import os

    import psycopg

    from layers.schema import migrate
    from layers.store.db import libpq_url, reset_caches
    from layers.store.embedded import EmbeddedCluster

    cluster: EmbeddedCluster | None = None
    if args.database_url:
        url = args.database_url
    else:
        args.out.mkdir(parents=True, exist_ok=True)
        cluster = EmbeddedCluster(args.out / "db")
        url = cluster.start()
    try:
        os.environ["DATABASE_URL"] = url
        reset_caches()
        migrate.upgrade(url)
        load(url, args.units, args.facilities, args.seed)
        rows = []
        answers = []
        for name, run in (("postgis", with_postgis), ("pandas", lambda: with_pandas(url))):
            seconds, mib, answer = measure(run, args.repeat)
            rows.append((name, seconds, mib, answer[1]))
            answers.append(answer)
        print(
            f"{args.units} units × {args.facilities} facilities (seed {args.seed}), "
            f"{args.repeat} runs"
        )
        print(f"{'tool':<9}{'median s':>10}{'peak MiB':>10}{'beyond':>10}")
        for name, seconds, mib, beyond in rows:
            print(f"{name:<9}{seconds:>10.4f}{mib:>10.1f}{beyond:>10,}")
        same = answers[0] == answers[1]
        ratio = rows[1][1] / rows[0][1] if rows[0][1] else float("inf")
        print(
            f"postgis is {ratio:.1f}× the speed of plain pandas; "
            + ("same people per facility and beyond" if same else "ANSWERS DIFFER")
        )
        with psycopg.connect(libpq_url(url)) as conn:
            unload(conn)
        return 0 if same else 1
    finally:
        if cluster is not None:
            cluster.stop()


if __name__ == "__main__":
    sys.exit(main())
