"""Report figures: the staff's response-time figures (checked against a computation of their
own over the demo city's report histories) and the public area counts of sensitive
categories (which must never give away a report's point, text or id)."""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import psycopg
import pytest
import shapely
from fastapi.testclient import TestClient

from geo.crs import plane_zone_epsg, transform_xy
from layers.store.db import libpq_url
from tests.conftest import make_person, new_client, signed_in, sql_value

JST = timezone(timedelta(hours=9))
OPEN = {"submitted", "accepted", "in_progress"}
DAY = timedelta(days=1)


def rows(url: str, query: str, *params: object) -> list[tuple[Any, ...]]:
    with psycopg.connect(libpq_url(url)) as conn:
        return conn.execute(query.encode(), params).fetchall()


def execute(url: str, query: str, *params: object) -> Any:
    """Run a statement (committed); the first column of its first row, if any."""
    with psycopg.connect(libpq_url(url)) as conn:
        cursor = conn.execute(query.encode(), params)
        found = cursor.fetchone() if cursor.description else None
        return found[0] if found else None


def assert_problem(response: Any, status: int, *words: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["detail_ja"] and body["detail"]
    assert any("\u3040" <= ch <= "\u30ff" for ch in body["detail_ja"]), body  # kana: Japanese
    for word in words:
        assert word in body["detail"] and word in body["detail_ja"], body


# --- response-time figures ---------------------------------------------------------------


def staff_client() -> TestClient:
    return signed_in(make_person("figures-staff@example.jp", "staff", department="road"))


def new_report(
    url: str,
    public_id: str,
    created: str,
    history: Iterable[tuple[str, str]],
    *,
    department: str | None,
    category: str = "road_damage",
) -> None:
    """A report created at ``now() - created`` whose status changes (status, offset from its
    creation) are ``history``; the report ends in the last status."""
    steps = [("submitted", "0 days"), *history]
    report_id = execute(
        url,
        "INSERT INTO report (public_id, tracking_token_hash, category_id, description, status, "
        "department_id, geom, created_at) "
        "SELECT %s, 'x', rc.id, '図の確認用', %s, (SELECT id FROM department WHERE code = %s), "
        "(SELECT geom FROM report WHERE public_id = 'D00001'), now() - CAST(%s AS interval) "
        "FROM report_category rc WHERE rc.code = %s RETURNING id",
        public_id,
        steps[-1][0],
        department,
        created,
        category,
    )
    previous = None
    for status, offset in steps:
        execute(
            url,
            "INSERT INTO report_status_change (report_id, from_status, to_status, created_at) "
            "SELECT id, %s, %s, created_at + CAST(%s AS interval) FROM report WHERE id = %s",
            previous,
            status,
            offset,
            report_id,
        )
        previous = status


def add_test_desk(url: str) -> None:
    """A department of six reports whose figures are worked out by hand below."""
    execute(url, "INSERT INTO department (code, name, name_en) VALUES ('desk', '窓口', 'Desk')")
    new_report(
        url, "T-1", "20 days", [("accepted", "1 day"), ("resolved", "12 days")], department="desk"
    )
    # Resolved straight from submitted: taken up when resolved.
    new_report(url, "T-2", "4 days", [("resolved", "2 days")], department="desk")
    new_report(url, "T-3", "100 days", [], department="desk")
    # Reopened by the reporter and resolved again: the first resolution counts.
    new_report(
        url,
        "T-4",
        "40 days",
        [
            ("accepted", "3 days"),
            ("resolved", "10 days"),
            ("accepted", "12 days"),
            ("resolved", "30 days"),
        ],
        department="desk",
    )
    new_report(url, "T-5", "2 days", [], department="desk")
    # Reopened and open again.
    new_report(
        url,
        "T-6",
        "50 days",
        [("accepted", "1 day"), ("resolved", "4 days"), ("accepted", "6 days")],
        department="desk",
    )


def test_figures_of_a_department_worked_out_by_hand(demo_url: str) -> None:
    add_test_desk(demo_url)
    response = staff_client().get("/api/triage/figures", params={"department": "desk"})
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "private"
    body = response.json()
    assert body["department"] == {"code": "desk", "name_ja": "窓口", "name_en": "Desk"}
    expected = {
        "reports": 6,
        "median_days_to_accepted": 1.5,  # 1, 2 (straight to resolved), 3, 1
        "reached_accepted": 4,
        "median_days_to_resolved": 7.0,  # 12, 2, 10 (T-4's first resolution), 4
        "reached_resolved": 4,
        "open": 3,  # T-3, T-5, T-6 (reopened)
        "open_by_age": {"days_0_7": 1, "days_8_30": 0, "days_31_90": 1, "days_over_90": 1},
    }
    assert body["overall"] == expected
    assert [{k: d[k] for k in expected} for d in body["by_department"]] == [expected]
    assert body["by_department"][0]["code"] == "desk"
    assert [c["code"] for c in body["by_category"]] == ["road_damage"]


def test_backlog_ages_are_whole_days(demo_url: str) -> None:
    execute(demo_url, "INSERT INTO department (code, name) VALUES ('ages', '年齢')")
    # An hour either side of each bucket's edge.
    for n, age in enumerate(
        (
            "7 days 23 hours",
            "8 days 1 hour",
            "30 days 23 hours",
            "31 days 1 hour",
            "90 days 23 hours",
            "91 days 1 hour",
        )
    ):
        new_report(demo_url, f"A-{n}", age, [("accepted", "1 hour")], department="ages")
    new_report(demo_url, "A-closed", "3 days", [("rejected", "1 hour")], department="ages")
    body = staff_client().get("/api/triage/figures", params={"department": "ages"}).json()
    assert body["overall"]["open"] == 6
    assert body["overall"]["open_by_age"] == {
        "days_0_7": 1,
        "days_8_30": 2,
        "days_31_90": 2,
        "days_over_90": 1,
    }
    # Rejected also ends the wait for a first answer.
    assert body["overall"]["reached_accepted"] == 7
    assert body["overall"]["median_days_to_accepted"] == 0.0
    assert body["overall"]["median_days_to_resolved"] is None
    assert body["by_department"][0]["name_en"] is None


def _independent_figures(
    reports: list[tuple[Any, ...]], changes: list[tuple[Any, ...]], now: datetime
) -> dict[str, Any]:
    taken_up: dict[int, datetime] = {}
    resolved: dict[int, datetime] = {}
    for report_id, status, at in sorted(changes, key=lambda c: c[2]):
        if status != "submitted":
            taken_up.setdefault(report_id, at)
        if status == "resolved":
            resolved.setdefault(report_id, at)

    def days(report_id: int, created: datetime, reached: dict[int, datetime]) -> float | None:
        at = reached.get(report_id)
        return None if at is None else (at - created).total_seconds() / 86400

    def figures(group: list[tuple[Any, ...]]) -> dict[str, Any]:
        accepted = [d for r in group if (d := days(r[0], r[1], taken_up)) is not None]
        fixed = [d for r in group if (d := days(r[0], r[1], resolved)) is not None]
        ages = [math.floor((now - r[1]).total_seconds() / 86400) for r in group if r[2] in OPEN]
        return {
            "reports": len(group),
            "median_days_to_accepted": statistics.median(accepted) if accepted else None,
            "reached_accepted": len(accepted),
            "median_days_to_resolved": statistics.median(fixed) if fixed else None,
            "reached_resolved": len(fixed),
            "open": len(ages),
            "open_by_age": {
                "days_0_7": sum(a <= 7 for a in ages),
                "days_8_30": sum(8 <= a <= 30 for a in ages),
                "days_31_90": sum(31 <= a <= 90 for a in ages),
                "days_over_90": sum(a > 90 for a in ages),
            },
        }

    by_department: dict[str | None, list[tuple[Any, ...]]] = defaultdict(list)
    by_category: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for r in reports:
        by_department[r[3]].append(r)
        by_category[r[4]].append(r)
    return {
        "overall": figures(reports),
        "by_department": {k: figures(v) for k, v in by_department.items()},
        "by_category": {k: figures(v) for k, v in by_category.items()},
    }


def _same(served: dict[str, Any], computed: dict[str, Any], where: str) -> None:
    for key in ("median_days_to_accepted", "median_days_to_resolved"):
        s, c = served[key], computed[key]
        assert (s is None) == (c is None), (where, key, s, c)
        if s is not None:
            assert abs(s - c) <= 0.05 + 1e-9, (where, key, s, c)  # one decimal
            assert round(s, 1) == s, (where, key, s)
    for key in ("reports", "reached_accepted", "reached_resolved", "open", "open_by_age"):
        assert served[key] == computed[key], (where, key, served[key], computed[key])


def _check_against_own_computation(
    url: str, client: TestClient, params: dict[str, str], where: str, selected: Callable[..., bool]
) -> dict[str, Any]:
    before = sql_value(url, "SELECT now()")
    response = client.get("/api/triage/figures", params=params)
    after = sql_value(url, "SELECT now()")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    reports = [
        r
        for r in rows(
            url,
            "SELECT r.id, r.created_at, r.status, d.code, rc.code FROM report r "
            "LEFT JOIN department d ON d.id = r.department_id "
            "JOIN report_category rc ON rc.id = r.category_id",
        )
        if selected(r)
    ]
    assert reports, "the check needs reports"
    changes = rows(url, "SELECT report_id, to_status, created_at FROM report_status_change")
    # Open reports age while the request runs: the answer is right at either end.
    candidates = [_independent_figures(reports, changes, t) for t in (before, after)]

    served = {
        "overall": body["overall"],
        "by_department": {d["code"]: d for d in body["by_department"]},
        "by_category": {c["code"]: c for c in body["by_category"]},
    }
    assert served["by_department"].keys() == candidates[0]["by_department"].keys()
    assert served["by_category"].keys() == candidates[0]["by_category"].keys()
    sections: list[tuple[str, str | None]] = [("overall", None)]
    sections += [("by_department", code) for code in served["by_department"]]
    sections += [("by_category", code) for code in served["by_category"]]
    for section, code in sections:

        def pick(figures: dict[str, Any], s: str = section, c: str | None = code) -> Any:
            return figures[s] if s == "overall" else figures[s][c]

        errors = []
        for own in candidates:
            try:
                _same(pick(served), pick(own), f"{where} {section} {code}")
                break
            except AssertionError as e:
                errors.append(e)
        else:
            raise errors[0]
    return body


def test_figures_agree_with_a_computation_of_their_own(demo_url: str) -> None:
    add_test_desk(demo_url)
    execute(demo_url, "UPDATE report SET department_id = NULL WHERE public_id = 'D00002'")
    client = staff_client()

    body = _check_against_own_computation(demo_url, client, {}, "all", lambda r: True)
    assert body["overall"]["reports"] == 166  # the demo's 160 and the desk's 6
    assert body["overall"]["median_days_to_accepted"] is not None
    assert body["overall"]["open_by_age"]["days_0_7"] >= 1
    # Reports routed to no department are a group of their own.
    unassigned = [d for d in body["by_department"] if d["code"] is None]
    assert len(unassigned) == 1 and unassigned[0]["reports"] == 1
    assert unassigned[0]["name_ja"] and unassigned[0]["name_en"]
    names = {c["code"]: (c["name_ja"], c["name_en"]) for c in body["by_category"]}
    assert names["road_damage"] == ("道路の損傷", "Road damage")

    # A period (whole days in Japan time, both ends included) and one department.
    since, until = date(2026, 7, 1), date(2026, 9, 15)
    start = datetime(2026, 7, 1, tzinfo=JST)
    end = datetime(2026, 9, 16, tzinfo=JST)

    def in_period(r: tuple[Any, ...]) -> bool:
        return bool(start <= r[1] < end and r[3] == "road")

    body = _check_against_own_computation(
        demo_url,
        client,
        {"since": since.isoformat(), "until": until.isoformat(), "department": "road"},
        "road, July to mid-September",
        in_period,
    )
    assert body["since"] == "2026-07-01" and body["until"] == "2026-09-15"
    assert [d["code"] for d in body["by_department"]] == ["road"]
    assert 0 < body["overall"]["reports"] < 47  # of road's 47 in the whole half year


def test_figures_are_for_staff_only(demo_url: str) -> None:
    assert new_client().get("/api/triage/figures").status_code == 401
    resident = signed_in(make_person("figures-resident@example.jp"))
    assert resident.get("/api/triage/figures").status_code == 403
    admin = signed_in(make_person("figures-admin@example.jp", "admin"))
    assert admin.get("/api/triage/figures").status_code == 200


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"since": "2026-13-01"}, ["since", "2026-13-01"]),
        ({"since": "yesterday"}, ["since"]),
        ({"until": "2026-02-30"}, ["until"]),
        ({"since": "2026-09-01", "until": "2026-08-31"}, ["since", "until"]),
        ({"department": "no-such-desk"}, ["no-such-desk"]),
    ],
)
def test_bad_figure_parameters_are_explained(
    demo_url: str, params: dict[str, str], words: list[str]
) -> None:
    assert_problem(staff_client().get("/api/triage/figures", params=params), 400, *words)


