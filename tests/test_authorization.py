"""The authorization matrix, generated from the app's route table.

Every route is called as every kind of caller and the outcome is compared with EXPECTED,
the one table of who may do what. A route missing from the table fails the suite, and so
does a table entry without a route; removing any rule from layers/policy.py makes the
matrix fail (test_every_rule_is_load_bearing).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.permissions import api_routes, route_action
from layers.policy import RULES, Action
from tests.conftest import Person, make_person, new_client, signed_in, sql_value

# --- who is calling ----------------------------------------------------------------------

ROLES = (
    "anonymous",
    "resident",
    "unverified",  # a resident who has not confirmed the e-mail address yet
    "member_a",
    "leader_a",
    "member_b",  # a member of another group, acting on group A's things
    "staff",
    "admin",
    "token_leader_a",  # group A's leader through a read-only API token
)
ANYONE = frozenset(ROLES)
SIGNED_IN = ANYONE - {"anonymous"}
BROWSER = SIGNED_IN - {"token_leader_a"}
VERIFIED_BROWSER = BROWSER - {"unverified"}
STAFF = frozenset({"staff", "admin"})
ADMIN = frozenset({"admin"})
A_READ = frozenset({"member_a", "leader_a", "token_leader_a"})
A_WRITE = frozenset({"member_a", "leader_a"})
A_LEAD = frozenset({"leader_a"})
NOBODY: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Expect:
    allowed: frozenset[str]
    body: dict[str, Any] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)  # overrides the world's defaults
    query: str = ""
    # A successful write by a signed-in caller must leave a row in audit_log.
    audited: bool = True


# --- the one table of who may do what ------------------------------------------------------

EXPECTED: dict[str, Expect] = {
    "GET /health": Expect(ANYONE),
    "GET /health/live": Expect(ANYONE),
    "GET /health/ready": Expect(ANYONE),
    # The web pages and their built assets (data comes from the API, under its own rules).
    "GET /": Expect(ANYONE),
    "GET /report": Expect(ANYONE),
    "GET /staff": Expect(ANYONE),
    "GET /staff/planning": Expect(ANYONE),
    "GET /groups": Expect(ANYONE),
    "GET /groups/{group_id}": Expect(ANYONE),
    "GET /groups/{group_id}/maps/{map_id}": Expect(ANYONE),
    "GET /groups/{group_id}/walk": Expect(ANYONE),
    "GET /groups/walk-sw.js": Expect(ANYONE),
    "GET /safety-maps/{map_id}": Expect(ANYONE),
    "GET /inspections/{inspection_id}": Expect(ANYONE),
    "GET /assets/{name:path}": Expect(ANYONE, params={"name": "missing.js"}),
    "GET /api/layers": Expect(ANYONE),
    "GET /api/places": Expect(ANYONE, query="q=焼津"),
    "GET /api/shelters/nearest": Expect(ANYONE, query="lon=138.2985&lat=34.839&disaster=flood"),
    "GET /api/places/describe": Expect(ANYONE, query="lon=138.3185&lat=34.8664"),
    "GET /api/layers/{layer_id}": Expect(ANYONE),
    # The layers as the web map draws them (points, lines and areas together); report: the
    # privacy test plants its canary in a public report.
    "GET /api/layers/{layer_id}/features": Expect(
        ANYONE, params={"layer_id": "report"}, query="limit=1000"
    ),
    "GET /api/layers/{layer_id}/features/{feature_id}": Expect(
        ANYONE, params={"feature_id": "hazard_id"}
    ),
    "GET /api/departments": Expect(ANYONE),
    # Sign-in and e-mail link flows are open to anyone (they carry their own secret).
    "GET /auth/session": Expect(ANYONE),
    "POST /auth/login": Expect(ANYONE, audited=False),
    "POST /auth/logout": Expect(ANYONE, audited=False),
    "POST /auth/signup": Expect(frozenset({"anonymous"}), audited=False),
    "GET /auth/verify-email": Expect(ANYONE, query="token=abcdefghijklmnop"),
    "POST /auth/verify-email": Expect(ANYONE, audited=False),
    "POST /auth/password-reset": Expect(ANYONE, audited=False),
    "GET /auth/reset-password": Expect(ANYONE, query="token=abcdefghijklmnop"),
    "POST /auth/reset-password": Expect(ANYONE, audited=False),
    # One's own account; passwords and tokens only from a signed-in browser.
    "GET /api/me": Expect(SIGNED_IN),
    "GET /api/me/reports": Expect(SIGNED_IN),
    "POST /auth/password": Expect(BROWSER),
    "POST /auth/verify-email/resend": Expect(BROWSER, audited=False),
    "GET /api/me/tokens": Expect(BROWSER),
    "POST /api/me/tokens": Expect(BROWSER, body={"name": "matrix", "scopes": ["read"]}),
    "DELETE /api/me/tokens/{token_id}": Expect(BROWSER),
    # Administration.
    "POST /api/admin/departments": Expect(ADMIN, body={"code": "parks", "name": "公園緑地課"}),
    "PATCH /api/admin/departments/{department_id}": Expect(ADMIN, body={"name": "道路河川課"}),
    "GET /api/admin/users": Expect(ADMIN),
    "POST /api/admin/users": Expect(
        ADMIN,
        body={
            "email": "new-staff@example.jp",
            "display_name": "新任",
            "role": "staff",
            "department": "road",
            "password": "shiyakusho-2026-a",
        },
    ),
    "PATCH /api/admin/users/{user_id}": Expect(
        ADMIN, body={"display_name": "改名"}, params={"user_id": "resident"}
    ),
    "GET /api/admin/audit": Expect(ADMIN),
    # Staff curate the city's layers.
    "POST /api/layers/{layer_id}/features": Expect(
        STAFF,
        body={
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [138.3187, 34.8669]},
            "properties": {"kind": "road_damage", "title": "穴"},
        },
    ),
    # audited=False where the second allowed caller repeats a change that is already made:
    # the trigger logs changes, and an identical write changes nothing.
    "PATCH /api/layers/{layer_id}/features/{feature_id}": Expect(
        STAFF,
        body={"properties": {"severity": 3}},
        params={"feature_id": "hazard_id"},
        audited=False,
    ),
    "DELETE /api/layers/{layer_id}/features/{feature_id}": Expect(
        STAFF, params={"feature_id": "hazard_id"}
    ),
    # Community groups. The order matters: the resident asks to join before the membership
    # routes run, and leaves again before the group's private routes are tried.
    "GET /api/groups": Expect(ANYONE),
    "POST /api/groups": Expect(STAFF, body={"name": "港小学校おやじの会", "kind": "pta"}),
    "GET /api/groups/{group_id}": Expect(ANYONE),
    "POST /api/groups/{group_id}/join": Expect(VERIFIED_BROWSER),
    "GET /api/groups/{group_id}/members": Expect(A_READ | ADMIN),
    "PUT /api/groups/{group_id}/members/{user_id}": Expect(
        A_LEAD | ADMIN, body={"role": "member"}, params={"user_id": "resident"}, audited=False
    ),
    "DELETE /api/groups/{group_id}/members/{user_id}": Expect(
        frozenset({"resident", "leader_a", "admin"}), params={"user_id": "resident"}
    ),
    "GET /api/groups/{group_id}/safety-maps": Expect(ANYONE),
    "POST /api/groups/{group_id}/safety-maps": Expect(A_WRITE, body={"title": "通学路の危険箇所"}),
    "GET /api/safety-maps/{map_id}": Expect(A_READ),
    "PATCH /api/safety-maps/{map_id}": Expect(A_WRITE, body={"title": "改訂版"}, audited=False),
    "POST /api/safety-maps/{map_id}/publish": Expect(A_LEAD),
    "POST /api/safety-maps/{map_id}/unpublish": Expect(A_LEAD),
    "POST /api/safety-maps/{map_id}/features": Expect(
        A_WRITE,
        body={
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [138.3187, 34.8669]},
            "properties": {"kind": "hard_to_see"},
        },
    ),
    "DELETE /api/safety-maps/{map_id}/features/{feature_id}": Expect(A_WRITE),
    # Places and photos: the world's place is member_a's own, so both A_WRITE roles may
    # change it (the member as its author, the leader as leader); saving needs If-Match.
    "GET /api/safety-maps": Expect(ANYONE),
    "GET /api/safety-maps/{map_id}/features/{feature_id}": Expect(A_READ),
    "PATCH /api/safety-maps/{map_id}/features/{feature_id}": Expect(
        A_WRITE, body={"properties": {"note": "夜は暗い"}}
    ),
    "POST /api/safety-maps/{map_id}/features/{feature_id}/restore": Expect(
        A_WRITE, body={"version": 1}
    ),
    "GET /api/safety-maps/{map_id}/history": Expect(A_READ),
    "GET /api/safety-maps/{map_id}/features/{feature_id}/history": Expect(A_READ),
    "GET /api/safety-maps/{map_id}/deleted": Expect(A_READ),
    "POST /api/safety-maps/{map_id}/starting-points": Expect(A_WRITE, body={"sources": ["aed"]}),
    "POST /api/safety-maps/{map_id}/features/{feature_id}/photos": Expect(A_WRITE),
    "GET /api/safety-maps/{map_id}/print.pdf": Expect(A_READ),
    "GET /api/safety-maps/{map_id}/photos/{photo_id}": Expect(A_READ),
    "GET /api/safety-maps/{map_id}/photos/{photo_id}/thumbnail": Expect(A_READ),
    "POST /api/safety-maps/{map_id}/photos/{photo_id}/release": Expect(A_LEAD),
    "POST /api/safety-maps/{map_id}/photos/{photo_id}/withhold": Expect(A_LEAD),
    "DELETE /api/safety-maps/{map_id}/photos/{photo_id}": Expect(A_WRITE),
    "GET /api/groups/{group_id}/patrols": Expect(A_READ),
    "POST /api/groups/{group_id}/patrols": Expect(
        A_WRITE,
        body={
            "title": "夜間パトロール",
            "kind": "patrol",
            "started_at": "2026-05-01T19:00:00+09:00",
            "participants": 3,
        },
    ),
    "GET /api/patrols/{patrol_id}": Expect(A_READ),
    # Coverage: the group's own; the city's view is aggregated over groups that share it,
    # and only a leader of the group decides to share (not the city's administrators).
    "GET /api/groups/{group_id}/coverage": Expect(A_READ, query="from=2026-12-01&to=2026-12-31"),
    "GET /api/coverage": Expect(STAFF, query="from=2026-12-01&to=2026-12-31"),
    "PUT /api/groups/{group_id}/coverage-sharing": Expect(A_LEAD, body={"share": True}),
    # GPX in and out (the matrix sends JSON: the upload answers 400 to the allowed callers,
    # after the rule; real uploads are in tests/test_gpx.py).
    "POST /api/groups/{group_id}/patrols/gpx": Expect(A_WRITE),
    "GET /api/patrols/{patrol_id}/gpx": Expect(A_READ),
    "GET /api/groups/{group_id}/nearby": Expect(A_READ, query="lon=138.3187&lat=34.8669"),
    "POST /api/patrols/{patrol_id}/observations": Expect(A_WRITE),
    # The second allowed caller finds the observation already sent (409).
    "POST /api/patrol-observations/{observation_id}/report": Expect(
        A_WRITE, body={"category": "road"}
    ),
    "GET /api/patrol-observations/{observation_id}/photos/{photo_id}": Expect(
        A_READ, params={"photo_id": "observation_photo_id"}
    ),
    "GET /api/patrol-observations/{observation_id}/photos/{photo_id}/thumbnail": Expect(
        A_READ, params={"photo_id": "observation_photo_id"}
    ),
    # 通学路合同点検: the world's site is unpublished and group A names its school; the
    # matrix's staff work in the road department, which keeps the list with the education
    # department. Lists, CSV and print show each caller the sites they may read.
    "GET /api/school-route-sites": Expect(ANYONE),
    "GET /api/school-route-schools": Expect(ANYONE),
    "GET /api/school-route-sites.csv": Expect(ANYONE),
    "GET /api/school-route-sites.pdf": Expect(ANYONE),
    "GET /api/school-route-sites/{site_id}": Expect(STAFF | A_READ),
    "POST /api/school-route-sites": Expect(STAFF),
    "POST /api/school-route-sites.csv": Expect(STAFF),
    "PATCH /api/school-route-sites/{site_id}": Expect(
        STAFF, body={"properties": {"address": "本町二丁目"}}
    ),
    "PUT /api/school-route-sites/{site_id}/measures/{party}": Expect(
        STAFF, body={"measure": "ガードレール設置"}, params={"party": "road"}
    ),
    "POST /api/school-route-sites/{site_id}/links": Expect(
        STAFF, body={"layer": "hazard", "subject_id": 1}
    ),
    "DELETE /api/school-route-sites/{site_id}/links/{link_id}": Expect(STAFF),
    # The first caller unsets group A's school; the second's same choice changes nothing.
    "PUT /api/groups/{group_id}/school": Expect(
        STAFF, body={"school_facility_id": None}, audited=False
    ),
    "DELETE /api/school-route-sites/{site_id}": Expect(STAFF),
    # The facility register: staff only; a change without If-Match is a 428 (test_register).
    "GET /api/register": Expect(STAFF),
    "GET /api/register/buildings/{building_id}": Expect(STAFF),
    "POST /api/register/buildings": Expect(STAFF, body={"facility_id": 1, "name": "倉庫"}),
    "PATCH /api/register/buildings/{building_id}": Expect(STAFF, body={"note": "台帳の訂正"}),
    "DELETE /api/register/buildings/{building_id}": Expect(STAFF),
    # Inspections: staff record, list and change them (release decided inside the PATCH);
    # anyone reads one whose subject they may see (the world's: a hazard, the findings
    # withheld); administrators keep the kinds. The matrix's JSON is not the recording
    # form, so staff get past the policy to a 400 there.
    "GET /api/inspections/kinds": Expect(STAFF),
    "POST /api/inspections/kinds": Expect(
        ADMIN, body={"code": "matrix", "name_ja": "表の点検", "name_en": "Matrix"}
    ),
    "PATCH /api/inspections/kinds/{kind_code}": Expect(
        ADMIN, body={"interval_months": 6}, params={"kind_code": "other"}
    ),
    "POST /api/inspections": Expect(STAFF),
    "GET /api/inspections": Expect(STAFF),
    "GET /api/inspections/{inspection_id}": Expect(ANYONE),
    # Its printed report shows each caller what the detail shows them.
    "GET /api/inspections/{inspection_id}.pdf": Expect(ANYONE),
    "PATCH /api/inspections/{inspection_id}": Expect(STAFF, body={"follow_up": "経過観察"}),
    "GET /api/inspections/{inspection_id}/photos/{photo_id}": Expect(
        ANYONE, params={"photo_id": "inspection_photo_id"}
    ),
    "GET /api/inspections/{inspection_id}/photos/{photo_id}/thumbnail": Expect(
        ANYONE, params={"photo_id": "inspection_photo_id"}
    ),
    # Inspections: what is due and overdue, staff only (it says where the city is behind).
    "GET /api/inspections/due": Expect(STAFF),
    # Renewal planning: staff only (the register's costs and condition, the city's plans).
    "GET /api/planning/scenarios": Expect(STAFF),
    "GET /api/planning/projection": Expect(STAFF),
    "GET /api/planning/projection.csv": Expect(STAFF),
    "GET /api/planning/projection.pdf": Expect(STAFF),
    "GET /api/planning/coverage": Expect(STAFF),
    "POST /api/planning/coverage/scenario": Expect(STAFF, body={"closed": []}, audited=False),
    "GET /api/planning/coverage/suggestion": Expect(STAFF, query="k=1"),
    "POST /api/planning/coverage/suggestion": Expect(STAFF, body={"k": 1}, audited=False),
    "GET /api/planning/priority": Expect(STAFF),
    "GET /api/planning/hotspots/cells": Expect(STAFF),
    "GET /api/planning/hotspots/clusters": Expect(STAFF),
    # Vector tiles: anyone; each caller's rows come from the policy's row filter.
    "GET /tiles/style.json": Expect(ANYONE),
    "GET /tiles/glyphs/{fontstack}/{codepoints}.pbf": Expect(
        ANYONE, params={"fontstack": "BIZ UDPGothic", "codepoints": "0-255"}
    ),
    "GET /tiles/{layers}/tilejson.json": Expect(ANYONE, params={"layers": "hazard,facility"}),
    "GET /tiles/{layers}/{z}/{x}/{y}.mvt": Expect(
        ANYONE, params={"layers": "hazard,facility", "z": "14", "x": "14487", "y": "6497"}
    ),
    # Records attached to a feature: anyone, each caller seeing only the records allowed them.
    "GET /api/layers/{layer_id}/features/{feature_id}/records": Expect(
        ANYONE, params={"feature_id": "hazard_id"}
    ),
    # OGC API - Features: anyone; collections, rows and fields narrowed by the policy.
    "GET /ogc": Expect(ANYONE),
    "GET /ogc/conformance": Expect(ANYONE),
    "GET /ogc/api": Expect(ANYONE),
    # The API reference pages (Swagger UI) of /ogc/api and of /openapi.json.
    "GET /ogc/docs": Expect(ANYONE),
    "GET /docs": Expect(ANYONE),
    "GET /ogc/collections": Expect(ANYONE),
    "GET /ogc/collections/{collectionId}": Expect(ANYONE, params={"collectionId": "hazard_points"}),
    "GET /ogc/collections/{collectionId}/queryables": Expect(
        ANYONE, params={"collectionId": "report_points"}
    ),
    "GET /ogc/collections/{collectionId}/schema": Expect(
        ANYONE, params={"collectionId": "report_points"}
    ),
    "GET /ogc/collections/{collectionId}/feature-schema": Expect(
        ANYONE, params={"collectionId": "report_points"}
    ),
    # report: the privacy test (tests/test_privacy.py) plants its canary in a public report.
    "GET /ogc/collections/{collectionId}/items": Expect(
        ANYONE, params={"collectionId": "report_points"}, query="limit=1000"
    ),
    "GET /ogc/collections/{collectionId}/items/{featureId}": Expect(
        ANYONE, params={"collectionId": "hazard_points", "featureId": "hazard_id"}
    ),
    # OGC API - Tiles and - Styles: the tiles and the style, described for GIS clients.
    "GET /ogc/tileMatrixSets": Expect(ANYONE),
    "GET /ogc/tileMatrixSets/{tileMatrixSetId}": Expect(
        ANYONE, params={"tileMatrixSetId": "WebMercatorQuad"}
    ),
    "GET /ogc/tiles": Expect(ANYONE),
    "GET /ogc/tiles/{tileMatrixSetId}": Expect(
        ANYONE, params={"tileMatrixSetId": "WebMercatorQuad"}
    ),
    "GET /ogc/collections/{collectionId}/tiles": Expect(
        ANYONE, params={"collectionId": "facility"}
    ),
    "GET /ogc/collections/{collectionId}/tiles/{tileMatrixSetId}": Expect(
        ANYONE, params={"collectionId": "report_points", "tileMatrixSetId": "WebMercatorQuad"}
    ),
    "GET /ogc/styles": Expect(ANYONE),
    "GET /ogc/styles/{styleId}": Expect(ANYONE, params={"styleId": "machimap"}),
    "GET /ogc/collections/{collectionId}/styles": Expect(
        ANYONE, params={"collectionId": "hazard_points"}
    ),
    "GET /ogc/collections/{collectionId}/styles/{styleId}": Expect(
        ANYONE, params={"collectionId": "report_points", "styleId": "machimap"}
    ),
    # Report figures: response times for staff; sensitive categories as public area counts.
    "GET /api/triage/figures": Expect(STAFF, query="since=2026-01-01"),
    "GET /api/reports/areas": Expect(ANYONE),
    # Reports: anyone submits (a read-only token cannot); R-1 is the resident's unpublished
    # report, R-2 a published one, R-3 one routed to the road department.
    "GET /api/report-categories": Expect(ANYONE),
    "GET /api/reports/vocabulary": Expect(ANYONE),
    # The catalogue is data the administrators keep.
    "POST /api/admin/report-categories": Expect(
        ADMIN,
        body={"code": "graffiti", "name_ja": "落書き", "name_en": "Graffiti", "icon": "paint"},
    ),
    "PATCH /api/admin/report-categories/{code}": Expect(
        ADMIN, params={"code": "road"}, body={"name_en": "Roads"}
    ),
    "POST /api/reports": Expect(
        ANYONE - {"token_leader_a"},
        body={"category": "road", "description": "穴", "lat": 34.8669, "lon": 138.3187},
    ),
    "POST /api/reports/photo-location": Expect(ANYONE - {"token_leader_a"}, audited=False),
    "GET /api/reports/nearby": Expect(ANYONE, query="category=road&lat=34.8669&lon=138.3187"),
    "GET /api/reports/{public_id}": Expect(
        frozenset({"resident"}) | STAFF, params={"public_id": "R-1"}
    ),
    "GET /reports/{public_id}": Expect(
        frozenset({"resident"}) | STAFF, params={"public_id": "R-1"}
    ),
    "GET /api/reports/{public_id}/photos/{photo_id}": Expect(
        frozenset({"resident"}) | STAFF, params={"public_id": "R-1", "photo_id": "999999"}
    ),
    "GET /api/reports/{public_id}/photos/{photo_id}/thumbnail": Expect(
        frozenset({"resident"}) | STAFF, params={"public_id": "R-1", "photo_id": "999999"}
    ),
    "POST /api/reports/{public_id}/support": Expect(
        ANYONE - {"token_leader_a"}, params={"public_id": "R-2"}
    ),
    "POST /api/reports/{public_id}/photos": Expect(
        frozenset({"resident"}), params={"public_id": "R-1"}
    ),
    "POST /api/reports/{public_id}/reopen": Expect(
        frozenset({"resident"}), params={"public_id": "R-1"}
    ),
    # Triage: staff of the department a report is routed to, and admins.
    "GET /api/triage/reports": Expect(STAFF),
    "GET /api/triage/reports/{public_id}": Expect(STAFF, params={"public_id": "R-1"}),
    # The second caller's publish changes nothing, so it writes no audit row; the first
    # caller's is checked in tests/test_triage.py.
    "POST /api/triage/reports/{public_id}/publish": Expect(
        STAFF, params={"public_id": "R-3"}, audited=False
    ),
    "POST /api/triage/reports/{public_id}/unpublish": Expect(
        STAFF, params={"public_id": "R-3"}, audited=False
    ),
    "POST /api/triage/reports/{public_id}/status": Expect(
        STAFF, params={"public_id": "R-3"}, body={"status": "accepted"}
    ),
    "POST /api/triage/reports/{public_id}/comment": Expect(
        STAFF, params={"public_id": "R-3"}, body={"internal_note": "現地確認予定"}
    ),
    "POST /api/triage/reports/{public_id}/assign": Expect(
        STAFF, params={"public_id": "R-3"}, body={"department": "road"}
    ),
    "POST /api/triage/reports/{public_id}/hazard": Expect(
        STAFF, params={"public_id": "R-3"}, body={"kind": "road_damage"}
    ),
    # Open311 GeoReport v2: reads are public (rows narrowed by the policy's row filter).
    # POST needs the write scope; the matrix sends JSON, which Open311 refuses with 400
    # before looking at api_key (its 403s are tested in tests/test_open311.py).
    "GET /open311/v2/discovery.{fmt}": Expect(ANYONE, params={"fmt": "xml"}),
    "GET /open311/v2/services.{fmt}": Expect(ANYONE, params={"fmt": "json"}),
    "GET /open311/v2/services/{service_code}.{fmt}": Expect(
        ANYONE, params={"service_code": "road", "fmt": "xml"}
    ),
    "POST /open311/v2/requests.{fmt}": Expect(
        ANYONE - {"token_leader_a"}, params={"fmt": "json"}, audited=False
    ),
    "GET /open311/v2/requests.{fmt}": Expect(ANYONE, params={"fmt": "xml"}),
    "GET /open311/v2/requests/{service_request_id}.{fmt}": Expect(
        ANYONE, params={"service_request_id": "R-2", "fmt": "json"}
    ),
    "GET /open311/v2/tokens/{token}.{fmt}": Expect(
        ANYONE, params={"token": "123456", "fmt": "json"}
    ),
    "GET /open311/v2/servicerequestupdates.{fmt}": Expect(ANYONE, params={"fmt": "json"}),
}


# --- the world every call runs in ---------------------------------------------------------


@dataclass
class World:
    url: str
    people: dict[str, Person]
    params: dict[str, str]
    read_token: str


def build_world(url: str) -> World:
    from layers.accounts import api_tokens
    from layers.accounts.api_tokens import Scope
    from layers.accounts.users import User
    from layers.groups.model import Group, GroupKind
    from layers.store.db import session_scope

    with session_scope() as db:
        a = Group(name="本町一丁目自治会", kind=GroupKind.neighbourhood_association)
        b = Group(name="港小学校PTA", kind=GroupKind.pta)
        db.add_all([a, b])
        db.flush()
        group_a, group_b = a.id, b.id
    people = {
        "resident": make_person("resident@example.jp"),
        "unverified": make_person("unverified@example.jp", verified=False),
        "member_a": make_person("member-a@example.jp", groups={group_a: "member"}),
        "leader_a": make_person("leader-a@example.jp", groups={group_a: "leader"}),
        "member_b": make_person("member-b@example.jp", groups={group_b: "leader"}),
        "staff": make_person("staff@example.jp", "staff", department="road"),
        "admin": make_person("admin@example.jp", "admin"),
    }
    with session_scope() as db:
        leader = db.get(User, people["leader_a"].id)
        assert leader is not None
        token = api_tokens.issue(db, leader, "matrix", [Scope.read]).token
    ids = _world_rows(url, group_a, people)
    params = {
        "layer_id": "hazard",
        "group_id": str(group_a),
        "user_id": str(people["member_a"].id),
        "department_id": ids["department"],
        "token_id": "999999",
        **ids,
    }
    return World(url, people, params, token)


def _world_rows(url: str, group_a: int, people: dict[str, Person]) -> dict[str, str]:
    """Group A's private map, feature and patrol, a hazard, and a report by the resident."""
    import psycopg

    from layers.store.db import libpq_url

    with psycopg.connect(libpq_url(url)) as conn:

        def one(sql: str, *args: object) -> str:
            row = conn.execute(sql.encode(), args).fetchone()
            assert row is not None
            return str(row[0])

        point = "ST_SetSRID(ST_MakePoint(138.3187, 34.8669), 4326)"
        map_id = one(
            "INSERT INTO safety_map (title, group_id) VALUES ('本町の危険箇所', %s) RETURNING id",
            group_a,
        )
        feature = one(
            "INSERT INTO safety_map_feature (safety_map_id, kind, title, geom, author_user_id) "
            f"VALUES (%s, 'hard_to_see', '高い塀', {point}, %s) RETURNING id",
            map_id,
            people["member_a"].id,
        )
        photo = one(
            "INSERT INTO attachment (subject_layer, subject_id, storage_key, content_type, "
            "byte_size, sha256) VALUES ('safety_map_feature', %s, 'ab/cd.jpg', 'image/jpeg', "
            "10, 'x') RETURNING id",
            feature,
        )
        patrol = one(
            "INSERT INTO patrol (group_id, title, started_at) "
            "VALUES (%s, '夜間パトロール', now()) RETURNING id",
            group_a,
        )
        observation = one(
            "INSERT INTO patrol_observation (patrol_id, note, geom) "
            f"VALUES (%s, '防犯灯が暗い', {point}) RETURNING id",
            patrol,
        )
        observation_photo = one(
            "INSERT INTO attachment (subject_layer, subject_id, storage_key, content_type, "
            "byte_size, sha256) VALUES ('patrol_observation', %s, 'ab/cd.jpg', 'image/jpeg', "
            "10, 'x') RETURNING id",
            observation,
        )
        hazard = one(
            f"INSERT INTO hazard (kind, title, geom) VALUES ('road_damage', '穴', {point}) "
            "RETURNING id"
        )
        department = one("SELECT id FROM department WHERE code = 'road'")
        category = one(
            "INSERT INTO report_category (code, name_ja, name_en, icon) "
            "VALUES ('road', '道路', 'Road', 'road') RETURNING id"
        )
        one(
            "INSERT INTO report (public_id, tracking_token_hash, category_id, description, "
            f"geom, reporter_user_id) VALUES ('R-1', 'x', %s, '穴があります', {point}, %s) "
            "RETURNING id",
            category,
            people["resident"].id,
        )
        # A published report anyone may support, and one routed to the road department.
        one(
            "INSERT INTO report (public_id, tracking_token_hash, category_id, description, "
            "public_description, is_public, published_at, geom) "
            f"VALUES ('R-2', 'x', %s, '段差', '段差', true, now(), {point}) RETURNING id",
            category,
        )
        one(
            "INSERT INTO report (public_id, tracking_token_hash, category_id, description, "
            f"department_id, geom) VALUES ('R-3', 'x', %s, '街灯', %s, {point}) RETURNING id",
            category,
            department,
        )
        school = one(
            "INSERT INTO facility (kind, name, geom) "
            f"VALUES ('school', '本町小学校', {point}) RETURNING id"
        )
        conn.execute(
            b"UPDATE community_group SET school_facility_id = %s WHERE id = %s", (school, group_a)
        )
        site = one(
            "INSERT INTO school_route_site (school_facility_id, fiscal_year, number, geom) "
            f"VALUES (%s, 2026, '1', {point}) RETURNING id",
            school,
        )
        building = one(
            "INSERT INTO facility_building (facility_id, name) VALUES (%s, '本館') RETURNING id",
            school,
        )
        link = one(
            "INSERT INTO school_route_link (site_id, subject_layer, subject_id) "
            "VALUES (%s, 'hazard', %s) RETURNING id",
            site,
            hazard,
        )
        inspection = one(
            "INSERT INTO inspection (subject_layer, subject_id, kind, inspected_on, "
            "overall_grade, findings) VALUES ('hazard', %s, 'other', '2026-10-01', 'C', "
            "'舗装のひび') RETURNING id",
            hazard,
        )
        inspection_photo = one(
            "INSERT INTO attachment (subject_layer, subject_id, storage_key, content_type, "
            "byte_size, sha256) VALUES ('inspection', %s, 'ab/cd.jpg', 'image/jpeg', "
            "10, 'x') RETURNING id",
            inspection,
        )
    return {
        "building_id": building,
        "site_id": site,
        "inspection_id": inspection,
        "inspection_photo_id": inspection_photo,
        "link_id": link,
        "map_id": map_id,
        "feature_id": feature,
        "photo_id": photo,
        "patrol_id": patrol,
        "observation_id": observation,
        "observation_photo_id": observation_photo,
        "hazard_id": hazard,
        "department": department,
    }


