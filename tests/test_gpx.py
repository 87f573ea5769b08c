"""GPX in and out: files shaped like a GPS logger's, walked along the demo city's real school
routes, uploaded as patrols (one per track, every point and time kept) and downloaded again;
every broken file refused whole, naming the file and what is wrong."""

from __future__ import annotations

import io
import itertools
import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import gpxpy
import pytest
from fastapi.testclient import TestClient
from pyproj import Geod, Transformer
from shapely.geometry import LineString, shape

from tests.conftest import Person, make_person, signed_in, sql_value
from tests.test_groups import create_group

JST = 9
# 07:20 JST on a school day, as UTC.
MORNING = datetime(2026, 12, 7, 7, 20, tzinfo=UTC) - timedelta(hours=JST)
WALK_MS = 1.2  # a child's walking pace, metres per second
SPACING_S = (1, 2, 3, 5, 4, 2, 1, 3)  # a logger's interval varies with its "smart" recording
GEOD = Geod(ellps="GRS80")
TO_PLANE = Transformer.from_crs(4326, 6676, always_xy=True)  # JGD2011 zone VIII (Shizuoka)
TO_LONLAT = Transformer.from_crs(6676, 4326, always_xy=True)


@dataclass
class Point:
    lon: float
    lat: float
    at: datetime
    ele: float


@dataclass
class City:
    url: str
    member: Person
    group_id: int
    routes: list[tuple[str, LineString]]  # (school and route title, line) of real school routes

    def patrols(self) -> int:
        return int(
            sql_value(self.url, "SELECT count(*) FROM patrol WHERE group_id = %s", self.group_id)
        )


@pytest.fixture
def city(demo_url: str, no_rate_limits: None) -> City:
    staff = make_person("gpx-staff@example.jp", "staff", department="community")
    leader = make_person("gpx-leader@example.jp")
    group_id = create_group(signed_in(staff), "和田地区見守り隊", leader)
    member = make_person("gpx-member@example.jp", groups={group_id: "member"})
    rows = sql_value(
        demo_url,
        "SELECT json_agg(json_build_object('title', title, 'geom', ST_AsGeoJSON(geom)::json)"
        " ORDER BY id) FROM (SELECT id, title, geom FROM safety_map_feature"
        " WHERE kind = 'school_route' AND GeometryType(geom) = 'LINESTRING'"
        " AND ST_Length(geom::geography) BETWEEN 400 AND 1500 ORDER BY id LIMIT 3) s",
    )
    routes = [(r["title"], shape(r["geom"])) for r in rows]
    assert len(routes) == 3, "the demo city has real school routes"
    return City(demo_url, member, group_id, routes)


def walk_along(line: LineString, start: datetime, *, first: int = 0) -> list[Point]:
    """A walk at a child's pace along ``line``, a fix every 1–5 s, elevation 3–12 m."""
    plane = LineString([TO_PLANE.transform(x, y) for x, y in line.coords])
    points, travelled, at, i = [], 0.0, start, first
    while travelled <= plane.length:
        x, y = plane.interpolate(travelled).coords[0]
        lon, lat = TO_LONLAT.transform(x, y)
        points.append(Point(lon, lat, at, round(3 + 9 * ((i * 7) % 10) / 9.0, 1)))
        step = SPACING_S[i % len(SPACING_S)]
        travelled += WALK_MS * step
        at += timedelta(seconds=step)
        i += 1
    return points


