"""The demo's generated records: only what no real file gives. Seeded, placed next to real
features (on school routes, at parks, near accident sites), and marked synthetic."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from layers.demo import register, safety_walk, school_route_sites
from layers.importing.load import ImportOptions, import_file

SEED = 20261123
NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)

DEPARTMENTS = (
    ("road", "道路課", "Road Division"),
    ("river", "河川課", "River Division"),
    ("parks", "公園緑地課", "Parks Division"),
    ("civic", "市民協働課", "Civic Collaboration Division"),
    ("crisis", "危機管理課", "Crisis Management Division"),
    ("assets", "資産経営課", "Public Asset Management Division"),
    ("school_education", "学校教育課", "School Education Division"),
    ("environment", "環境課", "Environment Division"),
)
# code, ja, en, icon, department, sensitive
CATEGORIES = (
    ("streetlight_out", "防犯灯・街灯の故障", "Street light out", "lightbulb", "civic", False),
    ("road_damage", "道路の損傷", "Road damage", "road", "road", False),
    ("waterside", "河川・水路の危険", "Dangerous river bank or channel", "water", "river", False),
    ("park_equipment", "公園遊具の破損", "Broken playground equipment", "tree", "parks", False),
    ("illegal_dumping", "不法投棄", "Illegal dumping", "trash", "environment", False),
    ("school_route", "通学路の危険", "School route danger", "child", "school_education", False),
    ("suspicious_person", "不審者", "Suspicious person", "eye", "crisis", True),
    ("vacant_house", "空き家", "Vacant house", "house", "crisis", True),
)
BUILDING_KINDS = {
    # kind: (floor area range m², cost category)
    "community_center": ((400, 1800), "civic_culture"),
    "kominkan": ((400, 1800), "social_education"),
    "library": ((800, 3500), "social_education"),
    "school": ((4000, 9000), "school_education"),
    "childcare": ((300, 1200), "childcare"),
    "shelter": ((200, 900), "civic_culture"),
    "branch_office": ((500, 2000), "administration"),
    "other": ((300, 3000), "other"),
    "city_hall": ((3000, 12000), "administration"),
    "culture": ((1000, 6000), "civic_culture"),
    "welfare": ((500, 3000), "health_welfare"),
    "health_center": ((500, 2500), "health_welfare"),
    "sports": ((1000, 5000), "sports_recreation"),
    "fire_station": ((800, 3000), "administration"),
}
DESCRIPTIONS = {
    "streetlight_out": ["夜になっても防犯灯が点きません。", "街灯が点滅しています。"],
    "road_damage": ["道路に大きな穴があいています。", "舗装がひび割れて段差ができています。"],
    "waterside": ["水路の柵が壊れていて危ないです。", "川沿いの護岸が崩れかけています。"],
    "park_equipment": ["すべり台の手すりがぐらついています。", "ブランコの鎖がさびています。"],
    "illegal_dumping": ["空き地に家電が捨てられています。", "ごみが道路脇に放置されています。"],
    "school_route": [
        "通学路の見通しが悪く、車がスピードを出しています。",
        "歩道がなく子どもが車道を歩いています。",
    ],
    "suspicious_person": ["下校時間に声をかけられたと子どもから聞きました。"],
    "vacant_house": ["空き家の塀が傾いていて倒れそうです。"],
}
STATUS_FLOW = ["submitted", "accepted", "in_progress", "resolved"]


def _fraction(key: str) -> float:
    """A stable pseudo-random number in [0, 1) from a key, the same on every install."""
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) / 0x1_0000_0000


def generate(conn: psycopg.Connection[Any], data: Path, url: str) -> Iterator[str]:
    yield from _departments_and_categories(conn)
    yield from _building_attributes(conn)
    conn.commit()
    yield from _safety_map(conn, data, url)
    if conn.execute("SELECT EXISTS (SELECT 1 FROM report WHERE synthetic)").fetchone() == (True,):
        yield "synthetic records: already generated"
    else:
        rng = random.Random(SEED)
        yield from _reports(conn, rng)
        yield from _patrols(conn, rng)
    # Checks for itself, so an install from before it gets it too.
    yield from safety_walk.group_map(conn)
    yield from school_route_sites.demo_sites(conn)
    yield from register.demo_register(conn)


def _departments_and_categories(conn: psycopg.Connection[Any]) -> Iterator[str]:
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO department (code, name, name_en) VALUES (%s, %s, %s) "
            "ON CONFLICT (code) DO NOTHING",
            DEPARTMENTS,
        )
        for order, (code, ja, en, icon, dept, sensitive) in enumerate(CATEGORIES):
            cur.execute(
                "INSERT INTO report_category (code, name_ja, name_en, icon, department_id, "
                "sensitive, sort_order) SELECT %s, %s, %s, %s, id, %s, %s FROM department "
                "WHERE code = %s ON CONFLICT (code) DO NOTHING",
                (code, ja, en, icon, sensitive, order, dept),
            )
    yield f"departments: {len(DEPARTMENTS)}, report categories: {len(CATEGORIES)}"


def _building_attributes(conn: psycopg.Connection[Any]) -> Iterator[str]:
    rows = conn.execute(
        "SELECT id, kind, source || ':' || coalesce(source_id, name) FROM facility "
        "WHERE built_year IS NULL AND kind = ANY(%s) ORDER BY id",
        (list(BUILDING_KINDS),),
    ).fetchall()
    updates = []
    for fid, kind, key in rows:
        (low, high), category = BUILDING_KINDS[kind]
        year = 1962 + int(_fraction(key + "year") * 52)
        area = round(low + _fraction(key + "area") * (high - low), 1)
        structure = "rc" if _fraction(key + "structure") < 0.75 else "steel"
        if year < 1981:
            seismic = "retrofitted" if _fraction(key + "seismic") < 0.7 else "pre_1981"
        else:
            seismic = "post_1981"
        updates.append((year, area, structure, seismic, category, fid))
    conn.cursor().executemany(
        "UPDATE facility SET built_year = %s, floor_area_m2 = coalesce(floor_area_m2, %s), "
        "structure = %s, seismic_standard = %s, cost_category = %s, "
        "synthetic = ARRAY['built_year', 'floor_area_m2', 'structure', 'seismic_standard'] "
        "WHERE id = %s",
        updates,
    )
    yield f"facility building attributes (synthetic): {len(updates)}"


def _safety_map(conn: psycopg.Connection[Any], data: Path, url: str) -> Iterator[str]:
    """The city's own published map of 子どもを守る家, 交番 and school routes (real data): the
    starting points groups add to their maps (layers/groups/starting_points.py)."""
    title = "子どもを守る家と通学路"
    found = conn.execute("SELECT id FROM safety_map WHERE title = %s", (title,)).fetchone()
    if found is None:
        found = conn.execute(
            "INSERT INTO safety_map (title, description, department_id, is_published, "
            "published_at) SELECT %s, %s, id, true, now() FROM department "
            "WHERE code = 'school_education' RETURNING id",
            (title, "焼津市の子どもを守る家（こども110番の家）、交番と小学校の通学路。"),
        ).fetchone()
        assert found is not None
        conn.commit()
    map_id = str(found[0])
    # Installs from before places had details: their 子どもを守る家 say what they are.
    conn.execute(
        "UPDATE safety_map_feature SET detail = 'child_safe_house' WHERE safety_map_id = %s "
        "AND kind = 'safe_haven' AND detail IS NULL",
        (map_id,),
    )
    conn.commit()  # the importer writes through a connection of its own
    steps = (
        ("kodomo_mamoru_ie.csv", {"kind": "safe_haven", "detail": "child_safe_house"}),
        ("school_routes.geojson", {"kind": "school_route"}),
        ("police.geojson", {"kind": "help_place", "detail": "police_box"}),
    )
    for file, constants in steps:
        loaded = conn.execute(
            "SELECT count(*) FROM safety_map_feature WHERE safety_map_id = %s AND kind = %s "
            "AND detail IS NOT DISTINCT FROM %s",
            (map_id, constants["kind"], constants.get("detail")),
        ).fetchone()
        conn.commit()
        if loaded is not None and loaded[0] > 0:
            yield f"{file}: already loaded"
            continue
        result = import_file(
            "safety_map_feature",
            data / file,
            ImportOptions(constants={"safety_map_id": map_id, **constants}),
            url,
        )
        yield f"{file}: {result.loaded} → safety_map_feature"
    conn.commit()


def _near(rng: random.Random, lon: float, lat: float, metres: float) -> tuple[float, float]:
    # ~111 km per degree of latitude; at 35°N a degree of longitude is ~91 km.
    return (
        lon + rng.uniform(-metres, metres) / 91_000,
        lat + rng.uniform(-metres, metres) / 111_000,
    )


def _anchors(conn: psycopg.Connection[Any]) -> dict[str, list[tuple[float, float]]]:
    """Real places each kind of report plausibly concerns."""

    def points(sql: str) -> list[tuple[float, float]]:
        return [(float(x), float(y)) for x, y in conn.execute(sql).fetchall()]

    on_routes = points(
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_LineInterpolatePoint(ST_GeometryN(geom, 1), f) p "
        "FROM safety_map_feature, generate_series(0.1, 0.9, 0.2) f "
        "WHERE kind = 'school_route' ORDER BY id, f) s"
    )
    accidents = points(
        "SELECT ST_X(geom), ST_Y(geom) FROM hazard WHERE kind = 'traffic_accident' ORDER BY id"
    )
    parks = points("SELECT ST_X(geom), ST_Y(geom) FROM facility WHERE kind = 'park' ORDER BY id")
    return {
        "streetlight_out": on_routes,
        "school_route": on_routes,
        "suspicious_person": on_routes,
        "road_damage": accidents,
        "waterside": accidents,
        "illegal_dumping": accidents,
        "vacant_house": accidents,
        "park_equipment": parks,
    }


def _reports(conn: psycopg.Connection[Any], rng: random.Random, count: int = 160) -> Iterator[str]:
    anchors = _anchors(conn)
    categories = dict(conn.execute("SELECT code, id FROM report_category").fetchall())
    weights = [
        ("streetlight_out", 30),
        ("road_damage", 30),
        ("waterside", 8),
        ("park_equipment", 12),
        ("illegal_dumping", 10),
        ("school_route", 10),
        ("suspicious_person", 5),
        ("vacant_house", 5),
    ]
    codes = [c for c, w in weights for _ in range(w)]
    made = 0
    for i in range(count):
        code = rng.choice(codes)
        lon, lat = _near(rng, *rng.choice(anchors[code]), metres=15)
        submitted = NOW - timedelta(days=rng.uniform(0, 180), hours=rng.uniform(0, 12))
        steps = rng.choices([1, 2, 3, 4], weights=[3, 3, 2, 4])[0]
        status = STATUS_FLOW[steps - 1]
        sensitive = code in ("suspicious_person", "vacant_house")
        public = steps >= 2 and not sensitive
        description = rng.choice(DESCRIPTIONS[code])
        token = hashlib.sha256(f"{SEED}:{i}".encode()).hexdigest()
        report_id = conn.execute(
            "INSERT INTO report (public_id, tracking_token_hash, category_id, description, "
            "public_description, status, is_public, published_at, consent_publish, "
            "department_id, source, synthetic, geom, created_at, updated_at) "
            "SELECT %s, %s, %s, %s, %s, %s, %s, %s, true, rc.department_id, 'web', true, "
            "ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s, %s FROM report_category rc "
            "WHERE rc.id = %s RETURNING id",
            (
                f"D{i + 1:05d}",
                hashlib.sha256(token.encode()).hexdigest(),
                categories[code],
                description,
                description if public else None,
                status,
                public,
                submitted + timedelta(days=1) if public else None,
                lon,
                lat,
                submitted,
                submitted,
                categories[code],
            ),
        ).fetchone()
        assert report_id is not None
        at = submitted
        previous = None
        for step in STATUS_FLOW[:steps]:
            conn.execute(
                "INSERT INTO report_status_change (report_id, from_status, to_status, "
                "public_comment, created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s)",
                (report_id[0], previous, step, _comment(step), at, at),
            )
            previous, at = step, at + timedelta(days=rng.uniform(0.5, 12))
        if rng.random() < 0.4:
            conn.execute(
                "INSERT INTO report_contact (report_id, name, email) VALUES (%s, %s, %s)",
                (report_id[0], f"通報者{i + 1}", f"reporter{i + 1}@example.jp"),
            )
        made += 1
    yield f"reports (synthetic): {made}"


def _comment(status: str) -> str | None:
    return {
        "accepted": "通報を受け付けました。担当課で確認します。",
        "in_progress": "現地を確認し、修繕を手配しました。",
        "resolved": "修繕が完了しました。ご協力ありがとうございました。",
    }.get(status)


# A walk along a real school route, as a phone records it: a fix every 8 s and ~10 m.
# The random draws stay those of the drawn-route patrols before, so the records generated
# after them (inspections) stay the same on every install.
WALK_POINTS = """
WITH inside AS (
    -- The longest piece of the route inside the group's area (the route where it has none).
    SELECT coalesce((SELECT p.geom FROM ST_Dump(ST_LineMerge(ST_CollectionExtract(
            ST_Intersection(f.geom, d.geom), 2))) p ORDER BY ST_Length(p.geom) DESC LIMIT 1),
        ST_GeometryN(f.geom, 1)) AS g
    FROM safety_map_feature f, district d WHERE f.id = %(route)s AND d.id = %(area)s),
