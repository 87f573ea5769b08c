"""Open311 GeoReport v2, driven by the spec's own example requests: discovery, services,
POST a request with an api_key and read it back, the request list with its filters, errors
in the spec's format (XML and JSON), and FixMyStreet's servicerequestupdates. Public answers
never hold an unpublished report, a sensitive category, the original text or a contact."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from layers.store.db import libpq_url
from tests.conftest import make_person, new_client, sql_value

BASE = "/open311/v2"
JST = timezone(timedelta(hours=9))
LAT, LON = 34.8669, 138.3187
ORIGINAL = "ORIGINAL-9c1e 山田さんの家の前に穴"
INTERNAL = "INTERNAL-9c1e 業者に連絡済み"
CONTACT = ("連絡先九郎", "contact.9c1e@example.jp", "090-9999-1111")
COMMENT = "確認しました。担当課で対応します。"
SECRETS = (ORIGINAL, "ORIGINAL-9c1e", INTERNAL, "INTERNAL-9c1e", *CONTACT, "9999-1111")


@dataclass
class World:
    url: str
    write_token: str  # a resident's, with the write scope
    read_token: str  # the same resident's, read only
    staff_token: str  # road staff, read
    published: str  # public_id of a published road report
    unpublished: str
    sensitive: str  # published, but of a sensitive category


def _issue(person_id: int, scopes: list[str]) -> str:
    from layers.accounts import api_tokens
    from layers.accounts.api_tokens import Scope
    from layers.accounts.users import User
    from layers.store.db import session_scope

    with session_scope() as db:
        user = db.get(User, person_id)
        assert user is not None
        return api_tokens.issue(db, user, "open311", [Scope(s) for s in scopes]).token


@pytest.fixture
def world(db_url: str, no_rate_limits: None) -> World:
    from layers.city.identity import set_city
    from layers.store.db import session_scope

    with session_scope() as db:
        set_city(db, code="222127", name="焼津市", prefecture="静岡県", plane_zone=8)
    point = f"ST_SetSRID(ST_MakePoint({LON}, {LAT}), 4326)"
    with psycopg.connect(libpq_url(db_url)) as conn:

        def one(sql: str, *args: object) -> Any:
            row = conn.execute(sql.encode(), args).fetchone()
            assert row is not None
            return row[0]

        road = one(
            "INSERT INTO department (code, name, name_en) "
            "VALUES ('road', '道路課', 'Road Division') RETURNING id"
        )
        for code, ja, en, sensitive in (
            ("road_damage", "道路の損傷", "Road damage", False),
            ("suspicious_person", "不審者", "Suspicious person", True),
        ):
            conn.execute(
                b"INSERT INTO report_category (code, name_ja, name_en, icon, department_id, "
                b"sensitive) VALUES (%s, %s, %s, 'x', %s, %s)",
                (code, ja, en, road, sensitive),
            )
        reports = {}
        for public_id, code, public in (
            ("RPUBLIC01", "road_damage", True),
            ("RHIDDEN01", "road_damage", False),
            ("RSENSIT01", "suspicious_person", True),
        ):
            reports[public_id] = one(
                "INSERT INTO report (public_id, tracking_token_hash, category_id, description, "
                "public_description, is_public, published_at, consent_publish, department_id, "
                f"geom) SELECT %s, 'x', c.id, %s, %s, %s, %s, true, %s, {point} "
                "FROM report_category c WHERE c.code = %s RETURNING id",
                public_id,
                ORIGINAL,
                "道路に穴があります（公開文）" if public else None,
                public,
                "2026-11-01T09:00:00+09:00" if public else None,
                road,
                code,
            )
            conn.execute(
                b"INSERT INTO report_contact (report_id, name, email, phone) "
                b"VALUES (%s, %s, %s, %s)",
                (reports[public_id], *CONTACT),
            )
            conn.execute(
                b"INSERT INTO report_status_change (report_id, from_status, to_status) "
                b"VALUES (%s, NULL, 'submitted')",
                (reports[public_id],),
            )
        published = reports["RPUBLIC01"]
        conn.execute(
            b"UPDATE report SET status = 'accepted' WHERE id = %s",
            (published,),
        )
        conn.execute(
            b"INSERT INTO report_status_change (report_id, from_status, to_status, "
            b"public_comment) VALUES (%s, 'submitted', 'accepted', %s)",
            (published, COMMENT),
        )
        # An internal note alone is no public update, and its text never leaves staff.
        conn.execute(
            b"INSERT INTO report_status_change (report_id, from_status, to_status, "
            b"internal_note) VALUES (%s, 'accepted', 'accepted', %s)",
            (published, INTERNAL),
        )
        for photo, public in ((1, False), (2, True)):
            conn.execute(
                # A released photo names its public copy (migration 0008): here the photo.
                b"INSERT INTO attachment (subject_layer, subject_id, storage_key, content_type, "
                b"byte_size, sha256, is_public, public_key) VALUES ('report', %s, %s, "
                b"'image/jpeg', 1, '0', %s, CASE WHEN %s THEN %s END)",
                (published, f"photo-{photo}.jpg", public, public, f"photo-{photo}.jpg"),
            )
    resident = make_person("open311-resident@example.jp")
    staff = make_person("open311-staff@example.jp", "staff", department="road")
    return World(
        url=db_url,
        write_token=_issue(resident.id, ["read", "write"]),
        read_token=_issue(resident.id, ["read"]),
        staff_token=_issue(staff.id, ["read"]),
        published="RPUBLIC01",
        unpublished="RHIDDEN01",
        sensitive="RSENSIT01",
    )


def bearer(token: str) -> TestClient:
    client = new_client()
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def xml_of(response: Any) -> ET.Element:
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def errors_of(response: Any, fmt: str) -> list[tuple[int, str]]:
    """The spec's error list, in either format."""
    if fmt == "xml":
        root = xml_of(response)
        assert root.tag == "errors"
        return [(int(e.findtext("code", "")), e.findtext("description", "")) for e in root]
    body = response.json()
    assert isinstance(body, list)
    return [(e["code"], e["description"]) for e in body]