# --- sensitive categories as area counts -------------------------------------------------

SECRET_TEXT = "門の前に男性が立っていた AREA-SECRET-5b1c"


def _distinct_point(url: str, district_id: int, avoid: str) -> tuple[float, float]:
    """A point inside the district whose 6-decimal coordinates occur nowhere in ``avoid``
    (so finding them in an answer means the point leaked, not a polygon vertex)."""
    lon, lat = rows(
        url,
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) p FROM district "
        "WHERE id = %s) s",
        district_id,
    )[0]
    for step in range(1, 50):
        x, y = round(lon + step * 3e-6, 6), round(lat + step * 7e-6, 6)
        if f"{x:.6f}" not in avoid and f"{y:.6f}" not in avoid:
            inside = sql_value(
                url,
                "SELECT ST_Intersects(geom, ST_SetSRID(ST_MakePoint(%s, %s), 4326)) "
                "FROM district WHERE id = %s",
                x,
                y,
                district_id,
            )
            if inside:
                return x, y
    raise AssertionError("no distinct point found")


def _sensitive_report(
    url: str,
    public_id: str,
    category: str,
    point: tuple[float, float],
    *,
    public: bool = True,
    age: str = "1 hour",
    status: str = "accepted",
    duplicate_of: str | None = None,
) -> None:
    execute(
        url,
        "INSERT INTO report (public_id, tracking_token_hash, category_id, description, "
        "public_description, status, is_public, published_at, duplicate_of_id, geom, "
        "created_at) SELECT %s, 'x', rc.id, %s, %s, %s, %s, CASE WHEN %s THEN now() END, "
        "(SELECT id FROM report WHERE public_id = %s), "
        "ST_SetSRID(ST_MakePoint(%s, %s), 4326), now() - CAST(%s AS interval) "
        "FROM report_category rc WHERE rc.code = %s",
        public_id,
        SECRET_TEXT,
        SECRET_TEXT,
        status,
        public,
        public,
        duplicate_of,
        point[0],
        point[1],
        age,
        category,
    )