def client_for(world: World, role: str) -> TestClient:
    if role == "anonymous":
        return new_client()
    if role == "token_leader_a":
        client = new_client()
        client.headers["Authorization"] = f"Bearer {world.read_token}"
        return client
    return signed_in(world.people[role])  # a fresh session: logout must not leak across calls


# --- running the matrix ------------------------------------------------------------------


def route_table(app: Any) -> Iterator[tuple[str, str, str]]:
    """(key, method, path) for every API route the app serves."""
    for route in api_routes(app.routes):
        for method in sorted(route.methods or ()):
            if method != "HEAD":
                yield f"{method} {route.path}", method, route.path


def _fill(path: str, world: World, expect: Expect) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        raw = expect.params.get(name, world.params.get(name, ""))
        # A role name stands for that person's id, a world key for that row's id.
        if raw in world.people:
            return str(world.people[raw].id)
        return world.params.get(raw, raw)

    filled = re.sub(r"\{(\w+)(?::\w+)?\}", value, path)
    return f"{filled}?{expect.query}" if expect.query else filled


def run_matrix(world: World, app: Any, keys: set[str] | None = None) -> list[str]:
    """Mismatches between what happens and EXPECTED, as readable lines."""
    problems: list[str] = []
    for key, method, path in route_table(app):
        if keys is not None and key not in keys:
            continue
        expect = EXPECTED.get(key)
        if expect is None:
            problems.append(f"{key}: no entry in EXPECTED (who may call it?)")
            continue
        url = _fill(path, world, expect)
        # Refused callers first, while every resource still exists.
        for role in sorted(ROLES, key=lambda r: r in expect.allowed):
            client = client_for(world, role)
            actor = world.people.get(role.replace("token_", ""))
            before = _audit_rows(world, actor)
            kwargs: dict[str, Any] = {} if method in ("GET", "DELETE") else {"json": expect.body}
            status = client.request(method, url, **kwargs).status_code
            if role in expect.allowed:
                if status in (401, 403):
                    problems.append(f"{key} as {role}: {status}, expected to be allowed")
                elif (
                    expect.audited
                    and method != "GET"
                    and 200 <= status < 300
                    and actor
                    and _audit_rows(world, actor) == before
                ):
                    problems.append(f"{key} as {role}: {status} but nothing in audit_log")
            else:
                wanted = 401 if role == "anonymous" else 403
                if status != wanted:
                    problems.append(f"{key} as {role}: {status}, expected {wanted}")
    return problems


