"""Inspection kinds are data (issue 18): staff read the legal and chosen intervals and the
parts graded, administrators add the city's own and change them, every rule refused with
the field named; an interval changed later leaves what was already due as it was."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import new_client, signed_in, sql_value
from tests.test_inspections import Place, article12, make_place, send


@pytest.fixture
def place(db_url: str, no_rate_limits: None) -> Place:
    return make_place(db_url)


BRIDGE: dict[str, Any] = {
    "code": "bridge",
    "name_ja": "橋りょう定期点検",
    "name_en": "Bridge inspection",
    "interval_months": 60,
    "subject_layer": "hazard",
    "grading": "parts",
    "parts": [
        {"code": "deck", "ja": "床版", "en": "Deck"},
        {"code": "bearing", "ja": "支承", "en": "Bearings"},
    ],
    "legal_basis": "道路法施行規則 第4条の5の6",
}


def test_staff_read_the_seeded_kinds(place: Place) -> None:
    listed = signed_in(place.staff).get("/api/inspections/kinds")
    assert listed.status_code == 200
    kinds = {k["code"]: k for k in listed.json()["kinds"]}
    article12 = kinds["building_article12"]
    assert article12["interval_months"] == 36 and article12["builtin"] is True
    assert article12["subject_layer"] == "facility_building" and article12["grading"] == "parts"
    assert [p["code"] for p in article12["parts"]] == [
        "roof",
        "exterior_wall",
        "interior",
        "electrical",
        "mechanical",
    ]
    assert article12["parts"][0] == {"code": "roof", "ja": "屋根・屋上", "en": "Roof"}
    assert kinds["playground"]["subject_kinds"] == ["play_equipment"]
    assert kinds["playground"]["grading"] == "jpfa"
    assert kinds["daily"]["interval_months"] is None
    assert new_client().get("/api/inspections/kinds").status_code == 401
    assert signed_in(place.resident).get("/api/inspections/kinds").status_code == 403


def test_an_administrator_adds_a_kind_and_staff_record_with_it(place: Place) -> None:
    assert signed_in(place.staff).post("/api/inspections/kinds", json=BRIDGE).status_code == 403
    admin = signed_in(place.admin)
    added = admin.post("/api/inspections/kinds", json=BRIDGE)
    assert added.status_code == 201, added.text
    assert added.json()["builtin"] is False and added.json()["interval_months"] == 60
    again = admin.post("/api/inspections/kinds", json=BRIDGE)
    assert again.status_code == 409 and again.json()["field"] == "code"
    hazard = sql_value(
        place.url,
        "INSERT INTO hazard (kind, title, severity, geom) VALUES ('road_damage', '港橋', 3, "
        "ST_SetSRID(ST_MakePoint(138.3187, 34.8669), 4326)) RETURNING id",
    )
    recorded = send(
        signed_in(place.staff),
        {
            "subject_layer": "hazard",
            "subject_id": hazard,
            "kind": "bridge",
            "inspected_on": "2026-10-01",
            "overall_grade": "B",
            "parts": [{"part": "deck", "grade": "B"}, {"part": "bearing", "grade": "A"}],
        },
    )
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["next_due"] == "2031-10-01"
    assert recorded.json()["subject"]["name"] == "港橋"


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("code", {"code": "Bridge-1"}),
        ("parts", {"parts": [BRIDGE["parts"][0], BRIDGE["parts"][0]]}),
        ("parts", {"parts": []}),  # graded by parts, with none to grade
        ("interval_months", {"interval_months": 0}),
        ("interval_months", {"interval_months": 241}),
        ("subject_layer", {"subject_layer": "castle"}),
        ("subject_kinds", {"subject_layer": "facility", "subject_kinds": ["castle"]}),
        ("department_id", {"department_id": 999999}),
    ],
)
def test_each_rule_of_a_kind_is_refused_naming_the_field(
    place: Place, field: str, changes: dict[str, Any]
) -> None:
    answer = signed_in(place.admin).post("/api/inspections/kinds", json={**BRIDGE, **changes})
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == field
    assert sql_value(place.url, "SELECT count(*) FROM inspection_kind WHERE code = 'bridge'") == 0


def test_changing_an_interval_leaves_past_due_dates_and_builtins_keep_their_subject(
    place: Place,
) -> None:
    staff, admin = signed_in(place.staff), signed_in(place.admin)
    before = send(staff, article12(place)).json()
    url = "/api/inspections/kinds/building_article12"
    assert staff.patch(url, json={"interval_months": 24}).status_code == 403
    changed = admin.patch(url, json={"interval_months": 24, "name_en": "Article 12 (site)"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["interval_months"] == 24
    assert staff.get(f"/api/inspections/{before['id']}").json()["next_due"] == "2029-10-01"
    after = send(staff, article12(place, inspected_on="2026-11-01")).json()
    assert after["next_due"] == "2028-11-01"

    moved = admin.patch(url, json={"subject_layer": "facility"})
    assert moved.status_code == 422 and moved.json()["field"] == "subject_layer"
    assert admin.patch(url, json={"code": "b12"}).status_code == 400
    assert admin.patch("/api/inspections/kinds/castle", json={"active": False}).status_code == 404
    off = admin.patch(url, json={"active": False})
    assert off.status_code == 200 and off.json()["active"] is False
    refused = send(staff, article12(place))
    assert refused.status_code == 422 and refused.json()["field"] == "kind"
