"""The projection over the register: a few buildings created here (one of each age band, one
with no built year, one out of use, graded by inspections), read back through
layers/planning/projection.py, the `machimap plan projection` file and the API."""

from __future__ import annotations

import csv
import io
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from api.cli import app
from layers.store.db import libpq_url
from tests.conftest import Person, make_person, new_client, signed_in

ARTIFACTS = Path(__file__).parent / "artifacts" / "planning"

B = 2026
LAT, LON = 34.8669, 138.3080


@dataclass
class City:
    url: str
    ids: dict[str, int]
    staff: Person


def build_city(url: str) -> City:
    ids: dict[str, int] = {}
    with psycopg.connect(libpq_url(url)) as conn:

        def one(name: str, sql: str, *args: object) -> int:
            row = conn.execute(sql.encode(), args).fetchone()
            assert row is not None
            ids[name] = int(row[0])
            return ids[name]

        for name, kind, dx in (
            ("本町住民センター", "community_center", 0),
            ("港公民館", "kominkan", 0.01),
        ):
            one(
                name,
                "INSERT INTO facility (kind, name, geom) VALUES "
                "(%s, %s, ST_SetSRID(ST_MakePoint(%s, %s), 4326)) RETURNING id",
                kind,
                name,
                LON + dx,
                LAT,
            )

        def building(
            key: str,
            facility: str,
            built: int | None,
            area: float | None = 100.0,
            category: str | None = "civic_culture",
            seismic: str = "post_1981",
            in_use: bool = True,
        ) -> None:
            one(
                key,
                "INSERT INTO facility_building (facility_id, name, built_year, floor_area_m2,"
                " cost_category, seismic_standard, in_use) VALUES (%s, %s, %s, %s, %s, %s, %s)"
                " RETURNING id",
                ids[facility],
                key,
                built,
                area,
                category,
                seismic,
                in_use,
            )

        building("本館", "本町住民センター", B - 10)  # repair 2046-47
        building("別館", "本町住民センター", B - 45, seismic="pre_1981")  # backlog repair
        building("体育館", "港公民館", B - 70, area=200.0, category="sports_recreation")
        building("倉庫", "港公民館", None)  # cannot be projected
        building("旧館", "港公民館", B - 20, in_use=False)  # not in use: left out

        def inspect(key: str, on: str, overall: str, parts: tuple[str, ...] = ()) -> None:
            inspection = one(
                f"{key}/{on}",
                "INSERT INTO inspection (subject_layer, subject_id, kind, inspected_on,"
                " overall_grade) VALUES ('facility_building', %s, 'building_article12',"
                " CAST(%s AS date), %s) RETURNING id",
                ids[key],
                on,
                overall,
            )
            for i, grade in enumerate(parts):
                conn.execute(
                    b"INSERT INTO inspection_part_grade (inspection_id, part, grade)"
                    b" VALUES (%s, %s, %s)",
                    (inspection, ("roof", "exterior_wall", "interior")[i], grade),
                )

        inspect("本館", "2020-05-01", "A")
        inspect("本館", "2025-05-01", "B", ("A", "D", "B"))  # latest; its worst part is D
        inspect("別館", "2025-01-10", "C")
        inspect("別館", "2019-01-10", "D")  # older: does not count
    staff = make_person("kanri@example.jp", "staff", department="assets")
    return City(url, ids, staff)


@pytest.fixture
def city(db_url: str, no_rate_limits: None) -> City:
    return build_city(db_url)


def test_rows_grades_and_not_projected(city: City) -> None:
    from layers.planning import projection
    from layers.store.db import session_scope

    with session_scope() as db:
        inputs = {b.building_id: b for b in projection.building_inputs(db)}
        result = projection.run(db, "soumu", B)
        condition = projection.run(db, "condition", B)
        totals = projection.facility_totals(db, "soumu", B)
    ids = city.ids
    assert set(inputs) == {ids["本館"], ids["別館"], ids["体育館"]}
    assert inputs[ids["本館"]].latest_grade == "D"
    assert inputs[ids["別館"]].latest_grade == "C"
    assert inputs[ids["体育館"]].latest_grade is None
    assert [(u.building_id, u.reasons) for u in result.not_projected] == [
        (ids["倉庫"], ("built_year",))
    ]
    by_building = result.building_totals()
    # 本館: repair 100 × 25 = 2,500. 別館: backlog repair 2,500 + rebuild at 60 = 4,000.
    # 体育館 (200 ㎡, 36/20): rebuild backlog 7,200, built 2035, repair 2065-66 half: 2,000.
    assert by_building == pytest.approx({ids["本館"]: 2500, ids["別館"]: 6500, ids["体育館"]: 9200})
    assert totals == pytest.approx({ids["本町住民センター"]: 9000, ids["港公民館"]: 9200})
    # Condition-aware: 本館 (D) repaired now; 別館 (C, backlog) keeps it, adds the retrofit.
    moved = condition.building_totals()
    assert moved[ids["本館"]] == pytest.approx(2500)
    assert condition.costs[0][:2].tolist() == [1250, 1250]
    assert moved[ids["別館"]] == pytest.approx(6500 + 300)


