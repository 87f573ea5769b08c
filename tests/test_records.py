"""Records attached to map features: a facility's inspections, a hazard's reports and the
patrol observations made about it, newest first, each caller seeing only what is theirs to
see, and never a resident's personal data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from layers.store.db import libpq_url
from tests.conftest import Person, make_person, new_client, signed_in, sql_value

REPORTER_NAME = "通報者レコード太郎"
CONTACT_EMAIL = "records.contact.4b1d@example.jp"
CONTACT_PHONE = "090-4444-1234"
ORIGINAL_TEXT = "ORIGINAL-4b1d 山田さん宅の前の道路"
FINDINGS = "INTERNAL-9c2e 屋上防水の劣化、来年度予算で対応"
LONG_NOTE = "交差点の北側で生け垣が伸びて見通しが悪い。" * 6
PERSONAL = (REPORTER_NAME, CONTACT_EMAIL, CONTACT_PHONE, ORIGINAL_TEXT, "4b1d", "4444-1234")


@dataclass
class Town:
    url: str
    facility: int
    demo_inspection_day: str
    hazard: int
    reports: dict[str, str]  # what -> public_id
    patrol: int
    observation: int
    staff: Person
    member_a: Person
    member_b: Person

    def records(self, client: TestClient, layer: str, feature: int, **query: Any) -> Any:
        response = client.get(f"/api/layers/{layer}/features/{feature}/records", params=query)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def town(demo_url: str) -> Town:
    # A facility whose one building has one inspection in the demo: a 12条 of its 本館.
    demo = (
        "SELECT {} FROM inspection i JOIN facility_building b ON b.id = i.subject_id "
        "WHERE i.subject_layer = 'facility_building' AND i.kind = 'building_article12' "
        "AND (SELECT count(*) FROM inspection j JOIN facility_building c ON c.id = j.subject_id "
        "AND j.subject_layer = 'facility_building' WHERE c.facility_id = b.facility_id) = 1 "
        "ORDER BY i.id LIMIT 1"
    )
    facility = sql_value(demo_url, demo.format("b.facility_id"))
    day = sql_value(demo_url, demo.format("i.inspected_on::text"))
    group_a, group_b = (
        sql_value(demo_url, "SELECT id FROM community_group ORDER BY id OFFSET %s LIMIT 1", n)
        for n in (0, 1)
    )
    reporter = make_person("reporter@example.jp")
    point = "ST_SetSRID(ST_MakePoint(138.3187, 34.8669), 4326)"
    with psycopg.connect(libpq_url(demo_url)) as conn:

        def one(sql: str, *args: object) -> Any:
            row = conn.execute(sql.encode(), args).fetchone()
            assert row is not None
            return row[0]

        conn.execute(
            b"UPDATE user_account SET display_name = %s WHERE id = %s",
            (REPORTER_NAME, reporter.id),
        )
        for kind, when, grade, findings in (
            ("daily", "2026-10-20", "B", "異常なし"),
            ("building_article12", "2023-06-01", "C", FINDINGS),
        ):
            one(
                "INSERT INTO inspection (subject_layer, subject_id, kind, inspected_on, "
                "overall_grade, findings) VALUES ('facility', %s, %s, %s, %s, %s) RETURNING id",
                facility,
                kind,
                when,
                grade,
                findings,
            )
        hazard = one(
            f"INSERT INTO hazard (kind, title, geom) VALUES ('road_damage', '舗装の穴', {point}) "
            "RETURNING id"
        )
        reports = {}
        # what, category, public, status, created, attached through
        for what, category, public, status, created, via in (
            ("public", "road_damage", True, "in_progress", "2026-10-01T10:00+09", "hazard_id"),
            ("unpublished", "road_damage", False, "submitted", "2026-10-02T10:00+09", "hazard_id"),
            (
                "sensitive",
                "suspicious_person",
                True,
                "accepted",
                "2026-10-03T10:00+09",
                "hazard_id",
            ),
            ("subject", "streetlight_out", True, "resolved", "2026-09-01T10:00+09", "subject"),
        ):
            public_id = f"T-{what}"
            report = one(
                "INSERT INTO report (public_id, tracking_token_hash, category_id, description, "
                "public_description, status, is_public, published_at, consent_publish, "
                "hazard_id, subject_layer, subject_id, reporter_user_id, geom, created_at) "
                "SELECT %s, 'x', id, %s, '道路の不具合', %s, %s, "
                "CASE WHEN %s THEN now() END, true, %s, %s, %s, %s, "
                f"{point}, %s FROM report_category WHERE code = %s RETURNING id",
                public_id,
                ORIGINAL_TEXT,
                status,
                public,
                public,
                hazard if via == "hazard_id" else None,
                "hazard" if via == "subject" else None,
                hazard if via == "subject" else None,
                reporter.id,
                created,
                category,
            )
            conn.execute(
                b"INSERT INTO report_contact (report_id, name, email, phone) "
                b"VALUES (%s, %s, %s, %s)",
                (report, REPORTER_NAME, CONTACT_EMAIL, CONTACT_PHONE),
            )
            reports[what] = public_id
        patrol = one(
            "INSERT INTO patrol (group_id, title, started_at) "
            "VALUES (%s, '夜間パトロール', '2026-10-05T19:00+09') RETURNING id",
            group_a,
        )
        observation = one(
            "INSERT INTO patrol_observation (patrol_id, note, subject_layer, subject_id, geom) "
            f"VALUES (%s, %s, 'hazard', %s, {point}) RETURNING id",
            patrol,
            LONG_NOTE,
            hazard,
        )
    return Town(
        url=demo_url,
        facility=int(facility),
        demo_inspection_day=str(day),
        hazard=int(hazard),
        reports=reports,
        patrol=int(patrol),
        observation=int(observation),
        staff=make_person("staff@example.jp", "staff", department="road"),
        member_a=make_person("member-a@example.jp", groups={int(group_a): "member"}),
        member_b=make_person("member-b@example.jp", groups={int(group_b): "member"}),
    )


def kinds_and_ids(body: dict[str, Any]) -> list[tuple[str, Any]]:
    return [
        (r["kind"], r["public_id"] if r["kind"] == "report" else r["id"]) for r in body["records"]
    ]


def test_a_facility_lists_its_inspections_newest_first(town: Town) -> None:
    body = town.records(new_client(), "facility", town.facility)
    assert body["feature"] == {
        "layer": "facility",
        "id": town.facility,
        "href": f"/api/layers/facility/features/{town.facility}",
        "type": "application/geo+json",
    }
    records = body["records"]
    assert [r["kind"] for r in records] == ["inspection"] * 3
    assert [r["date"] for r in records] == ["2026-10-20", town.demo_inspection_day, "2023-06-01"]
    assert [r["inspection_kind"] for r in records] == [
        "daily",
        "building_article12",
        "building_article12",
    ]
    oldest = records[2]
    assert oldest["overall_grade"] == "C"
    assert oldest["summary_ja"] == "建築基準法12条点検（敷地・構造） 総合評価C（広範囲に劣化）"
    assert oldest["summary_en"].endswith("overall grade C (widely worn)")
    assert records[0]["summary_ja"] == "日常点検 総合評価B（部分的に劣化）"
    assert [r["building"] for r in records] == [None, "本館", None]
    assert records[1]["href"] == f"/api/inspections/{records[1]['id']}"
    assert records[1]["page"] == f"/inspections/{records[1]['id']}"
    assert body["numberMatched"] == 3 and body["numberReturned"] == 3


def test_only_staff_see_inspection_findings_and_part_grades(town: Town) -> None:
    anonymous = new_client().get(f"/api/layers/facility/features/{town.facility}/records")
    assert anonymous.status_code == 200
    assert all(r["detail"] is None for r in anonymous.json()["records"])
    assert FINDINGS not in anonymous.text
    resident = signed_in(town.member_a).get(
        f"/api/layers/facility/features/{town.facility}/records"
    )
    assert FINDINGS not in resident.text

    staff = town.records(signed_in(town.staff), "facility", town.facility)["records"]
    assert staff[2]["detail"]["findings"] == FINDINGS
    demo = staff[1]["detail"]
    assert [p["part"] for p in demo["parts"]] == [
        "roof",
        "exterior_wall",
        "interior",
        "electrical",
        "mechanical",
    ]
    assert demo["next_due"] is not None


def test_a_hazard_lists_public_reports_and_staff_see_every_report(town: Town) -> None:
    public = town.records(new_client(), "hazard", town.hazard)
    assert kinds_and_ids(public) == [
        ("report", town.reports["public"]),
        ("report", town.reports["subject"]),
    ]
    first = public["records"][0]
    assert first["date"].startswith("2026-10-01")
    assert first["summary_ja"] == "道路の損傷：対応中"
    assert first["summary_en"] == "Road damage: in progress"
    assert first["href"] == f"/reports/{town.reports['public']}"
    assert public["numberMatched"] == 2

    staff = town.records(signed_in(town.staff), "hazard", town.hazard)
    assert kinds_and_ids(staff) == [
        ("report", town.reports["sensitive"]),
        ("report", town.reports["unpublished"]),
        ("report", town.reports["public"]),
        ("report", town.reports["subject"]),
    ]
    assert staff["records"][0]["summary_ja"] == "不審者：受付済み"


def test_a_patrol_observation_is_seen_only_by_the_patrols_group(town: Town) -> None:
    member = town.records(signed_in(town.member_a), "hazard", town.hazard)
    assert kinds_and_ids(member)[0] == ("patrol_observation", town.observation)
    observation = member["records"][0]
    assert observation["href"] == f"/api/patrols/{town.patrol}"
    assert observation["date"].startswith("2026-10-05")
    assert observation["summary_ja"].endswith("…") and len(observation["summary_ja"]) == 80
    assert LONG_NOTE.startswith(observation["summary_ja"][:-1])
    assert member["numberMatched"] == 3  # and the two public reports

    for outsider in (new_client(), signed_in(town.member_b), signed_in(town.staff)):
        body = town.records(outsider, "hazard", town.hazard)
        assert "patrol_observation" not in [r["kind"] for r in body["records"]]
        assert LONG_NOTE[:20] not in str(body)
    # Not even the count gives the group's patrol away.
    assert town.records(new_client(), "hazard", town.hazard)["numberMatched"] == 2


def test_pages_follow_next_and_prev_links_in_order(town: Town) -> None:
    staff = signed_in(town.staff)
    everything = town.records(staff, "hazard", town.hazard)
    first = town.records(staff, "hazard", town.hazard, limit=3)
    links = {link["rel"]: link["href"] for link in first["links"]}
    assert "prev" not in links and first["numberMatched"] == 4
    second = staff.get(links["next"]).json()
    second_links = {link["rel"]: link["href"] for link in second["links"]}
    assert "next" not in second_links and "offset=0" in second_links["prev"]
    assert kinds_and_ids(first) + kinds_and_ids(second) == kinds_and_ids(everything)
    assert second["numberReturned"] == 1


def test_a_hidden_feature_is_a_404_like_a_missing_one(town: Town) -> None:
    path = f"/api/layers/patrol/features/{town.patrol}/records"
    hidden = new_client().get(path)
    assert hidden.status_code == 404
    assert hidden.headers["content-type"].startswith("application/problem+json")
    assert signed_in(town.member_b).get(path).status_code == 404
    assert signed_in(town.member_a).get(path).status_code == 200

    missing = new_client().get("/api/layers/patrol/features/999999999/records")
    assert missing.status_code == 404
    assert set(missing.json()) == set(hidden.json())
    assert hidden.json()["detail"] == f"no feature {town.patrol} in layer 'patrol'"
    assert missing.json()["detail"] == "no feature 999999999 in layer 'patrol'"


def test_unknown_layers_and_bad_ids_are_clear_problems(town: Town) -> None:
    unknown = new_client().get("/api/layers/nope/features/1/records")
    assert unknown.status_code == 404
    assert "hazard" in unknown.json()["detail"] and "hazard" in unknown.json()["known"]
    bad = new_client().get("/api/layers/hazard/features/abc/records")
    assert bad.status_code == 400
    assert "feature_id" in bad.json()["detail"]


def test_personal_data_never_appears(town: Town) -> None:
    for client in (new_client(), signed_in(town.member_a), signed_in(town.staff)):
        for layer, feature in (("hazard", town.hazard), ("facility", town.facility)):
            text = client.get(f"/api/layers/{layer}/features/{feature}/records").text
            assert [p for p in PERSONAL if p in text] == []
