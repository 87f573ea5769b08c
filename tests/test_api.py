"""The API base: health, the layer registry with live counts, one error format."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from layers.registry import LAYERS
from tests.conftest import sql_value


@pytest.fixture
def client(demo_url: str) -> TestClient:
    return TestClient(create_app())


def test_health_reports_postgis_and_the_migration_head(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok"
    assert body["postgis"].startswith("3.")
    assert body["migration"] == body["migration_head"] is not None


def test_layers_lists_every_public_layer_with_real_counts(
    client: TestClient, demo_url: str
) -> None:
    layers = {layer["id"]: layer for layer in client.get("/api/layers").json()["layers"]}
    # patrols are private to their group: not part of the public registry
    assert set(layers) == {layer.id for layer in LAYERS} - {"patrol"}
    assert layers["facility"]["feature_count"] == sql_value(
        demo_url, "SELECT count(*) FROM facility"
    )
    # 13 real files, POI duplicates merged (590), and the play equipment 公園一覧 lists (279).
    assert layers["facility"]["feature_count"] == 590 + 279
    assert layers["district"]["title"] == {"ja": "地区", "en": "Districts"}
    # only published, non-sensitive reports count for the public
    public_reports = sql_value(
        demo_url,
        "SELECT count(*) FROM report r JOIN report_category c ON c.id = r.category_id "
        "WHERE r.is_public AND NOT c.sensitive",
    )
    all_reports = sql_value(demo_url, "SELECT count(*) FROM report")
    assert layers["report"]["feature_count"] == public_reports
    assert public_reports < all_reports
    names = {p["name"] for p in layers["report"]["properties"]}
    assert "description" not in names and "public_description" in names


def test_errors_are_problem_json_in_japanese_and_english(client: TestClient) -> None:
    response = client.get("/api/layers/castles")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 404 and "castles" in body["detail"]
    assert "レイヤ" in body["detail_ja"]
    missing = client.get("/no/such/path")
    assert missing.status_code == 404 and missing.json()["title_ja"] == "見つかりません。"


def test_health_says_unavailable_when_the_database_is_gone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from layers.store.db import reset_caches

    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody:x@127.0.0.1:1/none")
    reset_caches()
    response = TestClient(create_app()).get("/health")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    reset_caches()


def test_a_write_outside_the_city_is_a_422_problem_not_a_500(demo_url: str) -> None:
    from sqlalchemy import text

    from layers.store.db import session_scope

    app = create_app()

    @app.post("/_probe")
    def probe() -> dict[str, str]:  # stands in for any write route of later issues
        with session_scope() as session:
            session.execute(
                text(
                    "INSERT INTO hazard (kind, title, geom) VALUES ('other', 'x', "
                    "ST_SetSRID(ST_MakePoint(139.69, 35.69), 4326))"  # 東京都庁
                )
            )
        return {}

    response = TestClient(app).post("/_probe")
    assert response.status_code == 422
    assert response.json()["detail_ja"] == "市の区域外の場所は登録できません。"
    assert sql_value(demo_url, "SELECT count(*) FROM hazard WHERE title = 'x'") == 0


def test_no_page_loads_scripts_from_a_cdn(client: TestClient) -> None:
    # /docs is machimap's own API reference (Swagger UI from web/dist), not FastAPI's page.
    scripts = re.findall(r"<script[^>]* src=\"([^\"]+)\"", client.get("/docs").text)
    assert scripts and all(src.startswith("/assets/") for src in scripts), scripts
    assert client.get("/redoc").status_code == 404
    assert client.get("/openapi.json").json()["info"]["title"] == "machimap"