def utc(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def trkpt(p: Point, when: str | None = None) -> str:
    time = f"<time>{when if when is not None else utc(p.at)}</time>" if when != "" else ""
    return f'<trkpt lat="{p.lat!r}" lon="{p.lon!r}"><ele>{p.ele}</ele>{time}</trkpt>'


def gpx_file(tracks: list[tuple[str | None, list[list[str]]]], extra: str = "") -> bytes:
    """A GPX 1.1 file as a Garmin logger writes it: tracks of segments of <trkpt> text."""
    body = "".join(
        "<trk>"
        + (f"<name>{name}</name>" if name else "")
        + "".join("<trkseg>" + "".join(seg) + "</trkseg>" for seg in segments)
        + "</trk>"
        for name, segments in tracks
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="no" ?>\n'
        '<gpx xmlns="http://www.topografix.com/GPX/1/1" creator="eTrex 32x" version="1.1"'
        ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        ' xsi:schemaLocation="http://www.topografix.com/GPX/1/1'
        ' http://www.topografix.com/GPX/1/1/gpx.xsd">'
        f"<metadata><time>{utc(MORNING)}</time></metadata>{extra}{body}</gpx>"
    ).encode()


def upload(client: TestClient, group_id: int, name: str, data: bytes, **fields: str) -> Any:
    return client.post(
        f"/api/groups/{group_id}/patrols/gpx",
        files={"file": (name, data, "application/gpx+xml")},
        data=fields,
    )


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def geod_length(points: list[Point]) -> float:
    return sum(
        float(GEOD.inv(a.lon, a.lat, b.lon, b.lat)[2]) for a, b in itertools.pairwise(points)
    )


# --- a file in ---------------------------------------------------------------------------


def test_a_walk_along_a_school_route_becomes_a_patrol_with_every_point(city: City) -> None:
    _title, line = city.routes[0]
    points = walk_along(line, MORNING)
    # The logger was switched off at the crossing for a while: a second segment.
    cut = len(points) // 2
    data = gpx_file(
        [
            (
                "朝の見守り（和田小）",
                [[trkpt(p) for p in points[:cut]], [trkpt(p) for p in points[cut:]]],
            )
        ]
    )
    answer = upload(
        signed_in(city.member),
        city.group_id,
        "eTrex_20261207.gpx",
        data,
        kind="school_watch",
        participants="3",
    )
    assert answer.status_code == 201, answer.text
    [patrol] = answer.json()["patrols"]
    assert patrol["title"] == "朝の見守り（和田小）"
    assert patrol["kind"] == "school_watch"
    assert patrol["participants"] == 3
    assert patrol["source"] == "gpx"
    assert patrol["track"] == {
        "points": len(points),
        "gaps": 1,
        "dropped_inaccurate": 0,
        "dropped_too_fast": 0,
    }
    assert datetime.fromisoformat(patrol["started_at"]) == points[0].at
    assert datetime.fromisoformat(patrol["ended_at"]) == points[-1].at
    # The stored route is as long as the file's, measured by gpxpy and on the ellipsoid:
    # the join between the two segments is not walked, so it is not drawn.
    parsed = gpxpy.parse(data.decode())
    file_length = parsed.length_2d()
    stored = patrol["route_length_m"]
    assert abs(stored - file_length) / file_length < 0.005, (stored, file_length)
    walked = geod_length(points[:cut]) + geod_length(points[cut:])
    assert abs(stored - walked) / walked < 0.005
    assert sql_value(
        city.url,
        "SELECT count(*) FROM patrol_point WHERE patrol_id = %s"
        " AND elevation_m BETWEEN 3 AND 12 AND accuracy_m IS NULL",
        patrol["id"],
    ) == len(points)


def test_times_keep_their_offset_and_a_time_without_one_is_the_citys(city: City) -> None:
    _, line = city.routes[1]
    points = walk_along(line, MORNING)[:20]
    jst = [p.at.astimezone(UTC) + timedelta(hours=JST) for p in points]
    data = gpx_file(
        [
            (
                "オフセット付き",
                [
                    [
                        trkpt(p, f"{t:%Y-%m-%dT%H:%M:%S}.250+09:00")
                        for p, t in zip(points, jst, strict=True)
                    ]
                ],
            ),
            # A logger set to local time writes no offset: it is Asia/Tokyo.
            (
                "現地時刻",
                [[trkpt(p, f"{t:%Y-%m-%dT%H:%M:%S}") for p, t in zip(points, jst, strict=True)]],
            ),
        ]
    )
    answer = upload(signed_in(city.member), city.group_id, "times.gpx", data)
    assert answer.status_code == 201, answer.text
    with_offset, local = answer.json()["patrols"]
    assert with_offset["kind"] == "patrol"  # no kind sent, none in the file
    assert datetime.fromisoformat(local["started_at"]) == MORNING
    assert datetime.fromisoformat(with_offset["started_at"]) == MORNING + timedelta(
        milliseconds=250
    )


def test_a_zip_of_two_files_and_three_tracks_gives_three_patrols(city: City) -> None:
    (_t1, first), (_t2, second), (_, third) = city.routes
    monday = walk_along(first, MORNING)
    tuesday = walk_along(second, MORNING + timedelta(days=1))
    evening = walk_along(third, MORNING + timedelta(days=1, hours=10))
    data = zipped(
        {
            "walks/monday.gpx": gpx_file([(None, [[trkpt(p) for p in monday]])]),
            "walks/tuesday.gpx": gpx_file(
                [
                    ("火曜 登校", [[trkpt(p) for p in tuesday]]),
                    ("火曜 下校", [[trkpt(p) for p in evening]]),
                ],
                extra=f'<wpt lat="{monday[0].lat}" lon="{monday[0].lon}"><name>集合</name></wpt>',
            ),
            "__MACOSX/walks/._monday.gpx": b"\x00\x05\x16\x07 resource fork",
            "walks/README.txt": "ガーミンから書き出し".encode(),
        }
    )
    answer = upload(signed_in(city.member), city.group_id, "week.zip", data)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    titles = [p["title"] for p in body["patrols"]]
    # The untitled track is named after its file and day (JST).
    assert titles == ["monday（2026-12-07）", "火曜 登校", "火曜 下校"]
    assert [p["track"]["points"] for p in body["patrols"]] == [
        len(monday),
        len(tuesday),
        len(evening),
    ]
    notes = " ".join(n["message_en"] for n in body["notes"])
    assert "README.txt" in notes and "waypoints" in notes
    assert "__MACOSX" not in notes
    assert city.patrols() == 3


def test_the_same_upload_sent_again_with_its_key_is_stored_once(city: City) -> None:
    _, line = city.routes[0]
    data = gpx_file([("朝", [[trkpt(p) for p in walk_along(line, MORNING)[:30]]])])
    member = signed_in(city.member)
    member.headers["Idempotency-Key"] = "gpx-upload-0001"
    first = upload(member, city.group_id, "a.gpx", data)
    again = upload(member, city.group_id, "a.gpx", data)
    assert first.status_code == again.status_code == 201, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["patrols"] == first.json()["patrols"]
    assert city.patrols() == 1
    other = upload(member, city.group_id, "a.gpx", data, participants="2")
    assert other.status_code == 422, other.text


def test_a_japanese_loggers_shift_jis_file_is_read(city: City) -> None:
    points = walk_along(city.routes[0][1], MORNING)[:20]
    data = gpx_file([("朝の見守り（和田小）", [[trkpt(p) for p in points]])]).replace(
        b'encoding="UTF-8"', b'encoding="Shift_JIS"'
    )
    sjis = data.decode().encode("shift_jis")
    answer = upload(signed_in(city.member), city.group_id, "kashmir.gpx", sjis)
    assert answer.status_code == 201, answer.text
    assert answer.json()["patrols"][0]["title"] == "朝の見守り（和田小）"


# --- and out again -----------------------------------------------------------------------


def test_a_round_trip_keeps_every_point_time_and_elevation(city: City) -> None:
    _, line = city.routes[2]
    points = walk_along(line, MORNING)
    # A phone's app writes milliseconds; some fixes have them, some do not.
    times = [
        f"{p.at:%Y-%m-%dT%H:%M:%S}.{(i * 137) % 1000:03d}Z" if i % 3 else utc(p.at)
        for i, p in enumerate(points)
    ]
    cut = len(points) // 3
    sent = gpx_file(
        [
            (
                "夜間パトロール",
                [
                    [trkpt(p, t) for p, t in zip(points[:cut], times[:cut], strict=True)],
                    [trkpt(p, t) for p, t in zip(points[cut:], times[cut:], strict=True)],
                ],
            )
        ]
    )
    member = signed_in(city.member)
    answer = upload(member, city.group_id, "night.gpx", sent, kind="patrol")
    assert answer.status_code == 201, answer.text
    patrol_id = answer.json()["patrols"][0]["id"]
    # An observation on the way, as the walk page sends it: it goes out as a waypoint.
    observed = member.post(
        f"/api/patrols/{patrol_id}/observations",
        data={
            "note": "街灯が切れている\n電柱番号 焼津123",
            "lon": repr(points[5].lon),
            "lat": repr(points[5].lat),
            "observed_at": points[5].at.isoformat(),
        },
        headers={"Idempotency-Key": "observation-0001"},
    )
    assert observed.status_code == 201, observed.text
    download = member.get(f"/api/patrols/{patrol_id}/gpx")
    assert download.status_code == 200, download.text
    assert download.headers["content-type"].startswith("application/gpx+xml")
    disposition = download.headers["content-disposition"]
    assert disposition.startswith(f'attachment; filename="patrol-{patrol_id}-20261207.gpx"')
    assert "filename*=UTF-8''%E5%A4%9C%E9%96%93" in disposition  # 夜間…
    back = gpxpy.parse(download.text)
    original = gpxpy.parse(sent.decode())
    [trk] = back.tracks
    assert trk.name == "夜間パトロール" and trk.type == "patrol"
    assert [len(s.points) for s in trk.segments] == [cut, len(points) - cut]
    got = [(p.longitude, p.latitude, p.time, p.elevation) for s in trk.segments for p in s.points]
    want = [
        (p.longitude, p.latitude, p.time, p.elevation)
        for s in original.tracks[0].segments
        for p in s.points
    ]
    assert got == want  # every coordinate, time (to the millisecond) and elevation, exactly
    assert "T22:20:00Z" in download.text and ".137Z" in download.text
    [wpt] = back.waypoints
    assert wpt.name == "街灯が切れている"
    assert wpt.description == "街灯が切れている\n電柱番号 焼津123"
    assert wpt.time == points[5].at
    # And the downloaded file uploads again as the same walk.
    again = upload(member, city.group_id, "night-again.gpx", download.content)
    assert again.status_code == 201, again.text
    [copy] = again.json()["patrols"]
    assert copy["track"] == answer.json()["patrols"][0]["track"]
    assert copy["kind"] == "patrol" and copy["title"] == "夜間パトロール"


def test_a_patrol_drawn_without_times_downloads_as_its_lines(city: City) -> None:
    """A patrol sent through the API as a drawn route (no track): one <trkseg> per line,
    points without times."""
    lines = [list(city.routes[0][1].coords), list(city.routes[1][1].coords)]
    member = signed_in(city.member)
    made = member.post(
        f"/api/groups/{city.group_id}/patrols",
        json={
            "title": "通学路の確認",
            "kind": "safety_walk",
            "started_at": "2026-12-07T15:00:00+09:00",
            "route": {"type": "MultiLineString", "coordinates": lines},
        },
    )
    assert made.status_code == 201, made.text
    back = gpxpy.parse(member.get(f"/api/patrols/{made.json()['id']}/gpx").text)
    [trk] = back.tracks
    assert trk.type == "safety_walk"
    got = [[(p.longitude, p.latitude) for p in s.points] for s in trk.segments]
    assert got == [[tuple(c) for c in line] for line in lines]
    assert all(p.time is None for s in trk.segments for p in s.points)


# --- broken files, refused whole ------------------------------------------------------------


def _good(city: City) -> list[Point]:
    return walk_along(city.routes[0][1], MORNING)[:10]


def _broken(city: City) -> dict[str, tuple[str, bytes, str]]:
    """name -> (file name, content, words the refusal must contain)."""
    good = _good(city)
    pts = [trkpt(p) for p in good]
    outside = [trkpt(Point(-0.1276, 51.5072, p.at, 10.0)) for p in good]  # London
    swapped = [trkpt(Point(p.lat, p.lon, p.at, p.ele)) for p in good]
    backwards = [trkpt(p) for p in good[:5]] + [trkpt(good[8])] + [trkpt(p) for p in good[6:8]]
    untimed = [*pts[:4], trkpt(good[4], ""), *pts[5:]]
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
        b']><gpx version="1.1"><trk><name>&c;</name></trk></gpx>'
    )
    kml = b'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document/></kml>'
    return {
        "not xml": ("photo.gpx", b"\xff\xd8\xff\xe0 a JPEG, not XML", "not XML"),
        "not gpx": ("route.gpx", kml, "not a GPX file"),
        "no tracks": ("empty.gpx", gpx_file([]), "no track"),
        "no points": ("blank.gpx", gpx_file([("空", [[]])]), "no track"),
        "a point without a time": (
            "notime.gpx",
            gpx_file([("朝", [untimed])]),
            "point 5 has no time",
        ),
        "outside Japan": ("london.gpx", gpx_file([("朝", [outside])]), "track point 1"),
        "swapped": ("swapped.gpx", gpx_file([("朝", [swapped])]), "swapped"),
        "times going back": ("back.gpx", gpx_file([("朝", [backwards])]), "track point 7"),
        "unreadable time": (
            "badtime.gpx",
            gpx_file([("朝", [[trkpt(good[0], "07:20")]])]),
            "unreadable time '07:20'",
        ),
        "billion laughs": ("laughs.gpx", laughs, "DOCTYPE"),
        "a coordinate that is no number": (
            "north.gpx",
            gpx_file(
                [("朝", [[*pts[:2], pts[2].replace(f'lat="{good[2].lat!r}"', 'lat="north"')]])]
            ),
            "point 3 has lat 'north', not a number",
        ),
        "unknown encoding": (
            "enc.gpx",
            gpx_file([("朝", [pts])]).replace(b'"UTF-8"', b'"x-no-such-code"'),
            "unreadable character encoding 'x-no-such-code'",
        ),
        "an impossible time": (
            "year1.gpx",
            gpx_file([("朝", [[trkpt(good[0], "0001-01-01T00:00:00+09:00")]])]),
            "point 1 has an impossible time",
        ),
        "a zip that is not one": (
            "week.zip",
            b"PK\x03\x04 but nothing after",
            "not a readable zip",
        ),
        "a zip without gpx": ("photos.zip", zipped({"a.jpg": b"\xff\xd8"}), "no .gpx"),
        # One good file and one broken: nothing of the zip is stored.
        "one broken file in a zip": (
            "week.zip",
            zipped({"mon.gpx": gpx_file([("朝", [pts])]), "tue.gpx": b"<gpx><trk>"}),
            "week.zip/tue.gpx: not XML",
        ),
    }