l AS (
    SELECT ST_Transform(ST_LineSubstring(g, %(a)s, %(b)s),
        (SELECT 6668 + plane_zone FROM city WHERE id = 1)) AS g
    FROM inside),
n AS (SELECT g, greatest(2, ceil(ST_Length(g) / 10))::int AS n FROM l)
INSERT INTO patrol_point (patrol_id, seq, part, recorded_at, accuracy_m, geom)
SELECT %(patrol)s, i, 0, %(start)s + i * interval '8 s', 5 + i %% 6,
    ST_Transform(ST_LineInterpolatePoint(g, i::float8 / n), 4326)
FROM n, generate_series(0, n.n) AS i"""
# 登校 and 下校 in Japan's time (UTC+9): 07:20 and 15:00.
WALK_START_UTC = {8: (22, 20, -1), 15: (6, 0, 0)}


def _walk_start(day: date, hour: int) -> datetime:
    utc_hour, minute, shift = WALK_START_UTC[hour]
    return datetime(day.year, day.month, day.day, utc_hour, minute, tzinfo=UTC) + timedelta(
        days=shift
    )


def _patrols(conn: psycopg.Connection[Any], rng: random.Random) -> Iterator[str]:
    from layers.groups import tracks

    draw_route = str(tracks.DRAW_ROUTE).replace(":patrol_id", "%(patrol_id)s")
    areas = conn.execute(
        "SELECT id, name FROM district WHERE level = 'area' ORDER BY code LIMIT 4"
    ).fetchall()
    routes = conn.execute(
        "SELECT id, title FROM safety_map_feature WHERE kind = 'school_route' ORDER BY id"
    ).fetchall()
    patrols = points = 0
    for n, (district_id, name) in enumerate(areas):
        # The routes of the group's own area (the nearest ones where it has none).
        near = (
            conn.execute(
                "SELECT f.id, f.title FROM safety_map_feature f, district d WHERE d.id = %s "
                # At least 300 m of it inside: a walk is a line even at the whole city's zoom.
                "AND f.kind = 'school_route' AND ST_Intersects(f.geom, d.geom) "
                "AND ST_Length(ST_Intersection(f.geom, d.geom)::geography) >= 300 ORDER BY f.id",
                (district_id,),
            ).fetchall()
            or conn.execute(
                "SELECT f.id, f.title FROM safety_map_feature f, district d WHERE d.id = %s "
                "AND f.kind = 'school_route' ORDER BY ST_Distance(f.geom, d.geom), f.id LIMIT 3",
                (district_id,),
            ).fetchall()
        )
        group = conn.execute(
            "INSERT INTO community_group (name, kind, district_id, description, share_coverage) "
            "VALUES (%s, 'neighbourhood_association', %s, %s, %s) RETURNING id",
            (
                f"{name}防犯パトロール隊",
                district_id,
                "自治会の防犯ボランティア（デモ用の架空の団体）",
                n == 0,  # one group shares its coverage with the city
            ),
        ).fetchone()
        assert group is not None
        for week in range(6):
            drawn = routes.index(rng.choice(routes))
            route_id, school = near[drawn % len(near)] if near else routes[drawn]
            day = (NOW - timedelta(days=7 * week + rng.randint(0, 6))).date()
            start = _walk_start(day, rng.choice([8, 15]))
            # Most of the route, from a stable place along it: what a walk leaves out shows.
            a = round(_fraction(f"{group[0]}-{week}-a") * 0.2, 3)
            b = round(0.8 + _fraction(f"{group[0]}-{week}-b") * 0.2, 3)
            patrol = conn.execute(
                "INSERT INTO patrol (group_id, kind, title, started_at, participants, "
                "synthetic, source) VALUES (%s, 'school_watch', %s, %s, %s, true, 'phone') "
                "RETURNING id",
                (group[0], f"{school}周辺の見守り", start, rng.randint(2, 9)),
            ).fetchone()
            assert patrol is not None
            patrols += 1
            walked = conn.execute(
                WALK_POINTS,
                {
                    "patrol": patrol[0],
                    "route": route_id,
                    "area": district_id,
                    "a": a,
                    "b": b,
                    "start": start,
                },
            )
            points += walked.rowcount
            conn.execute(draw_route, {"patrol_id": patrol[0]})
            conn.execute(
                "UPDATE patrol SET ended_at = (SELECT max(recorded_at) FROM patrol_point "
                "WHERE patrol_id = %s) WHERE id = %s",
                (patrol[0], patrol[0]),
            )
            conn.execute(
                "INSERT INTO patrol_observation (patrol_id, note, subject_layer, subject_id, geom) "
                "SELECT %s, %s, 'safety_map_feature', f.id, "
                "ST_LineInterpolatePoint(ST_GeometryN(f.geom, 1), %s) "
                "FROM safety_map_feature f WHERE f.id = %s",
                (
                    patrol[0],
                    rng.choice(
                        [
                            "見通しの悪い交差点あり",
                            "草が伸びて歩道が狭い",
                            "防犯灯が暗い",
                            "異常なし",
                        ]
                    ),
                    a + rng.random() * (b - a),
                    route_id,
                ),
            )
    yield (
        f"groups (synthetic): {len(areas)}, patrols (synthetic): {patrols} "
        f"walked along school routes ({points} track points)"
    )