def test_unknown_scenario_and_bad_year_are_refused(city: City) -> None:
    from layers.planning import projection
    from layers.store.db import session_scope
    from layers.store.refusals import Refused

    with session_scope() as db:
        with pytest.raises(Refused) as unknown:
            projection.run(db, "nosuch", B)
        with pytest.raises(Refused) as year:
            projection.run(db, "soumu", 1800)
    assert unknown.value.status == 404
    assert year.value.status == 422


def test_command_writes_one_row_per_building(city: City, cli: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "projection.csv"
    done = cli.invoke(app, ["plan", "projection", "--base-year", str(B), "--csv", str(out)])
    assert done.exit_code == 0, done.output
    raw = out.read_bytes()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:9] == [
        "建物ID",
        "施設ID",
        "施設名",
        "建物名",
        "費用分類",
        "延床面積(㎡)",
        "建築年度",
        "最新劣化度",
        "耐震",
    ]
    assert header[9:] == [*(str(y) for y in range(B, B + 40)), "合計"]
    by_id = {int(r[0]): r for r in body}
    ids = city.ids
    assert set(by_id) == {ids["本館"], ids["別館"], ids["体育館"]}
    main = dict(zip(header, by_id[ids["本館"]], strict=True))
    assert main["施設名"] == "本町住民センター"
    assert main["費用分類"] == "市民文化系施設"
    assert (main["延床面積(㎡)"], main["建築年度"], main["最新劣化度"]) == ("100", "2016", "D")
    assert (main["2046"], main["2047"], main["2045"], main["合計"]) == ("1250", "1250", "0", "2500")
    annex = dict(zip(header, by_id[ids["別館"]], strict=True))
    assert annex["耐震"] == "旧耐震" and annex["2026"] == "250"
    gym = dict(zip(header, by_id[ids["体育館"]], strict=True))
    assert gym["2026"] == "720" and gym["2065"] == "2000" and gym["合計"] == "9200"
    # The printed totals: per year and category, the 40-year total against the budget.
    assert "2046\t1250\t0\t1250" in done.output
    assert "40年合計 total 18200" in done.output
    assert "not projected: 1 buildings (missing: built_year 1)" in done.output


def test_command_refuses_an_unknown_scenario(city: City, cli: CliRunner) -> None:
    done = cli.invoke(app, ["plan", "projection", "--base-year", str(B), "--scenario", "x"])
    assert done.exit_code == 1
    assert "シナリオ「x」はありません" in done.output


def get(city: City, path: str) -> object:
    return signed_in(city.staff).get(path)


