"""A resident's path: a report with a photo, refused input that stores nothing, retries that
never duplicate, duplicates nearby and support, and the tracking link."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from typer.testing import CliRunner

from tests.conftest import make_person, new_client, signed_in, sql_value
from tests.test_photos import PERSONAL, YAIZU_LAT, YAIZU_LON, assert_metadata_free, camera_jpeg

# Inside 焼津市 (the demo city), near the city hall.
LAT, LON = 34.8669, 138.3187
TOKEN = "X-Tracking-Token"


def form(**fields: Any) -> dict[str, str]:
    base = {"category": "road_damage", "description": "道路に穴があいています。"}
    base |= {"lat": str(LAT), "lon": str(LON)}
    return base | {k: str(v) for k, v in fields.items()}


def photo_file(data: bytes, name: str = "IMG_0001.jpg") -> tuple[str, tuple[str, bytes, str]]:
    return ("photos", (name, data, "image/jpeg"))


def submit(client: TestClient, files: list[Any] | None = None, **fields: Any) -> Any:
    return client.post("/api/reports", data=form(**fields), files=files or [])


def counts(url: str) -> tuple[int, int, int]:
    return (
        int(sql_value(url, "SELECT count(*) FROM report")),
        int(sql_value(url, "SELECT count(*) FROM attachment WHERE subject_layer = 'report'")),
        int(sql_value(url, "SELECT count(*) FROM report_contact")),
    )


def _files(media_dir: Path) -> set[Path]:
    return {p for p in media_dir.rglob("*") if p.is_file()}


def test_a_photo_with_gps_is_stored_without_any_metadata(demo_url: str, media_dir: Path) -> None:
    demo_photos = _files(media_dir)  # the demo safety map's
    client = new_client()
    raw = camera_jpeg()
    suggestion = client.post("/api/reports/photo-location", files={"photo": ("a.jpg", raw)})
    assert suggestion.json() == {
        "found": True,
        "lon": pytest.approx(YAIZU_LON, abs=1e-4),
        "lat": pytest.approx(YAIZU_LAT, abs=1e-4),
    }
    answer = client.post(
        "/api/reports",
        data={
            "category": "road_damage",
            "description": "舗装が割れています。",
            "use_photo_location": "true",
            "contact_email": "taro@example.jp",
            "consent_publish": "true",
        },
        files=[photo_file(raw)],
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["public_id"].startswith("R") and len(body["tracking_token"]) >= 40
    assert len(body["photos"]) == 1
    # The location came from the photo, read before the metadata was stripped.
    assert (
        sql_value(
            demo_url,
            "SELECT location_source || ':' || round(ST_X(geom)::numeric, 4) FROM report "
            "WHERE public_id = %s",
            body["public_id"],
        )
        == f"photo:{round(YAIZU_LON, 4)}"
    )
    # The stored bytes themselves: no EXIF, no camera, no GPS, no XMP, no comment.
    stored = _files(media_dir) - demo_photos
    assert len(stored) == 2  # the photo and its thumbnail
    for path in stored:
        data = path.read_bytes()
        assert_metadata_free(data)
        assert all(planted not in data for planted in PERSONAL)
    # The reporter gets their photo back through the tracking token; it is metadata-free too.
    photo = client.get(body["photos"][0]["url"])
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"
    assert b"Exif" not in photo.content
    assert Image.open(io.BytesIO(photo.content)).size == (32, 64)  # turned upright


@pytest.mark.parametrize(
    ("fields", "files", "status", "says"),
    [
        ({"lat": "35.6812", "lon": "139.7671"}, None, 422, "city"),  # 東京駅
        ({"category": "no_such_thing"}, None, 422, "no_such_thing"),
        ({"description": "   "}, None, 422, "description"),
        ({"lat": "91"}, None, 400, "lat"),
        ({"contact_email": "not-an-address"}, None, 422, "contact_email"),
        ({"notify": "true"}, None, 422, "notify"),
        ({}, [photo_file(b"GIF89a" + b"\0" * 64, "x.jpg")], 415, "JPEG"),
        ({}, [photo_file(camera_jpeg())] * 6, 413, "5"),
        (
            {"geometry": '{"type": "LineString", "coordinates": [[138.3187, 34.8669]]}'},
            None,
            422,
            "geometry",
        ),
    ],
)
def test_bad_input_is_refused_clearly_and_stores_nothing(
    demo_url: str, media_dir: Path, fields: dict[str, str], files: Any, status: int, says: str
) -> None:
    before = counts(demo_url)
    answer = submit(new_client(), files, **fields)
    assert answer.status_code == status, answer.text
    problem = answer.json()
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert problem["detail_ja"] and problem["detail"]
    assert says.lower() in (problem["detail"] + str(problem.get("errors", ""))).lower()
    assert counts(demo_url) == before


def test_an_oversized_photo_is_refused_before_it_is_read(demo_url: str) -> None:
    big = b"\xff\xd8" + b"\0" * (10 * 1024 * 1024 + 10)
    answer = submit(new_client(), [photo_file(big)])
    assert answer.status_code == 413
    assert "MB" in answer.json()["detail"]
    assert counts(demo_url)[0] == 160


def test_a_retry_with_the_same_key_returns_the_first_result(demo_url: str) -> None:
    client = new_client()
    headers = {"Idempotency-Key": "retry-3f1c-4d2a-9a77"}
    files = [photo_file(camera_jpeg())]
    first = client.post("/api/reports", data=form(), files=files, headers=headers)
    again = client.post("/api/reports", data=form(), files=files, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["public_id"] == first.json()["public_id"]
    assert again.json()["tracking_token"] == first.json()["tracking_token"]
    assert again.json()["photos"] == first.json()["photos"]
    assert sql_value(demo_url, "SELECT count(*) FROM report WHERE NOT synthetic") == 1
    assert (
        sql_value(demo_url, "SELECT count(*) FROM attachment WHERE subject_layer = 'report'") == 1
    )
    changed = client.post("/api/reports", data=form(description="別の内容"), headers=headers)
    assert changed.status_code == 422
    assert "Idempotency-Key" in changed.json()["detail"]
    assert sql_value(demo_url, "SELECT count(*) FROM report WHERE NOT synthetic") == 1


def test_a_line_report_and_a_json_report(demo_url: str) -> None:
    line = {"type": "LineString", "coordinates": [[138.3180, 34.8660], [138.3195, 34.8672]]}
    answer = new_client().post(
        "/api/reports",
        json={
            "category": "road_damage",
            "description": "この区間の舗装が全体的に傷んでいます。",
            "geometry": line,
            "location_source": "pin",
        },
    )
    assert answer.status_code == 201, answer.text
    assert (
        sql_value(
            demo_url,
            "SELECT GeometryType(geom) FROM report WHERE public_id = %s",
            answer.json()["public_id"],
        )
        == "LINESTRING"
    )


def test_the_tracking_link_shows_the_reporter_their_report_and_nobody_else(
    demo_url: str,
) -> None:
    answer = submit(
        new_client(),
        contact_name="焼津太郎",
        contact_phone="054-000-0000",
        contact_email="taro@example.jp",
        notify="true",
    )
    body = answer.json()
    url = f"/api/reports/{body['public_id']}"
    mine = new_client().get(url, headers={TOKEN: body["tracking_token"]})
    assert mine.status_code == 200
    assert mine.json()["description"] == "道路に穴があいています。"
    assert mine.json()["contact"]["name"] == "焼津太郎"
    assert mine.json()["history"][0]["to"] == "submitted"
    assert mine.headers["cache-control"] == "private, no-store"
    assert new_client().get(url).status_code == 401  # unpublished
    assert new_client().get(url, headers={TOKEN: "x" * 43}).status_code == 401
    other = signed_in(make_person("hanako@example.jp"))
    assert other.get(url).status_code == 403
    # The message in the outbox carries the tracking link.
    message = sql_value(demo_url, "SELECT body FROM notification WHERE kind = 'report_received'")
    assert body["tracking_token"] in message and body["public_id"] in message


def test_the_reporter_adds_photos_later_and_reopens_a_resolved_report(demo_url: str) -> None:
    person = make_person("reporter@example.jp")
    client = signed_in(person)
    public_id = submit(client).json()["public_id"]
    more = client.post(f"/api/reports/{public_id}/photos", files=[photo_file(camera_jpeg())])
    assert more.status_code == 201, more.text
    assert len(more.json()["photos"]) == 1
    # The answer says what the reporter may do now: not yet "not fixed", nor supporting
    # their own report.
    assert more.json()["actions"] == {"add_photos": True, "reopen": False, "support": False}
    too_early = client.post(f"/api/reports/{public_id}/reopen", json={"note": "まだ穴がある"})
    assert too_early.status_code == 409
    sql_value(
        demo_url,
        "UPDATE report SET status = 'resolved' WHERE public_id = %s RETURNING id",
        public_id,
    )
    assert client.get(f"/api/reports/{public_id}").json()["actions"]["reopen"] is True
    again = client.post(f"/api/reports/{public_id}/reopen", json={"note": "まだ穴がある"})
    assert again.status_code == 200
    assert again.json()["status"] == "accepted"
    assert again.json()["actions"]["reopen"] is False  # decided on the report as it is now
    last = again.json()["history"][-1]
    assert last["by_reporter"] is True and last["internal_note"] is None  # staff-only
    assert (
        sql_value(demo_url, "SELECT internal_note FROM report_status_change WHERE by_reporter")
        == "まだ穴がある"
    )


def test_nearby_open_reports_and_support_once_per_device(demo_url: str) -> None:
    # A published, open report of the demo city and a point right beside it.
    public_id, lon, lat = sql_value(
        demo_url,
        "SELECT ARRAY[r.public_id, ST_X(r.geom)::text, ST_Y(r.geom)::text] FROM report r "
        "JOIN report_category c ON c.id = r.category_id WHERE r.is_public "
        "AND r.status IN ('accepted', 'in_progress') AND c.code = 'streetlight_out' "
        "ORDER BY r.id LIMIT 1",
    )
    client = new_client()
    near = client.get(
        "/api/reports/nearby",
        params={"category": "streetlight_out", "lat": float(lat) + 0.0001, "lon": lon},
    ).json()
    assert near[0]["public_id"] == public_id and near[0]["distance_m"] < 50
    assert all(n["distance_m"] <= 50 for n in near)
    assert "description" not in near[0] and near[0]["public_description"]
    before = int(
        sql_value(demo_url, "SELECT supporter_count FROM report WHERE public_id = %s", public_id)
    )
    url = f"/api/reports/{public_id}/support"
    assert client.post(url).status_code == 400  # who is supporting?
    first = client.post(url, headers={"X-Device-Id": "device-5b1e-aa"}).json()
    second = client.post(url, headers={"X-Device-Id": "device-5b1e-aa"}).json()
    assert first == {"public_id": public_id, "supporter_count": before + 1, "added": True}
    assert second["added"] is False and second["supporter_count"] == before + 1
    signed = signed_in(make_person("supporter@example.jp")).post(url).json()
    assert signed["supporter_count"] == before + 2
    # An unpublished report cannot be supported (or even found) by the public.
    hidden = sql_value(demo_url, "SELECT public_id FROM report WHERE NOT is_public LIMIT 1")
    assert (
        client.post(
            f"/api/reports/{hidden}/support", headers={"X-Device-Id": "device-5b1e-aa"}
        ).status_code
        == 401
    )


def test_the_tracking_page_from_the_email_link(demo_url: str) -> None:
    body = submit(
        new_client(),
        files=[photo_file(camera_jpeg())],
        contact_email="taro@example.jp",
        notify="true",
    ).json()
    link = urlsplit(body["tracking_url"])
    # At the address the reporter used, not MACHIMAP_PUBLIC_URL's default.
    assert f"{link.scheme}://{link.netloc}" == "https://testserver"
    page = new_client().get(f"{link.path}?{link.query}")
    assert page.status_code == 200, page.text
    assert page.headers["content-type"].startswith("text/html")
    # The built page (web/track.html): its script reads the report from the API; the page
    # itself holds nothing of it, but the address holds the token, so no shared cache.
    assert page.headers["cache-control"] == "private, no-store"
    assert '<script type="module"' in page.text and "<noscript>" in page.text
    assert "道路に穴があいています。" not in page.text
    assert new_client().get(f"/reports/{body['public_id']}").status_code == 401
    # The e-mail is the one place with the absolute public address.
    message = sql_value(
        demo_url,
        "SELECT body FROM notification WHERE kind = 'report_received' AND body LIKE %s",
        f"%{body['public_id']}%",
    )
    assert f"http://127.0.0.1:8000/reports/{body['public_id']}?token=" in message


def test_the_public_page_of_a_published_report_offers_only_support(demo_url: str) -> None:
    public_id = sql_value(
        demo_url,
        "SELECT r.public_id FROM report r JOIN report_category c ON c.id = r.category_id "
        "WHERE r.is_public AND NOT c.sensitive AND r.status = 'resolved' ORDER BY r.id LIMIT 1",
    )
    page = new_client().get(f"/reports/{public_id}")
    assert page.status_code == 200 and page.headers["cache-control"] == "public, max-age=60"
    view = new_client().get(f"/api/reports/{public_id}").json()
    assert view["actions"] == {"add_photos": False, "reopen": False, "support": True}
    assert "description" not in view


def test_media_gc_removes_only_old_unreferenced_files(
    demo_url: str, media_dir: Path, cli: CliRunner
) -> None:
    from api.cli import app
    from layers.media.storage import media_store

    demo_photos = len(_files(media_dir))  # the demo safety map's, referenced and kept

    submit(new_client(), files=[photo_file(camera_jpeg())])
    store = media_store()
    orphan = store.put(b"\xff\xd8 an orphan left by a failed submission", "image/jpeg")
    fresh = store.put(b"\xff\xd8 a submission still in flight", "image/jpeg")
    old = time.time() - 3 * 86400
    os.utime(store.path(orphan), (old, old))
    dry = cli.invoke(app, ["media", "gc", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    kept = 2 + demo_photos
    assert f"kept {kept}, would remove 1" in dry.output and store.path(orphan).is_file()
    done = cli.invoke(app, ["media", "gc"])
    assert f"kept {kept}, removed 1" in done.output and "younger than 24 h: 1" in done.output
    assert not (media_dir / orphan).exists() and (media_dir / fresh).is_file()
    # The report's own photo and thumbnail are untouched and still served.
    assert len(_files(media_dir)) == 3 + demo_photos


def test_a_photo_stored_again_is_not_collected_as_an_old_orphan(demo_url: str) -> None:
    """A resubmitted photo identical to an old orphan names the orphan's file: storing it
    again makes it fresh, and gc, which listed it as old, re-checks before deleting."""
    from layers.media.storage import media_store

    store = media_store()
    data = b"\xff\xd8 the same photo, sent again after a failed submission"
    key = store.put(data, "image/jpeg")
    old = time.time() - 3 * 86400
    os.utime(store.path(key), (old, old))
    cutoff = time.time() - 86400
    listed = dict(store.files())[key]
    assert listed < cutoff  # gc's listing sees an old orphan
    assert store.put(data, "image/jpeg") == key  # ... then the resident sends it again
    assert store.path(key).stat().st_mtime > cutoff
    assert store.delete_unless_touched(key, cutoff) is False and store.path(key).is_file()
    os.utime(store.path(key), (old, old))
    assert store.delete_unless_touched(key, cutoff) is True
    assert not any(k == key for k, _ in store.files())


def test_the_vocabulary_is_what_the_server_enforces(demo_url: str) -> None:
    """The pages read statuses and limits from the API; those must be the ones applied."""
    client = new_client()
    vocabulary = client.get("/api/reports/vocabulary").json()
    statuses = {s["code"]: s for s in vocabulary["statuses"]}
    # Every status the pages offer is one the staff queue filters by (it refuses others).
    staff = signed_in(make_person("road@example.jp", "staff", department="road"))
    for code in statuses:
        assert staff.get("/api/triage/reports", params={"status": code}).status_code == 200
    assert [s for s, v in statuses.items() if v["open"]] == ["submitted", "accepted", "in_progress"]
    assert statuses["resolved"]["name_ja"] == "対応済み"
    limits = vocabulary["limits"]
    before = counts(demo_url)
    too_long = submit(client, description="あ" * (limits["text"] + 1))
    assert too_long.status_code == 400, too_long.text
    too_many = submit(client, files=[photo_file(camera_jpeg())] * (limits["photos"] + 1))
    assert too_many.status_code in (400, 413, 422), too_many.text
    assert counts(demo_url) == before
    assert submit(client, description="あ" * limits["text"]).status_code == 201
    assert "road_damage" in vocabulary["hazard_kinds"]