@pytest.fixture
def planted(demo_url: str) -> dict[str, Any]:
    """Sensitive reports at known points of two districts (the demo publishes none)."""
    leaves = rows(
        demo_url,
        "SELECT d.id, ST_AsGeoJSON(d.geom, 6) FROM district d "
        "WHERE NOT EXISTS (SELECT 1 FROM district c WHERE c.parent_id = d.id) "
        "ORDER BY d.code LIMIT 2",
    )
    (a, a_geojson), (b, b_geojson) = leaves
    avoid = a_geojson + b_geojson
    pa, pb = _distinct_point(demo_url, a, avoid), _distinct_point(demo_url, b, avoid)
    for n in (1, 2, 3):
        _sensitive_report(demo_url, f"S-A{n}", "suspicious_person", pa)
    _sensitive_report(demo_url, "S-B1", "vacant_house", pb)
    # Not counted: unpublished, a duplicate of S-A1, and (with since) a report of August.
    _sensitive_report(demo_url, "S-A4", "suspicious_person", pa, public=False)
    _sensitive_report(
        demo_url,
        "S-A5",
        "suspicious_person",
        pa,
        status="closed_duplicate",
        duplicate_of="S-A1",
    )
    _sensitive_report(demo_url, "S-B2", "vacant_house", pb, age="100 days")
    districts = dict(
        rows(demo_url, "SELECT public_id, district_id FROM report WHERE public_id LIKE 'S-%%'")
    )
    assert districts["S-A1"] == a and districts["S-B1"] == b, "the points lie in the districts"
    return {"a": a, "b": b, "pa": pa, "pb": pb}