def _audit_rows(world: World, actor: Person | None) -> int:
    if actor is None:
        return 0
    count = sql_value(
        world.url, "SELECT count(*) FROM audit_log WHERE actor_user_id = %s", actor.id
    )
    return int(count)


@pytest.fixture
def world(db_url: str, no_rate_limits: None) -> World:
    return build_world(db_url)


def test_every_route_is_in_the_expected_access_table(world: World) -> None:
    app = new_client().app
    served = {key for key, _, _ in route_table(app)}
    assert sorted(served - EXPECTED.keys()) == [], "routes without an expected-access entry"
    assert sorted(EXPECTED.keys() - served) == [], "entries for routes that do not exist"


# Every route as every caller: minutes on a shared 2-core machine, so a timeout of its own.
@pytest.mark.timeout(1200)
def test_the_authorization_matrix(world: World) -> None:
    problems = run_matrix(world, new_client().app)
    assert problems == []


@pytest.mark.timeout(1200)
def test_every_rule_is_load_bearing(world: World) -> None:
    """Remove each rule in turn: the matrix must notice every time."""
    from api.app import create_app

    app = create_app()
    by_action: dict[Action, set[str]] = {}
    for route in api_routes(app.routes):
        action = route_action(route)
        assert action is not None
        for method in route.methods or ():
            by_action.setdefault(action, set()).add(f"{method} {route.path}")
    unused = set(RULES) - set(by_action)
    for action, keys in sorted(by_action.items()):
        rule = RULES.pop(action)
        try:
            assert run_matrix(world, app, keys), f"removing the rule for {action} went unnoticed"
        finally:
            RULES[action] = rule
    # Rules no route uses yet belong to later features (reports, inspections, planning).
    assert unused <= {
        # Decided inside PATCH /api/inspections/{id} when the body releases or withdraws
        # (tests/test_inspections.py).
        Action.inspection_release,
    }, unused


def test_a_route_without_a_rule_stops_the_app_from_starting(db_url: str) -> None:
    from fastapi import APIRouter

    from api.app import create_app
    from api.permissions import check_every_route_has_a_rule

    app = create_app()
    stray = APIRouter()

    @stray.get("/api/stray")
    def stray_route() -> dict[str, str]:
        return {}

    app.include_router(stray)
    with pytest.raises(RuntimeError, match="/api/stray"):
        check_every_route_has_a_rule(app)