def post_form(**fields: str) -> dict[str, str]:
    """The spec's example POST, in 焼津市."""
    return {
        "jurisdiction_id": "222127",
        "service_code": "road_damage",
        "lat": str(LAT),
        "long": str(LON),
        "email": "smit333@example.jp",
        "device_id": "tt222111",
        "account_id": "123456",
        "first_name": "太郎",
        "last_name": "山田",
        "phone": "111111111",
        "description": "A large sinkhole is destroying the street",
        **fields,
    }


# --- discovery and services --------------------------------------------------------------


def test_discovery_and_the_service_list(world: World) -> None:
    client = new_client()
    found = client.get(f"{BASE}/discovery.json")
    assert found.status_code == 200, found.text
    endpoint = found.json()["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2")
    assert endpoint["formats"] == ["text/xml", "application/json"]
    discovery = xml_of(client.get(f"{BASE}/discovery.xml"))
    assert discovery.tag == "discovery"
    assert [f.text for f in discovery.iter("format")] == ["text/xml", "application/json"]

    # GET Service List, the spec's sample URL with our jurisdiction (地方公共団体コード).
    services = xml_of(client.get(f"{BASE}/services.xml?jurisdiction_id=222127"))
    assert services.tag == "services"
    rows = {s.findtext("service_code"): s for s in services.findall("service")}
    assert set(rows) == {"road_damage", "suspicious_person"}
    road = rows["road_damage"]
    assert road.findtext("service_name") == "道路の損傷"
    assert road.findtext("group") == "道路課"
    assert road.findtext("metadata") == "true" and road.findtext("type") == "realtime"
    assert "公開されず" in (rows["suspicious_person"].findtext("description") or "")

    english = client.get(f"{BASE}/services.json", params={"lang": "en"}).json()
    assert isinstance(english, list)
    by_code = {s["service_code"]: s for s in english}
    assert by_code["road_damage"]["service_name"] == "Road damage"
    assert by_code["road_damage"]["group"] == "Road Division"
    assert by_code["road_damage"]["metadata"] is True

    definition = client.get(f"{BASE}/services/road_damage.json").json()
    assert definition["service_code"] == "road_damage"
    assert [a["code"] for a in definition["attributes"]] == ["consent_publish"]
    assert {v["key"] for v in definition["attributes"][0]["values"]} == {"true", "false"}
    as_xml = xml_of(client.get(f"{BASE}/services/road_damage.xml"))
    assert as_xml.tag == "service_definition"
    assert as_xml.findtext("attributes/attribute/datatype") == "singlevaluelist"


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_unknown_things_are_answered_in_the_error_format(world: World, fmt: str) -> None:
    client = new_client()
    cases = {
        f"{BASE}/services/no_such.{fmt}": 404,
        f"{BASE}/services.{fmt}?jurisdiction_id=tokyo.example": 404,
        f"{BASE}/tokens/123456.{fmt}": 404,
        f"{BASE}/requests/RNOTHERE1.{fmt}": 404,
        f"{BASE}/requests.{fmt}?service_code=no_such": 400,
        f"{BASE}/requests.{fmt}?status=pending": 400,
        f"{BASE}/requests.{fmt}?page_size=5000": 400,
        # More than 90 days apart, and a datetime without its time zone.
        f"{BASE}/requests.{fmt}?start_date=2010-01-01T00:00:00Z&end_date=2010-06-24T00:00:00Z": (
            400
        ),
        f"{BASE}/requests.{fmt}?start_date=2010-05-24T00:00:00": 400,
    }
    for path, status in cases.items():
        answer = client.get(path)
        assert answer.status_code == status, (path, answer.text)
        errors = errors_of(answer, fmt)
        assert errors and all(code == status for code, _ in errors), path
        assert all(" / " in text for _, text in errors), "Japanese / English"
    bad = errors_of(client.get(f"{BASE}/requests.{fmt}?service_code=no_such"), fmt)
    assert "service_code" in bad[0][1] and "no_such" in bad[0][1]
    # A format that does not exist: 404, in JSON.
    other = client.get(f"{BASE}/services.html")
    assert other.status_code == 404 and errors_of(other, "json")[0][0] == 404