CASES = [
    "not xml",
    "not gpx",
    "no tracks",
    "no points",
    "a point without a time",
    "outside Japan",
    "swapped",
    "times going back",
    "unreadable time",
    "billion laughs",
    "a coordinate that is no number",
    "unknown encoding",
    "an impossible time",
    "a zip that is not one",
    "a zip without gpx",
    "one broken file in a zip",
]


def test_every_broken_file_is_refused_naming_it_and_nothing_is_stored(city: City) -> None:
    member = signed_in(city.member)
    broken = _broken(city)
    assert sorted(broken) == sorted(CASES)
    for case in CASES:
        name, data, words = broken[case]
        answer = upload(member, city.group_id, name, data)
        assert 400 <= answer.status_code < 500, (case, answer.status_code, answer.text)
        problem = answer.json()
        assert name.split("/")[0] in problem["detail"], (case, problem)
        assert words in problem["detail"], (case, problem["detail"])
        assert name.split("/")[0] in problem["detail_ja"], (case, problem)
        assert city.patrols() == 0, case


def test_too_large_files_and_zip_bombs_are_refused(
    city: City, monkeypatch: pytest.MonkeyPatch
) -> None:
    from layers.store.settings import get_settings

    points = walk_along(city.routes[0][1], MORNING)
    one = gpx_file([("朝", [[trkpt(p) for p in points]])])
    limit = len(one) * 3 // 2
    monkeypatch.setenv("MACHIMAP_GPX_MAX_BYTES", str(limit))
    get_settings.cache_clear()
    member = signed_in(city.member)
    big = gpx_file([("朝", [[trkpt(p) for p in points] * 3])])
    answer = upload(member, city.group_id, "big.gpx", big)
    assert answer.status_code == 413, answer.text
    assert "big.gpx" in answer.json()["detail"]
    # A zip far smaller than the limit that unpacks far beyond it (whitespace compresses a
    # thousandfold): refused by its sizes before anything is unpacked.
    padded = gpx_file([]).replace(b"<metadata>", b" " * 5_000_000 + b"<metadata>")
    bomb = zipped({"bomb.gpx": padded})
    assert len(bomb) < limit
    answer = upload(member, city.group_id, "bomb.zip", bomb)
    assert answer.status_code == 413, answer.text
    assert "bomb.zip" in answer.json()["detail"]
    # Two files each within the limit, together beyond it.
    answer = upload(member, city.group_id, "two.zip", zipped({"a.gpx": one, "b.gpx": one}))
    assert answer.status_code == 413, answer.text
    assert city.patrols() == 0
    # The whole request is limited at the edge, before the form is read.
    answer = upload(member, city.group_id, "huge.gpx", b" " * (limit + 1_100_000))
    assert answer.status_code == 413
    assert answer.json()["limit_bytes"] == limit + 1_000_000
    assert city.patrols() == 0


def test_a_form_without_a_file_or_with_a_wrong_kind_is_refused(city: City) -> None:
    member = signed_in(city.member)
    url = f"/api/groups/{city.group_id}/patrols/gpx"
    answer = member.post(url, data={"kind": "patrol"}, files={"other": ("a.txt", b"x")})
    assert answer.status_code == 400 and "file" in answer.json()["detail"]
    data = gpx_file([("朝", [[trkpt(p) for p in _good(city)]])])
    answer = upload(member, city.group_id, "a.gpx", data, kind="picnic")
    assert answer.status_code == 400 and answer.json()["parameter"] == "kind"
    answer = upload(member, city.group_id, "a.gpx", data, participants="0")
    assert answer.status_code == 400 and answer.json()["parameter"] == "participants"
    assert json.loads(member.post(url, json={"file": "x"}).text)["status"] == 400
    assert city.patrols() == 0
