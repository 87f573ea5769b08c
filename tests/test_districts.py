"""Every point feature gets its district on write; the city boundary is enforced."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

# 焼津市役所 (real coordinates from the city's AED list)
CITY_HALL = (138.323171, 34.866918)


def _insert_facility(conn: object, lon: float, lat: float) -> int:
    return int(
        conn.execute(  # type: ignore[attr-defined]
            text(
                "INSERT INTO facility (kind, name, geom) VALUES ('aed', 'テスト', "
                "ST_SetSRID(ST_MakePoint(:x, :y), 4326)) RETURNING id"
            ),
            {"x": lon, "y": lat},
        ).scalar_one()
    )


def test_a_point_gets_the_finest_district_containing_it(demo_engine: Engine) -> None:
    with demo_engine.begin() as conn:
        fid = _insert_facility(conn, *CITY_HALL)
        level, contains = conn.execute(
            text(
                "SELECT d.level, ST_Contains(d.geom, f.geom) FROM facility f "
                "JOIN district d ON d.id = f.district_id WHERE f.id = :id"
            ),
            {"id": fid},
        ).one()
    assert level == "neighbourhood"  # 自主防災会 area, the finest level loaded
    assert contains


def test_moving_a_feature_reassigns_its_district(demo_engine: Engine) -> None:
    with demo_engine.begin() as conn:
        fid = _insert_facility(conn, *CITY_HALL)
        first = conn.execute(
            text("SELECT district_id FROM facility WHERE id = :i"), {"i": fid}
        ).scalar()
        # 大井川 side of the city, several districts away
        conn.execute(
            text(
                "UPDATE facility SET geom = ST_SetSRID(ST_MakePoint(138.2855, "
                "34.8042), 4326) WHERE id = :i"
            ),
            {"i": fid},
        )
        second, contains = conn.execute(
            text(
                "SELECT f.district_id, ST_Contains(d.geom, f.geom) FROM facility f "
                "JOIN district d ON d.id = f.district_id WHERE f.id = :i"
            ),
            {"i": fid},
        ).one()
    assert first != second
    assert contains


def test_a_point_far_outside_the_city_is_refused(demo_engine: Engine) -> None:
    # 静岡市役所, about 15 km away
    with pytest.raises(Exception, match="outside the city boundary"), demo_engine.begin() as c:
        _insert_facility(c, 138.3831, 34.9756)
    with demo_engine.connect() as conn:
        assert (
            conn.execute(text("SELECT count(*) FROM facility WHERE name = 'テスト'")).scalar() == 0
        )


def test_a_point_just_outside_within_tolerance_gets_the_nearest_district(
    demo_engine: Engine,
) -> None:
    with demo_engine.begin() as conn:
        # A point 20 m outside the city's outline (tolerance is 50 m).
        lon, lat = conn.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM district c, LATERAL (SELECT ST_Project("
                "ST_PointN(ST_ExteriorRing(ST_GeometryN(c.geom, 1)), 1)::geography, 20,"
                " radians(az))::geometry AS p FROM generate_series(0, 350, 10) az) q"
                " WHERE c.level = 'city' AND NOT ST_Intersects(c.geom, p)"
                " AND ST_Distance(c.geom::geography, p::geography) BETWEEN 5 AND 40 LIMIT 1"
            )
        ).one()
        fid = _insert_facility(conn, lon, lat)
        district = conn.execute(
            text("SELECT district_id FROM facility WHERE id = :i"), {"i": fid}
        ).scalar()
    assert district is not None


def test_district_hierarchy_is_derived_from_containment(demo_engine: Engine) -> None:
    with demo_engine.connect() as conn:
        orphans = conn.execute(
            text("SELECT count(*) FROM district WHERE level <> 'city' AND parent_id IS NULL")
        ).scalar()
        wrong = conn.execute(
            text(
                "SELECT count(*) FROM district c JOIN district p ON p.id = c.parent_id "
                "WHERE p.depth >= c.depth"
            )
        ).scalar()
        neighbourhood_parents = (
            conn.execute(
                text(
                    "SELECT DISTINCT p.level FROM district c JOIN district p ON p.id = c.parent_id "
                    "WHERE c.level = 'neighbourhood'"
                )
            )
            .scalars()
            .all()
        )
    assert orphans == 0
    assert wrong == 0
    assert neighbourhood_parents == ["area"]


def test_bulk_import_assigns_the_same_districts_as_the_database_rule(demo_url: str) -> None:
    """The importer's vectorised assignment (layers/city/locating.py) and the trigger's
    machimap_district_for() must agree on every real point of the demo city."""
    from tests.conftest import sql_value

    disagreements = sql_value(
        demo_url,
        "SELECT count(*) FROM (SELECT district_id, geom FROM facility UNION ALL "
        "SELECT district_id, geom FROM hazard UNION ALL "
        "SELECT district_id, geom FROM safety_map_feature) f "
        "WHERE f.district_id IS DISTINCT FROM machimap_district_for(f.geom)",
    )
    checked = sql_value(
        demo_url,
        "SELECT (SELECT count(*) FROM facility) + "
        "(SELECT count(*) FROM hazard) + (SELECT count(*) FROM safety_map_feature)",
    )
    assert checked > 2000
    assert disagreements == 0


def test_csv_point_just_outside_within_tolerance_is_loaded(demo_url: str, tmp_path: Path) -> None:
    from layers.importing.load import ImportOptions, import_file
    from tests.conftest import sql_value

    lon, lat = sql_value(
        demo_url,
        "SELECT ARRAY[ST_X(p), ST_Y(p)] FROM district c, LATERAL (SELECT ST_Project("
        "ST_PointN(ST_ExteriorRing(ST_GeometryN(c.geom, 1)), 1)::geography, 20,"
        " radians(az))::geometry AS p FROM generate_series(0, 350, 10) az) q"
        " WHERE c.level = 'city' AND NOT ST_Intersects(c.geom, p)"
        " AND ST_Distance(c.geom::geography, p::geography) BETWEEN 5 AND 40 LIMIT 1",
    )
    path = tmp_path / "edge.csv"
    path.write_text(f"名称,緯度,経度\n境界付近,{lat},{lon}\n遠く,35.69,139.69\n", encoding="utf-8")
    result = import_file(
        "hazard", path, ImportOptions(constants={"kind": "other"}, skip_invalid=True), demo_url
    )
    assert [r.number for r in result.rejected] == [3]
    assert result.loaded == 1
    assert sql_value(
        demo_url, "SELECT district_id IS NOT NULL FROM hazard WHERE title = '境界付近'"
    )