def _leaks(text: str, planted: dict[str, Any]) -> list[str]:
    found = [s for s in (SECRET_TEXT, "AREA-SECRET", "S-A1", "S-B1", "S-A4") if s in text]
    for x, y in (planted["pa"], planted["pb"]):
        found += [s for s in (f"{x:.6f}", f"{y:.6f}", f"{x:.5f},{y:.5f}") if s in text]
    return found


def test_area_counts_per_district(planted: dict[str, Any]) -> None:
    response = new_client().get("/api/reports/areas")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/geo+json")
    assert response.headers["access-control-allow-origin"] == "*"
    assert _leaks(response.text, planted) == []
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert body["by"] == "district" and body["min_count"] == 1
    assert body["total"] == 5  # S-A1..3 and S-B1, S-B2; not S-A4 (unpublished) or S-A5
    counts = {
        (f["properties"]["district_id"], f["properties"]["category"]): f["properties"]["count"]
        for f in body["features"]
    }
    assert counts == {(planted["a"], "suspicious_person"): 3, (planted["b"], "vacant_house"): 2}
    for feature in body["features"]:
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
        assert set(feature["properties"]) == {
            "district_id",
            "district_name",
            "district_name_en",
            "level",
            "category",
            "category_name_ja",
            "category_name_en",
            "count",
        }
        polygon = shapely.geometry.shape(feature["geometry"])
        point = (
            planted["pa"] if feature["properties"]["district_id"] == planted["a"] else planted["pb"]
        )
        assert polygon.contains(shapely.Point(point))
    assert {c["code"] for c in body["categories"]} == {"suspicious_person", "vacant_house"}


