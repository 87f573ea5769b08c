"""通学路合同点検 through the API against the demo city's real schools: staff of the
education and road departments keep the list (If-Match on every save), a school's group
reads its school's sites, the public the published ones; the spreadsheet's CSV goes out
and comes back to the same sites, a broken file is refused by line, and the list prints."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Person, make_person, new_client, signed_in, sql_value

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts" / "school_routes"
CROSSING = [138.3187, 34.8669]
STRETCH = {"type": "LineString", "coordinates": [[138.3190, 34.8660], [138.3205, 34.8672]]}


@dataclass
class School:
    url: str
    school_id: int
    school_name: str
    other_school_id: int
    education: Person
    road: Person
    parks: Person  # staff of another department
    group_a: int  # names the school
    group_b: int  # names no school
    member_a: Person
    member_b: Person


@pytest.fixture
def school(demo_url: str, no_rate_limits: None) -> School:
    rows = []
    import psycopg

    from layers.store.db import libpq_url

    with psycopg.connect(libpq_url(demo_url)) as conn:
        conn.execute("DELETE FROM school_route_site")  # the demo's own, counted apart
        rows = conn.execute(
            "SELECT id, name FROM facility WHERE kind = 'school' AND name IN "
            "(SELECT name FROM facility WHERE kind = 'school' GROUP BY name HAVING count(*) = 1)"
            " ORDER BY id LIMIT 2"
        ).fetchall()
        a = conn.execute(
            "INSERT INTO community_group (name, kind) VALUES ('港小学校PTA', 'pta') RETURNING id"
        ).fetchone()
        b = conn.execute(
            "INSERT INTO community_group (name, kind) VALUES ('本町防犯の会', 'other') RETURNING id"
        ).fetchone()
    assert len(rows) == 2 and a and b
    return School(
        demo_url,
        rows[0][0],
        rows[0][1],
        rows[1][0],
        make_person("edu@example.jp", "staff", department="school_education"),
        make_person("road@example.jp", "staff", department="road"),
        make_person("parks@example.jp", "staff", department="parks"),
        a[0],
        b[0],
        make_person("pta@example.jp", groups={a[0]: "member"}),
        make_person("other@example.jp", groups={b[0]: "leader"}),
    )


def site_body(school_id: int, number: str = "1", geometry: Any = None, **props: Any) -> Any:
    return {
        "type": "Feature",
        "geometry": geometry or {"type": "Point", "coordinates": CROSSING},
        "properties": {
            "school_facility_id": school_id,
            "fiscal_year": 2026,
            "number": number,
            "address": "焼津市本町二丁目 交差点",
            "reasons": ["speed", "near_miss"],
            "inspected_on": "2026-07-15",
            **props,
        },
    }


def add(client: TestClient, body: Any) -> dict[str, Any]:
    answer = client.post("/api/school-route-sites", json=body)
    assert answer.status_code == 201, answer.text
    assert answer.headers["ETag"] == f'"{answer.json()["properties"]["version"]}"'
    found: dict[str, Any] = answer.json()
    return found


def two_sites(client: TestClient, s: School) -> list[dict[str, Any]]:
    first = add(
        client,
        site_body(
            s.school_id,
            "1",
            measures={
                "school": {"measure": "見守り活動の強化", "timing": "ongoing", "status": "done"},
                "road": {"measure": "路面標示「止まれ」", "timing": "short", "status": "planned"},
                "police": {
                    "measure": "速度取締り",
                    "status": "not_done",
                    "not_done_reason": "取締りの場所が確保できない",
                },
            },
        ),
    )
    second = add(
        client,
        site_body(
            s.school_id,
            "2",
            STRETCH,
            address="焼津市本町三丁目 市道",
            reasons=["no_sidewalk", "heavy_vehicles", "other"],
            measures={"road": {"measure": "歩道整備", "timing": "long", "status": "in_progress"}},
        ),
    )
    return [first, second]


def test_education_and_road_staff_keep_a_site_and_its_three_measures(school: School) -> None:
    edu, road = signed_in(school.education), signed_in(school.road)
    site = add(edu, site_body(school.school_id))
    url = f"/api/school-route-sites/{site['id']}"
    props = site["properties"]
    assert props["school"] == {"id": school.school_id, "name": school.school_name}
    assert props["reasons"] == ["speed", "near_miss"] and props["inspected_on"] == "2026-07-15"
    assert (props["lon"], props["lat"]) == tuple(CROSSING)
    assert set(props["measures"]) == {"school", "road", "police"}
    assert props["measures"]["police"]["measure"] is None
    assert sql_value(school.url, "SELECT district_id IS NOT NULL FROM school_route_site")

    again = edu.post("/api/school-route-sites", json=site_body(school.school_id))
    assert again.status_code == 409 and again.json()["detail_ja"]
    not_a_school = edu.post("/api/school-route-sites", json=site_body(1))
    facility_kind = sql_value(school.url, "SELECT kind FROM facility WHERE id = 1")
    assert facility_kind == "school" or not_a_school.status_code == 422
    tokyo = edu.post(
        "/api/school-route-sites",
        json=site_body(school.school_id, "9", {"type": "Point", "coordinates": [139.69, 35.69]}),
    )
    assert tokyo.status_code == 422, tokyo.text

    measure = road.put(
        f"{url}/measures/road",
        json={"measure": "ガードレール設置", "timing": "short", "status": "planned"},
        headers={"If-Match": '"1"'},
    )
    assert measure.status_code == 200, measure.text
    assert measure.headers["ETag"] == '"2"'
    assert measure.json()["properties"]["measures"]["road"]["measure"] == "ガードレール設置"
    stale = edu.patch(url, json={"properties": {"address": "古い版"}}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412 and stale.headers["ETag"] == '"2"'
    assert edu.patch(url, json={"properties": {"address": "x"}}).status_code == 428
    changed = edu.patch(
        url,
        json={"geometry": STRETCH, "properties": {"reasons": ["poor_visibility"]}},
        headers={"If-Match": '"2"'},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["geometry"]["type"] == "LineString"
    assert changed.json()["properties"]["reasons"] == ["poor_visibility"]
    reason_without_status = road.put(
        f"{url}/measures/police",
        json={"measure": "信号設置", "not_done_reason": "予算"},
        headers={"If-Match": '"3"'},
    )
    assert reason_without_status.status_code == 422

    hazard = sql_value(school.url, "SELECT min(id) FROM hazard")
    linked = road.post(f"{url}/links", json={"layer": "hazard", "subject_id": hazard})
    assert linked.status_code == 201, linked.text
    links = linked.json()["properties"]["links"]
    assert links == [{"id": links[0]["id"], "layer": "hazard", "subject_id": hazard}]
    twice = road.post(f"{url}/links", json={"layer": "hazard", "subject_id": hazard})
    assert twice.status_code == 409
    missing = road.post(f"{url}/links", json={"layer": "report", "subject_id": 99999999})
    assert missing.status_code == 422
    assert road.delete(f"{url}/links/{links[0]['id']}").status_code == 204
    assert road.get(url).json()["properties"]["links"] == []

    parks = signed_in(school.parks)
    assert parks.get(url).status_code == 200  # staff read every site
    assert parks.patch(url, json={"properties": {}}, headers={"If-Match": "*"}).status_code == 403
    assert (
        parks.post("/api/school-route-sites", json=site_body(school.school_id, "5")).status_code
        == 403
    )
    assert signed_in(school.member_a).delete(url).status_code == 403
    assert new_client().delete(url).status_code == 401

    assert road.delete(url, headers={"If-Match": '"1"'}).status_code == 412
    assert road.delete(url).status_code == 204
    assert road.get(url).status_code == 404
    assert sql_value(school.url, "SELECT count(*) FROM school_route_measure") == 0
    audited = sql_value(
        school.url,
        "SELECT count(*) FROM audit_log WHERE subject_layer = 'school_route_site' "
        "AND actor_user_id = %s",
        school.road.id,
    )
    assert audited >= 1


def test_the_schools_group_reads_its_sites_and_the_public_only_published_ones(
    school: School,
) -> None:
    edu = signed_in(school.education)
    named = edu.put(
        f"/api/groups/{school.group_a}/school", json={"school_facility_id": school.school_id}
    )
    assert named.status_code == 200, named.text
    assert (
        signed_in(school.parks)
        .put(f"/api/groups/{school.group_b}/school", json={"school_facility_id": school.school_id})
        .status_code
        == 403
    )
    first, second = two_sites(edu, school)
    other = add(edu, site_body(school.other_school_id, "1"))
    pta, outsider, anyone = (
        signed_in(school.member_a),
        signed_in(school.member_b),
        new_client(),
    )

    def numbers(client: TestClient, query: str = "") -> list[tuple[int, str]]:
        answer = client.get(f"/api/school-route-sites{query}")
        assert answer.status_code == 200, answer.text
        return [
            (f["properties"]["school"]["id"], f["properties"]["number"])
            for f in answer.json()["features"]
        ]

    mine = [(school.school_id, "1"), (school.school_id, "2")]
    assert numbers(pta) == mine
    assert numbers(pta, f"?group={school.group_a}") == mine
    assert pta.get(f"/api/school-route-sites/{first['id']}").status_code == 200
    assert "links" not in pta.get(f"/api/school-route-sites/{first['id']}").json()["properties"]
    assert pta.get(f"/api/school-route-sites/{other['id']}").status_code == 403
    assert numbers(outsider) == [] and numbers(anyone) == []
    assert outsider.get(f"/api/school-route-sites/{first['id']}").status_code == 403
    assert anyone.get(f"/api/school-route-sites/{first['id']}").status_code == 401
    assert len(numbers(signed_in(school.parks))) == 3

    published = edu.patch(
        f"/api/school-route-sites/{second['id']}",
        json={"properties": {"is_published": True}},
        headers={"If-Match": f'"{second["properties"]["version"]}"'},
    )
    assert published.status_code == 200 and published.json()["properties"]["published_at"]
    assert numbers(anyone) == [(school.school_id, "2")]
    assert anyone.get(f"/api/school-route-sites/{second['id']}").status_code == 200
    assert numbers(outsider, "?status=in_progress") == [(school.school_id, "2")]
    assert numbers(edu, "?status=done") == [(school.school_id, "1")]
    assert numbers(edu, f"?school={school.other_school_id}") == [(school.other_school_id, "1")]
    assert numbers(edu, "?year=2025") == []
    exported = anyone.get("/api/school-route-sites.csv").content.decode("utf-8-sig")
    assert len(exported.strip().splitlines()) == 2  # the header and the published site


def _csv_state(url: str) -> list[tuple[Any, ...]]:
    import psycopg

    from layers.store.db import libpq_url

    with psycopg.connect(libpq_url(url)) as conn:
        return conn.execute(
            "SELECT s.id, s.school_facility_id, s.fiscal_year, s.number, s.address, "
            "ST_AsText(s.geom), s.reasons, s.inspected_on, "
            "array(SELECT row(m.party, m.measure, m.timing, m.status, m.not_done_reason)::text "
            "FROM school_route_measure m WHERE m.site_id = s.id "
            "AND (m.measure IS NOT NULL OR m.status IS NOT NULL) ORDER BY m.party) "
            "FROM school_route_site s ORDER BY s.number"
        ).fetchall()


def test_the_csv_export_reimports_to_the_same_sites(school: School) -> None:
    edu = signed_in(school.education)
    two_sites(edu, school)
    before = _csv_state(school.url)
    answer = edu.get("/api/school-route-sites.csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    raw = answer.content
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].split(",")[:8] == [
        "年度",
        "箇所番号",
        "学校名",
        "箇所（住所）",
        "経度",
        "緯度",
        "選定理由",
        "合同点検実施日",
    ]
    for party in ("学校・教育委員会", "道路管理者", "警察"):
        for column in ("対策内容", "実施時期", "対策状況", "未実施の理由"):
            assert f"{column}（{party}）" in lines[0]
    assert "車の速度が上がる、ヒヤリハット" in lines[1]
    assert "未実施" in lines[1] and "取締りの場所が確保できない" in lines[1]
    assert "短期（1～2年）" in lines[1] and "長期（6年以上）" in lines[2]

    again = edu.post("/api/school-route-sites.csv", files={"file": ("list.csv", raw, "text/csv")})
    assert again.status_code == 200, again.text
    assert again.json()["created"] == 0 and again.json()["updated"] == 2
    assert _csv_state(school.url) == before  # same ids, same line, same measures

    # Saved from Excel in Shift_JIS, into a list that lost its sites: the same sites again.
    for site_id in (row[0] for row in before):
        assert edu.delete(f"/api/school-route-sites/{site_id}").status_code == 204
    sjis = raw.decode("utf-8-sig").encode("cp932")
    imported = edu.post(
        "/api/school-route-sites.csv", files={"file": ("list.csv", sjis, "text/csv")}
    )
    assert imported.status_code == 200, imported.text
    assert imported.json()["created"] == 2
    after = _csv_state(school.url)
    assert after[0][1:] == before[0][1:]
    # The line came back as the point on it the sheet names: a sheet has no lines.
    assert after[1][5].startswith("POINT") and after[1][6:] == before[1][6:]
    assert (
        signed_in(school.parks)
        .post("/api/school-route-sites.csv", files={"file": ("list.csv", raw, "text/csv")})
        .status_code
        == 403
    )


def test_a_broken_csv_names_every_bad_line_and_imports_nothing(school: School) -> None:
    edu = signed_in(school.education)
    header = (
        "年度,箇所番号,学校名,箇所（住所）,経度,緯度,選定理由,合同点検実施日,"
        "対策内容（道路管理者）,実施時期（道路管理者）,対策状況（道路管理者）,"
        "未実施の理由（道路管理者）"
    )
    name = school.school_name
    rows = [
        f"2026,1,{name},本町,138.3187,34.8669,車の速度が上がる,2026-07-15,歩道,短期,対策予定,",
        "2026,2,存在しない小学校,本町,138.3187,34.8669,,,,,,",  # line 3
        f"2026,3,{name},本町,138.3187,34.8669,空が青い,2026-13-45,,,,",  # line 4
        f"2026,4,{name},本町,,,,,,,,",  # line 5: a new site without its place
        f"2026,5,{name},本町,138.3187,34.8669,,,,来年,済んだ,",  # line 6
        f"2026,1,{name},本町,138.3187,34.8669,,,,,,",  # line 7: line 2's site again
        f"2026,6,{name},本町,139.69,35.69,,,,,対策済,予算がない",  # line 8
    ]
    data = ("\n".join([header, *rows]) + "\n").encode("utf-8")
    answer = edu.post("/api/school-route-sites.csv", files={"file": ("x.csv", data, "text/csv")})
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    by_line: dict[int, list[str]] = {}
    for error in problem["errors"]:
        by_line.setdefault(error["line"], []).append(error["column"] or "")
    assert sorted(by_line) == [3, 4, 6, 7, 8], problem["errors"]
    assert by_line[3] == ["学校名"]
    assert sorted(by_line[4]) == ["合同点検実施日", "選定理由"]
    assert sorted(by_line[6]) == ["実施時期（道路管理者）", "対策状況（道路管理者）"]
    assert "3行目" in problem["detail_ja"] and "line" in problem["detail"]
    assert sql_value(school.url, "SELECT count(*) FROM school_route_site") == 0

    # Once the file's own mistakes are fixed, the database's are named too (line 5 has no
    # place for a new site; line 8 lies in Tokyo), and still nothing is stored.
    fixed = [rows[0], rows[3], rows[6].replace(",対策済,予算がない", ",未実施,予算がない")]
    data = ("\n".join([header, *fixed]) + "\n").encode("utf-8")
    answer = edu.post("/api/school-route-sites.csv", files={"file": ("x.csv", data, "text/csv")})
    assert answer.status_code == 422, answer.text
    assert sorted({e["line"] for e in answer.json()["errors"]}) == [3, 4]
    assert sql_value(school.url, "SELECT count(*) FROM school_route_site") == 0

    empty = edu.post("/api/school-route-sites.csv", files={"file": ("x.csv", b"", "text/csv")})
    assert empty.status_code == 422
    wrong = edu.post(
        "/api/school-route-sites.csv", files={"file": ("x.csv", b"a,b\n1,2\n", "text/csv")}
    )
    assert wrong.status_code == 422 and "箇所番号" in wrong.json()["detail_ja"]


def test_the_list_prints_on_a4_with_its_map(school: School) -> None:
    edu = signed_in(school.education)
    two_sites(edu, school)
    answer = edu.get(f"/api/school-route-sites.pdf?school={school.school_id}&year=2026")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf = ARTIFACTS / "school-route-sites.pdf"
    pdf.write_bytes(answer.content)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    assert "841.89 x 595.276 pts" in info.stdout or "842 x 595 pts" in info.stdout, info.stdout
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for words in ("通学路交通安全対策箇所一覧表", school.school_name, "路面標示", "歩道整備"):
        assert words in text, text
    assert shutil.which("pdftoppm")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(ARTIFACTS / "page")],
        check=True,
    )
    assert (ARTIFACTS / "page-1.png").stat().st_size > 10_000
    nothing = new_client().get("/api/school-route-sites.pdf")
    assert nothing.status_code == 404 and nothing.json()["detail_ja"]


def test_files_from_excel_decode_in_either_encoding() -> None:
    from layers.inspections.school_routes.spreadsheet import decoded

    assert decoded("箇所番号".encode("cp932")) == "箇所番号"
    assert decoded("\ufeff年度".encode()) == "年度"