# --- POST a request and read it back -------------------------------------------------------


def test_a_posted_request_is_read_back_by_its_id(world: World) -> None:
    anonymous = new_client()
    answer = anonymous.post(
        f"{BASE}/requests.json",
        data=post_form(
            api_key=world.write_token,
            description="<p>A large <b>sinkhole</b></p><script>alert(1)</script> &amp; more",
            **{"attribute[consent_publish]": "true", "attribute[WHISPAWN]": "123456"},
        ),
    )
    assert answer.status_code == 201, answer.text
    [created] = answer.json()
    request_id = created["service_request_id"]
    assert isinstance(request_id, str) and request_id.startswith("R")
    assert created["account_id"] is None and created["service_notice"]
    stored = sql_value(
        world.url,
        "SELECT json_build_object('source', r.source, 'description', r.description, "
        "'consent', r.consent_publish, 'reporter', u.email, 'name', k.name, 'email', k.email, "
        "'phone', k.phone) FROM report r JOIN user_account u ON u.id = r.reporter_user_id "
        "JOIN report_contact k ON k.report_id = r.id WHERE r.public_id = %s",
        request_id,
    )
    assert stored == {
        "source": "open311",
        "description": "A large sinkhole & more",
        "consent": True,
        "reporter": "open311-resident@example.jp",
        "name": "山田 太郎",
        "email": "smit333@example.jp",
        "phone": "111111111",
    }

    # Not published yet: the public gets the same 404 as for a report that does not exist.
    hidden = anonymous.get(f"{BASE}/requests/{request_id}.json")
    assert hidden.status_code == 404
    assert errors_of(hidden, "json")[0][0] == 404
    # Staff read it, still without the original text or the contact.
    staff = bearer(world.staff_token).get(f"{BASE}/requests/{request_id}.json")
    assert staff.status_code == 200, staff.text
    assert staff.headers["cache-control"] == "private, no-store"
    [row] = staff.json()
    assert row["service_request_id"] == request_id and row["status"] == "open"
    assert row["description"] is None and row["agency_responsible"] == "道路課"
    assert row["lat"] == pytest.approx(LAT) and row["long"] == pytest.approx(LON)
    assert "sinkhole" not in staff.text and "smit333" not in staff.text

    with psycopg.connect(libpq_url(world.url)) as conn:
        conn.execute(
            b"UPDATE report SET is_public = true, published_at = now(), "
            b"public_description = %s WHERE public_id = %s",
            ("道路が陥没しています。", request_id),
        )
    seen = xml_of(anonymous.get(f"{BASE}/requests/{request_id}.xml"))
    assert seen.tag == "service_requests"
    [request] = seen.findall("request")
    assert request.findtext("service_request_id") == request_id
    assert request.findtext("description") == "道路が陥没しています。"
    assert request.findtext("service_code") == "road_damage"
    assert request.findtext("requested_datetime", "").endswith("+09:00")
    assert [child.tag for child in request][:3] == ["service_request_id", "status", "status_notes"]