def test_since_counts_whole_months(planted: dict[str, Any]) -> None:
    today = datetime.now(UTC).astimezone(JST).date()
    body = new_client().get("/api/reports/areas", params={"since": today.isoformat()}).json()
    assert body["since"] == today.strftime("%Y-%m")  # never a day: differences would date reports
    assert body["total"] == 4  # S-B2 was made 100 days ago
    counts = {(f["properties"]["district_id"], f["properties"]["count"]) for f in body["features"]}
    assert counts == {(planted["a"], 3), (planted["b"], 1)}
    only = new_client().get(
        "/api/reports/areas", params={"category": "vacant_house", "since": today.strftime("%Y-%m")}
    )
    assert [f["properties"]["count"] for f in only.json()["features"]] == [1]
    assert [c["code"] for c in only.json()["categories"]] == ["vacant_house"]


@pytest.mark.parametrize("cell", [250, 1000])
def test_area_counts_per_grid_square(planted: dict[str, Any], cell: int) -> None:
    response = new_client().get("/api/reports/areas", params={"by": "grid", "cell": str(cell)})
    assert response.status_code == 200, response.text
    assert _leaks(response.text, planted) == []
    body = response.json()
    epsg = plane_zone_epsg(8)  # 焼津市 is in zone VIII
    assert body["cell_m"] == cell and body["grid_crs"] == f"EPSG:{epsg}"
    expected: dict[str, int] = {}
    for point, n, category in (
        (planted["pa"], 3, "suspicious_person"),
        (planted["pb"], 2, "vacant_house"),
    ):
        xs, ys = transform_xy([point[0]], [point[1]], 4326, epsg)
        i, j = math.floor(xs[0] / cell), math.floor(ys[0] / cell)
        expected[f"{epsg}/{cell}/{i}/{j}|{category}"] = n
    served = {
        f"{f['properties']['cell']}|{f['properties']['category']}": f["properties"]["count"]
        for f in body["features"]
    }
    assert served == expected
    for feature in body["features"]:
        assert feature["geometry"]["type"] == "Polygon"
        assert set(feature["properties"]) == {
            "cell",
            "category",
            "category_name_ja",
            "category_name_en",
            "count",
        }
        # A square of `cell` metres in the plane zone (to the 6 decimals of output: ~0.1 m),
        # holding its reports' point.
        ring = feature["geometry"]["coordinates"][0]
        xs, ys = transform_xy([p[0] for p in ring], [p[1] for p in ring], 4326, epsg)
        assert max(xs) - min(xs) == pytest.approx(cell, abs=0.25)
        assert max(ys) - min(ys) == pytest.approx(cell, abs=0.25)
        assert shapely.Polygon(ring).exterior.is_ccw
        point = (
            planted["pa"]
            if feature["properties"]["category"] == "suspicious_person"
            else planted["pb"]
        )
        assert shapely.Polygon(ring).contains(shapely.Point(point))


def test_no_sensitive_counts_means_no_features(demo_url: str) -> None:
    """The demo publishes no sensitive report, and the 114 public ones are not counted."""
    body = new_client().get("/api/reports/areas", params={"by": "grid"}).json()
    assert body["total"] == 0 and body["features"] == []
    assert sql_value(demo_url, "SELECT count(*) FROM report WHERE is_public") == 114


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"by": "hexagon"}, ["by", "hexagon"]),
        ({"by": "grid", "cell": "300"}, ["cell", "250, 500, 1000"]),
        ({"by": "grid", "cell": "abc"}, ["cell"]),
        ({"category": "road_damage"}, ["road_damage", "suspicious_person"]),
        ({"category": "no_such_thing"}, ["no_such_thing"]),
        ({"since": "2026-13"}, ["since"]),
    ],
)
def test_bad_area_parameters_are_explained(
    demo_url: str, params: dict[str, str], words: list[str]
) -> None:
    assert_problem(new_client().get("/api/reports/areas", params=params), 400, *words)
