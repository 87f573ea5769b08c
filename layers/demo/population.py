"""The demo city's population per 町丁目 and its shelters' 想定収容人数: generated, marked
synthetic, never a real 住民基本台帳. The total is close to 136,000, an assumption of the
order of 焼津市's population (not taken from a published table); each town's share, its
65+ and 0–14 counts and each shelter's capacity come from stable hashes of their names, so
every install gets the same figures. It goes through the importer a city uses
(layers/planning/population.py), as a plain code,name,population CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from typing import Any

import psycopg
from sqlalchemy.orm import Session

from layers.demo.synthetic import _fraction
from layers.planning import population
from layers.store.db import make_engine

TOTAL = 136_000  # assumption: the order of 焼津市's population, not a published figure
SOURCE = "synthetic"
AS_OF = date(2026, 4, 1)


def demo_population(conn: psycopg.Connection[Any], url: str) -> Iterator[str]:
    done = conn.execute(
        "SELECT count(*) FROM population_unit WHERE synthetic AND level = 'town'"
    ).fetchone()
    if done and done[0]:
        yield f"population (synthetic): already {done[0]} towns"
    else:
        towns = conn.execute("SELECT name FROM place WHERE kind = 'town' ORDER BY id")
        names = [r[0] for r in towns]
        # Between 0.2 and 2.2 shares: towns differ tenfold, as 町丁目 do.
        weights = [0.2 + 2 * _fraction("population:" + n) for n in names]
        scale = TOTAL / sum(weights)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["code", "name", "population", "households", "elderly", "children"])
        for number, (name, weight) in enumerate(zip(names, weights, strict=True), start=1):
            people = round(weight * scale)
            elderly = round(people * (0.24 + 0.14 * _fraction("elderly:" + name)))
            children = round(people * (0.09 + 0.05 * _fraction("children:" + name)))
            writer.writerow(
                [f"demo-{number:03d}", name, people, round(people / 2.4), elderly, children]
            )
        engine = make_engine(url)
        try:
            with Session(bind=engine) as session, session.begin():
                loaded = population.load(
                    session,
                    out.getvalue(),
                    level="town",
                    as_of=AS_OF,
                    source=SOURCE,
                    synthetic=True,
                )
        finally:
            engine.dispose()
        yield f"population (synthetic): {loaded.rows} towns, {loaded.population} people"
    # 想定収容人数 where the shelter list gives none: 200–1,200 people by the name's hash.
    updated = conn.execute(
        "UPDATE facility SET capacity = 200 + 50 * "
        "(('x' || substr(md5('capacity:' || name), 1, 7))::bit(28)::int % 21), "
        "synthetic = array_append(synthetic, 'capacity') "
        "WHERE kind = 'shelter' AND capacity IS NULL"
    ).rowcount
    yield f"shelter capacity (synthetic): {updated}"