def test_a_program_posting_with_bearer_follows_its_own_request(world: World) -> None:
    """What the README tells programs to send (Authorization: Bearer) is taken for api_key,
    and the reporter can follow the request the public cannot see yet."""
    poster = bearer(world.write_token)
    answer = poster.post(f"{BASE}/requests.json", data=post_form())
    assert answer.status_code == 201, answer.text
    [created] = answer.json()
    request_id, token = created["service_request_id"], created["token"]
    assert token and created["tracking_url"] == (
        f"https://testserver/reports/{request_id}?token={token}"
    )
    assert new_client().get(f"{BASE}/requests/{request_id}.json").status_code == 404

    # Its reporter reads it: with the account's read token, or with the tracking token.
    own = bearer(world.read_token).get(f"{BASE}/requests/{request_id}.json")
    assert own.status_code == 200, own.text
    assert own.json()[0]["service_request_id"] == request_id
    by_token = new_client().get(f"{BASE}/requests/{request_id}.json", params={"token": token})
    assert by_token.status_code == 200, by_token.text
    assert by_token.headers["cache-control"] == "private, no-store"
    assert by_token.json()[0]["status"] == "open"
    wrong = new_client().get(f"{BASE}/requests/{request_id}.json", params={"token": "x" * 40})
    assert wrong.status_code == 404
    # Another report is not opened by this token.
    other = new_client().get(f"{BASE}/requests/{world.unpublished}.json", params={"token": token})
    assert other.status_code == 404

    # GET tokens/{token}, as the spec has it, in both formats; the tracking page opens.
    found = new_client().get(f"{BASE}/tokens/{token}.json")
    assert found.status_code == 200 and found.json() == [
        {"service_request_id": request_id, "token": token}
    ]
    [row] = xml_of(new_client().get(f"{BASE}/tokens/{token}.xml")).findall("request")
    assert row.findtext("service_request_id") == request_id
    assert new_client().get(f"{BASE}/tokens/not-a-token.json").status_code == 404
    link = created["tracking_url"].removeprefix("https://testserver")
    page = new_client().get(link)
    assert page.status_code == 200 and "<noscript>" in page.text  # the built tracking page
    # Its script reads the request through the same token, as the reporter.
    view = new_client().get(f"/api/reports/{request_id}", params={"token": token}).json()
    assert view["public_id"] == request_id and view["actions"]["add_photos"] is True