def test_api_projection_compare_and_exports(city: City) -> None:
    client = signed_in(city.staff)
    ids = city.ids
    listed = client.get("/api/planning/scenarios").json()["scenarios"]
    assert [s["code"] for s in listed] == ["soumu", "longevity", "condition"]
    answer = client.get(f"/api/planning/projection?base_year={B}&compare=condition&limit=2")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["years"] == list(range(B, B + 40))
    assert (body["total"], body["yearly_average"]) == (18200, 455)
    assert body["budget"] == 250_000
    assert body["not_projected"]["count"] == 1
    assert body["numberMatched"] == 3
    assert [i["building_id"] for i in body["items"]] == [ids["体育館"], ids["別館"]]
    assert body["items"][0]["events"] == [
        {"kind": "backlog_rebuild", "year": 2026},
        {"kind": "major_repair", "year": 2065},
    ]
    category = {c["code"]: c["costs"] for c in body["categories"]}
    assert category["sports_recreation"][0] == 720 and category["civic_culture"][0] == 250
    difference = body["compare"]["difference"]
    assert difference["total"] == 300  # the retrofit of 別館; 本館's repair only moves
    assert difference["yearly"][:3] == [1350, 1350, 100]
    assert difference["yearly"][20] == -1250  # 2046: 本館's repair no longer falls here
    moved = {m["building_id"]: m for m in difference["moved"]}
    assert set(moved) == {ids["本館"], ids["別館"]}
    assert moved[ids["本館"]]["from"] == [{"kind": "major_repair", "year": 2046}]
    assert moved[ids["本館"]]["to"] == [{"kind": "major_repair", "year": 2026}]
    assert moved[ids["本館"]]["building_name"] == "本館"
    assert moved[ids["別館"]]["to"] == [{"kind": "retrofit", "year": 2026}]

    per_year = client.get(f"/api/planning/projection.csv?base_year={B}")
    assert per_year.status_code == 200
    assert per_year.content.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(per_year.content.decode("utf-8-sig"))))
    assert lines[0] == [
        "年度",
        "市民文化系施設",
        "スポーツ・レクリエーション系施設",
        "合計",
        "予算",
    ]
    assert lines[1] == ["2026", "250", "720", "970", "250000"]
    assert len(lines) == 41
    per_building = client.get(f"/api/planning/projection.csv?base_year={B}&table=building")
    rows = list(csv.reader(io.StringIO(per_building.content.decode("utf-8-sig"))))
    assert len(rows) == 4 and rows[0][0] == "建物ID"

    pdf = client.get(f"/api/planning/projection.pdf?base_year={B}&compare=longevity")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "projection.pdf"
    path.write_bytes(pdf.content)
    info = subprocess.run(["pdfinfo", path], check=True, capture_output=True, text=True).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M), info
    assert "595.276 x 841.89 pts (A4)" in info
    subprocess.run(["pdftoppm", "-png", "-r", "70", path, ARTIFACTS / "projection"], check=True)
    words = subprocess.run(
        ["pdftotext", "-layout", path, "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "総務省試算（標準）" in words and "長寿命化" in words
    assert "40年合計 18200万円" in words


def test_bad_input_is_a_problem_in_both_languages(city: City) -> None:
    client = signed_in(city.staff)
    unknown = client.get("/api/planning/projection?scenario=nosuch")
    assert unknown.status_code == 404
    assert unknown.json()["detail_ja"] and unknown.json()["detail"]
    for query in (
        "base_year=1800",
        "base_year=2101",
        "base_year=abc",
        "scenario=DROP%20TABLE",
        "compare=nosuch",
        "sort=price",
        "limit=0",
    ):
        answer = client.get(f"/api/planning/projection?{query}")
        assert 400 <= answer.status_code < 500, (query, answer.text)
        assert answer.json()["detail_ja"], (query, answer.text)
    for path in ("projection.csv?table=xlsx", "projection.pdf?scenario=nosuch"):
        assert 400 <= client.get(f"/api/planning/{path}").status_code < 500
    assert new_client().get("/api/planning/projection").status_code == 401


def test_a_city_file_overrides_and_adds_scenarios(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from layers.planning.scenarios import scenario, scenarios
    from layers.store.settings import get_settings

    own = tmp_path / "scenarios.json"
    own.write_text(
        """{"unit_costs": {"civic_culture": {"rebuild": 50, "major_repair": 30}},
            "scenarios": [
              {"code": "soumu", "name_ja": "総務省（本市単価）", "name_en": "MIC, our prices"},
              {"code": "kakogawa", "name_ja": "80年", "name_en": "80 years",
               "rebuild_age": 80, "major_repair_age": 40, "backlog_repair_max_age": 70}]}""",
        encoding="utf-8",
    )
    monkeypatch.setenv("MACHIMAP_PLANNING_SCENARIOS_FILE", str(own))
    get_settings.cache_clear()
    try:
        assert [s.code for s in scenarios()] == ["soumu", "longevity", "condition", "kakogawa"]
        mine = scenario("soumu")
        assert mine.name_ja == "総務省（本市単価）"
        assert mine.unit_costs["civic_culture"].rebuild == 50
        assert mine.unit_costs["park"].rebuild == 33  # the builtin prices stay for the rest
        assert scenario("kakogawa").rebuild_age == 80
        assert scenario("longevity").unit_costs["civic_culture"].rebuild == 40
    finally:
        monkeypatch.delenv("MACHIMAP_PLANNING_SCENARIOS_FILE")
        get_settings.cache_clear()


def test_every_cost_category_has_a_colour_of_its_own() -> None:
    # The chart and the PDF take a category's colour from here, so it never shifts with the
    # categories a scenario happens to show.
    from layers.city.facilities import CostCategory
    from layers.planning.projection import CATEGORY_COLOURS

    assert set(CATEGORY_COLOURS) == {c.value for c in CostCategory}
    assert len(set(CATEGORY_COLOURS.values())) == len(CostCategory)