def test_discovery_names_where_the_request_came(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from layers.store.settings import get_settings

    endpoint = new_client().get(f"{BASE}/discovery.json").json()["endpoints"][0]
    assert endpoint["url"] == "https://testserver/open311/v2"  # not the setting's default
    monkeypatch.setenv("MACHIMAP_PUBLIC_URL", "https://map.city.yaizu.example")
    get_settings.cache_clear()
    try:
        endpoint = new_client().get(f"{BASE}/discovery.json").json()["endpoints"][0]
        assert endpoint["url"] == "https://map.city.yaizu.example/open311/v2"
    finally:
        monkeypatch.delenv("MACHIMAP_PUBLIC_URL")
        get_settings.cache_clear()


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_post_refusals_store_nothing(world: World, fmt: str) -> None:
    client = new_client()
    url = f"{BASE}/requests.{fmt}"
    cases: list[tuple[dict[str, str], int, str]] = [
        (post_form(), 403, "api_key"),
        (post_form(api_key="mm_not-a-real-token"), 403, "api_key"),
        (post_form(api_key=world.read_token), 403, "write"),
        (post_form(api_key=world.write_token, service_code="no_such"), 400, "service_code"),
        (post_form(api_key=world.write_token, service_code=""), 400, "service_code"),
        (
            post_form(api_key=world.write_token, lat="", long="", address_string="1234 5th"),
            400,
            "lat",
        ),
        (post_form(api_key=world.write_token, lat="north"), 400, "lat"),
        (post_form(api_key=world.write_token, description="あ" * 4001), 400, "4000"),
        (post_form(api_key=world.write_token, email="not-an-address"), 400, "mail"),
        (
            post_form(api_key=world.write_token, **{"attribute[consent_publish]": "maybe"}),
            400,
            "consent_publish",
        ),
        (post_form(api_key=world.write_token, jurisdiction_id="sfgov.org"), 404, "jurisdiction"),
    ]
    for form, status, mentioned in cases:
        answer = client.post(url, data=form)
        assert answer.status_code == status, (form, answer.text)
        [(code, text)] = errors_of(answer, fmt)
        assert code == status and mentioned in text, (form, text)
    # A key in the URL would end up in access logs: refused, saying where it belongs.
    in_url = client.post(f"{url}?api_key={world.write_token}", data=post_form())
    assert in_url.status_code == 403 and "URL" in errors_of(in_url, fmt)[0][1]
    # Open311 bodies are forms; JSON is refused before anything else is looked at.
    as_json = client.post(url, json=post_form(api_key=world.write_token))
    assert as_json.status_code == 400
    assert int(sql_value(world.url, "SELECT count(*) FROM report")) == 3


def test_media_url_is_not_fetched_and_the_notice_says_so(world: World) -> None:
    answer = new_client().post(
        f"{BASE}/requests.json",
        data=post_form(
            api_key=world.write_token,
            media_url="http://169.254.169.254/latest/meta-data/",
            description="",
        ),
    )
    assert answer.status_code == 201, answer.text
    [created] = answer.json()
    assert "media_url" in created["service_notice"]
    request_id = created["service_request_id"]
    assert f"/api/reports/{request_id}/photos" in created["service_notice"]
    assert int(sql_value(world.url, "SELECT count(*) FROM attachment")) == 2
    # No description: the report says what kind it is.
    assert (
        sql_value(world.url, "SELECT description FROM report WHERE public_id = %s", request_id)
        == "道路の損傷"
    )


# --- the request list ----------------------------------------------------------------------


def test_the_public_list_holds_only_published_reports_of_public_categories(
    world: World,
) -> None:
    client = new_client()
    listed = client.get(f"{BASE}/requests.json")
    assert listed.status_code == 200, listed.text
    assert listed.headers["access-control-allow-origin"] == "*"
    assert listed.headers["cache-control"].startswith("public")
    rows = listed.json()
    assert isinstance(rows, list)
    assert [r["service_request_id"] for r in rows] == [world.published]
    [row] = rows
    assert row["status"] == "open"
    assert row["status_notes"] == COMMENT
    assert row["description"] == "道路に穴があります（公開文）"
    assert row["service_name"] == "道路の損傷" and row["agency_responsible"] == "道路課"
    assert row["expected_datetime"] is None
    # The released photo (the other one was not released), as an absolute URL.
    assert row["media_url"].startswith(f"https://testserver/api/reports/{world.published}/")
    photo_id = int(row["media_url"].rsplit("/", 1)[1])
    assert sql_value(world.url, "SELECT is_public FROM attachment WHERE id = %s", photo_id)
    for text in (listed.text, client.get(f"{BASE}/requests.xml").text):
        assert not [s for s in SECRETS if s in text]

    # Asking by id does not get round it: the others are simply not there.
    ids = f"{world.published},{world.unpublished},{world.sensitive}"
    by_id = client.get(f"{BASE}/requests.json", params={"service_request_id": ids}).json()
    assert [r["service_request_id"] for r in by_id] == [world.published]
    for hidden in (world.unpublished, world.sensitive):
        assert client.get(f"{BASE}/requests/{hidden}.xml").status_code == 404

    # A resident's own token reads no more than the public.
    mine = bearer(world.read_token).get(f"{BASE}/requests.json").json()
    assert [r["service_request_id"] for r in mine] == [world.published]
    # Staff read all three, and still no original text, contact or internal note.
    staff = bearer(world.staff_token).get(f"{BASE}/requests.xml")
    assert staff.status_code == 200
    listed_ids = {r.findtext("service_request_id") for r in xml_of(staff).iter("request")}
    assert listed_ids == {world.published, world.unpublished, world.sensitive}
    assert not [s for s in SECRETS if s in staff.text]


def test_the_list_filters_of_the_spec(world: World) -> None:
    client = new_client()

    def ids(**params: str) -> list[str]:
        answer = client.get(f"{BASE}/requests.json", params=params)
        assert answer.status_code == 200, answer.text
        return [r["service_request_id"] for r in answer.json()]

    # The spec's sample: May–June 2010 holds nothing here.
    assert ids(start_date="2010-05-24T00:00:00Z", end_date="2010-06-24T00:00:00Z") == []
    assert ids(status="open") == [world.published]
    assert ids(status="closed") == []
    assert ids(status="open,closed") == [world.published]
    assert ids(service_code="road_damage,suspicious_person") == [world.published]
    assert ids(service_code="suspicious_person") == []
    # The jurisdiction: the 地方公共団体コード, or the host of MACHIMAP_PUBLIC_URL.
    assert ids(jurisdiction_id="222127") == ids(jurisdiction_id="127.0.0.1") == [world.published]
    with psycopg.connect(libpq_url(world.url)) as conn:
        conn.execute(
            b"UPDATE report SET status = 'closed_not_responsible', "
            b"responsible_party = %s WHERE public_id = %s",
            ("静岡国道事務所", world.published),
        )
    [closed] = client.get(f"{BASE}/requests.json", params={"status": "closed"}).json()
    assert closed["status"] == "closed" and closed["agency_responsible"] == "静岡国道事務所"


def test_pages_of_the_list(world: World) -> None:
    with psycopg.connect(libpq_url(world.url)) as conn:
        conn.execute(b"UPDATE report SET is_public = true, published_at = now()")
        conn.execute(b"UPDATE report_category SET sensitive = false")
    client = new_client()
    first = client.get(f"{BASE}/requests.json", params={"page_size": "2"})
    assert len(first.json()) == 2
    assert 'rel="next"' in first.headers["link"] and "page=2" in first.headers["link"]
    second = client.get(f"{BASE}/requests.json", params={"page_size": "2", "page": "2"})
    assert len(second.json()) == 1 and "link" not in second.headers
    seen = {r["service_request_id"] for r in first.json() + second.json()}
    assert seen == {world.published, world.unpublished, world.sensitive}


def test_xml_stays_well_formed_whatever_the_text_holds(world: World) -> None:
    with psycopg.connect(libpq_url(world.url)) as conn:
        conn.execute(
            b"UPDATE report SET public_description = %s WHERE public_id = %s",
            ("<b>&穴</b>\x0bです]]>", world.published),
        )
    # An unencoded "+09:00" in a query string arrives as " 09:00": still read as the offset.
    yesterday = (datetime.now(JST) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    answer = new_client().get(f"{BASE}/requests.xml?start_date={yesterday}+09:00")
    assert answer.status_code == 200, answer.text
    [request] = xml_of(answer).findall("request")
    assert request.findtext("description") == "<b>&穴</b>です]]>"


# --- FixMyStreet's servicerequestupdates -------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_updates_carry_public_comments_never_internal_notes(world: World, fmt: str) -> None:
    answer = new_client().get(f"{BASE}/servicerequestupdates.{fmt}")
    assert answer.status_code == 200, answer.text
    if fmt == "json":
        updates = answer.json()
    else:
        root = xml_of(answer)
        assert root.tag == "service_request_updates"
        updates = [{c.tag: c.text for c in u} for u in root.findall("request_update")]
    # The published report's submission and acceptance; not the note, not the others.
    assert [(u["service_request_id"], u["external_status_code"]) for u in updates] == [
        (world.published, "OPEN"),
        (world.published, "ACTION_SCHEDULED"),
    ]
    assert updates[1]["description"] == COMMENT
    assert updates[1]["status"] == "open" and isinstance(updates[1]["update_id"], str)
    assert not [s for s in SECRETS if s in answer.text]
    staff = bearer(world.staff_token).get(f"{BASE}/servicerequestupdates.{fmt}")
    assert staff.status_code == 200 and INTERNAL not in staff.text
    assert world.unpublished in staff.text


def test_a_reporters_own_words_never_become_a_public_update(world: World) -> None:
    from layers.reports.tracking import REOPEN_COMMENT

    with psycopg.connect(libpq_url(world.url)) as conn:
        conn.execute(
            b"INSERT INTO report_status_change (report_id, from_status, to_status, "
            b"public_comment, internal_note, by_reporter) SELECT id, 'resolved', 'accepted', "
            b"%s, %s, true FROM report WHERE public_id = %s",
            ("REPORTER-9c1e まだ直っていない", "REPORTER-9c1e 隣の家の前", world.published),
        )
    client = new_client()
    updates = client.get(f"{BASE}/servicerequestupdates.json").json()
    assert updates[-1]["description"] == REOPEN_COMMENT
    assert updates[-1]["external_status_code"] == "ACTION_SCHEDULED"
    [request] = client.get(f"{BASE}/requests/{world.published}.json").json()
    assert request["status_notes"] == REOPEN_COMMENT
    for path in ("servicerequestupdates.xml", "requests.xml", "requests.json"):
        assert "REPORTER-9c1e" not in client.get(f"{BASE}/{path}").text


# --- the demo city ---------------------------------------------------------------------------


def test_the_demo_city_through_open311(demo_url: str) -> None:
    client = new_client()
    services = client.get(f"{BASE}/services.json").json()
    assert len(services) == 8
    sensitive = {"suspicious_person", "vacant_house"}
    window = {"start_date": "2026-08-15T00:00:00+09:00", "end_date": "2026-11-10T00:00:00+09:00"}
    answer = client.get(f"{BASE}/requests.xml", params=window)
    assert answer.status_code == 200, answer.text
    requests = xml_of(answer).findall("request")
    expected = sql_value(
        demo_url,
        "SELECT count(*) FROM report r JOIN report_category c ON c.id = r.category_id "
        "WHERE r.is_public AND NOT c.sensitive AND r.created_at BETWEEN %s AND %s",
        window["start_date"],
        window["end_date"],
    )
    assert len(requests) == expected > 10
    assert not {r.findtext("service_code") for r in requests} & sensitive
    assert all(r.findtext("address") for r in requests), "each report lies in a district"
    assert "@example.jp" not in answer.text and "通報者" not in answer.text
    statuses = {r.findtext("status") for r in requests}
    assert statuses <= {"open", "closed"} and len(statuses) == 2
