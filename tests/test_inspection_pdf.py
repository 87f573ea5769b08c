"""点検結果報告書 (GET /api/inspections/{id}.pdf) read back with poppler as a person checks a
printout: A4 paper, the kind and its legal basis, the subject, every part and its grade,
the findings, the inspector and the dates, the photo in it; the JPFA sheet's hazard level;
the public's copy without what staff have not released. Rendered pages are kept under
tests/artifacts/inspections/ for a person to look at."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bench.print.sample import jpeg
from layers.store.db import libpq_url
from tests.conftest import ROOT, make_person, new_client, signed_in

ARTIFACTS = ROOT / "tests" / "artifacts" / "inspections"
UNREACHABLE = "http://127.0.0.1:9/{z}/{x}/{y}.png"  # no basemap, as with no internet
PARTS = {
    "roof": ("屋根・屋上", "B", "防水シートの端部にめくれ。"),
    "exterior_wall": ("外壁", "C", "北面にひび割れ（幅0.3mm）が随所にある。"),
    "interior": ("内部仕上", "A", None),
    "electrical": ("電気設備", "B", "分電盤の表示が一部読めない。"),
    "mechanical": ("機械設備", "D", "受水槽の架台に著しい腐食。"),
}
FINDINGS = "北面外壁のひび割れと受水槽架台の腐食は早急な修繕が必要。"
INSPECTOR = "一級建築士 山田花子"


@dataclass
class Printed:
    inspection_id: int
    photo_id: int
    building_name: str


def one(conn: psycopg.Connection[Any], sql: str, *args: object) -> Any:
    row = conn.execute(sql.encode(), args).fetchone()
    assert row is not None, sql
    return row if len(row) > 1 else row[0]


def add_photo(inspection_id: int, seed: int) -> int:
    """A real JPEG through the photo pipeline, attached to the inspection, not released."""
    from layers.media.photos import clean_photo
    from layers.media.storage import media_store
    from layers.media.stored import attach, put_files
    from layers.store.db import session_scope

    stored = put_files(media_store(), [clean_photo(jpeg(seed, (1600, 1200)))])
    with session_scope() as db:
        (row,) = attach(db, "inspection", inspection_id, stored, None)
        return row.id


@pytest.fixture
def article12(demo_url: str, monkeypatch: pytest.MonkeyPatch) -> Printed:
    """A 12条 inspection of a demo 住民センター's building, five parts graded, one photo."""
    from layers.store.settings import get_settings

    monkeypatch.setenv("MACHIMAP_PRINT_BASEMAP_URL", UNREACHABLE)
    get_settings.cache_clear()
    with psycopg.connect(libpq_url(demo_url)) as conn:
        building_id, name = one(
            conn,
            "SELECT b.id, f.name || ' ' || b.name FROM facility_building b "
            "JOIN facility f ON f.id = b.facility_id "
            "ORDER BY f.kind = 'community_center' DESC, b.id LIMIT 1",
        )
        inspection_id = one(
            conn,
            "INSERT INTO inspection (subject_layer, subject_id, kind, inspected_on, "
            "inspector_name, department_id, overall_grade, findings, follow_up_action, "
            "follow_up_due, follow_up, next_due) VALUES ('facility_building', %s, "
            "'building_article12', '2026-11-30', %s, (SELECT id FROM department "
            "WHERE code = 'assets'), 'C', %s, 'repair', '2027-03-31', "
            "'外壁補修と受水槽架台の交換を来年度予算で行う。', '2029-11-30') RETURNING id",
            building_id,
            INSPECTOR,
            FINDINGS,
        )
        for part, (_ja, grade, note) in PARTS.items():
            conn.execute(
                b"INSERT INTO inspection_part_grade (inspection_id, part, grade, note) "
                b"VALUES (%s, %s, %s, %s)",
                (inspection_id, part, grade, note),
            )
    return Printed(inspection_id, add_photo(inspection_id, 18), name)


def run(*args: str | Path) -> str:
    return subprocess.run([str(a) for a in args], check=True, capture_output=True, text=True).stdout


def keep(pdf: bytes, name: str) -> tuple[Path, str]:
    """The PDF and its pages as PNG under tests/artifacts/inspections/, and its text."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.pdf"
    path.write_bytes(pdf)
    run("pdftoppm", "-png", "-r", "80", path, ARTIFACTS / name)
    return path, run("pdftotext", "-layout", path, "-")


def pages(path: Path) -> list[tuple[float, float]]:
    info = run("pdfinfo", "-f", "1", "-l", "99", path)
    return [
        (float(w), float(h)) for w, h in re.findall(r"Page +\d+ size: +([\d.]+) x ([\d.]+)", info)
    ]


def images(path: Path) -> list[list[str]]:
    """pdfimages -list rows: page, num, type, width, height ..."""
    return [line.split() for line in run("pdfimages", "-list", path).splitlines()[2:]]


def fetch(client: Any, inspection_id: int, name: str) -> tuple[Path, str]:
    answer = client.get(f"/api/inspections/{inspection_id}.pdf")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert f'filename="inspection-{inspection_id}.pdf"' in answer.headers["content-disposition"]
    return keep(answer.content, name)


def staff_client() -> Any:
    return signed_in(make_person("inspector@example.jp", "staff", department="assets"))


def test_the_12jo_report_prints_on_a4_with_its_parts_findings_and_photo(
    article12: Printed,
) -> None:
    path, text = fetch(staff_client(), article12.inspection_id, "article12-staff")
    assert pages(path) == [(595.276, 841.89)]  # A4 portrait, one sheet with its photo
    flat = re.sub(r"\s+", "", text)
    for words in (
        "点検結果報告書",
        "建築基準法12条点検（敷地・構造）",
        "根拠：建築基準法第12条",
        article12.building_name.replace(" ", ""),
        "建築年度",  # the register's facts of the building
        "延床面積",
        "構造・階数",
        "総合評価",
        FINDINGS,
        INSPECTOR.replace(" ", ""),
        "2026年11月30日",  # inspected
        "2029年11月30日",  # next due: three years on
        "修繕",
        "2027年3月31日",
        "machimapで作成",
        "職員用：所見・写真は未公開",
    ):
        assert words in flat, words
    for ja, grade, note in PARTS.values():
        # Each part's row: its name, its grade letter and words, its note.
        row = next(line for line in text.splitlines() if line.strip().startswith(ja))
        assert re.search(rf"\s{grade}\s", row), row
        assert (note or "—") in row, row
    photos = [row for row in images(path) if row[2] == "image"]
    assert len(photos) == 1, images(path)
    assert (photos[0][3], photos[0][4]) == ("800", "600"), photos  # 1600×1200 at print size


def test_the_public_copy_shows_the_grades_and_withholds_the_rest_until_released(
    article12: Printed, demo_url: str
) -> None:
    from layers.media.attachments import Attachment
    from layers.media.storage import media_store
    from layers.media.stored import release
    from layers.store.db import session_scope

    path, text = fetch(new_client(), article12.inspection_id, "article12-public")
    flat = re.sub(r"\s+", "", text)
    for ja, grade, note in PARTS.values():
        row = next(line for line in text.splitlines() if line.strip().startswith(ja))
        assert re.search(rf"\s{grade}\s", row) and "（非公開）" in row, row
        assert note is None or note not in flat
    assert FINDINGS not in flat and INSPECTOR.replace(" ", "") not in flat
    assert "所見・措置・写真は公開されていません" in flat and "公開版" in flat
    # The register's facts of the building are staff's (the facility layer keeps them from
    # residents too).
    assert "建築年度" not in flat and "延床面積" not in flat and "耐震" not in flat
    assert images(path) == []

    with session_scope() as db:
        photo = db.get(Attachment, article12.photo_id)
        assert photo is not None
        release(photo, media_store(), [(0.0, 0.0, 0.5, 0.5)], blur_all=False)
    with psycopg.connect(libpq_url(demo_url)) as conn:
        conn.execute(
            b"UPDATE inspection SET released = true, released_at = now() WHERE id = %s",
            (article12.inspection_id,),
        )
    path, text = fetch(new_client(), article12.inspection_id, "article12-released")
    flat = re.sub(r"\s+", "", text)
    assert FINDINGS in flat and INSPECTOR.replace(" ", "") in flat
    assert all(note in flat for _ja, _grade, note in PARTS.values() if note)
    assert len(images(path)) == 1  # the released (blurred) copy


def test_the_demo_s_closed_play_equipment_prints_its_jpfa_judgement(
    demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo's play equipment closed by its inspection: the JPFA sheet, hazard level and
    使用禁止 on it, for staff and for anyone."""
    from layers.store.settings import get_settings

    monkeypatch.setenv("MACHIMAP_PRINT_BASEMAP_URL", UNREACHABLE)
    get_settings.cache_clear()
    with psycopg.connect(libpq_url(demo_url)) as conn:
        inspection_id, name, grade, level = one(
            conn,
            "SELECT i.id, f.name, i.overall_grade, i.hazard_level FROM facility f "
            "JOIN inspection i ON i.id = f.closed_by_inspection_id "
            "WHERE f.use_status = 'closed' AND i.hazard_level IS NOT NULL ORDER BY f.id LIMIT 1",
        )
    for client, name_ in (
        (staff_client(), "playground-staff"),
        (new_client(), "playground-public"),
    ):
        path, text = fetch(client, inspection_id, name_)
        flat = re.sub(r"\s+", "", text)
        assert pages(path) == [(595.276, 841.89)]
        for words in ("点検結果報告書", "遊具", name.replace(" ", ""), "総合判定", "使用禁止"):
            assert words in flat, words
        assert f"ハザードレベル{level}" in flat or re.search(rf"ハザードレベル.*\s{level}\s", text)
        assert "部位別の評価" not in flat  # JPFA grades the piece as a whole
        # The table's row (the header's box says 総合判定 too, with the letter below it).
        rows = [line for line in text.splitlines() if line.strip().startswith("総合判定")]
        assert any(re.search(rf"\s{grade}\s", row) for row in rows), rows


def test_more_photos_than_a_page_holds_go_on_to_a_second_page(
    article12: Printed, demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from layers.store.settings import get_settings

    # A name that would end the stylesheet the running head is written in.
    with psycopg.connect(libpq_url(demo_url)) as conn:
        conn.execute(
            b"UPDATE facility_building SET name = %s WHERE id = ("
            b"SELECT subject_id FROM inspection WHERE id = %s)",
            ('別館"</style><h1>X', article12.inspection_id),
        )
    for seed in range(19, 28):
        add_photo(article12.inspection_id, seed)  # ten photos in all
    staff = staff_client()
    path, text = fetch(staff, article12.inspection_id, "article12-ten-photos")
    assert len(pages(path)) == 2
    second = run("pdftotext", "-f", "2", "-l", "2", path, "-")
    assert "点検結果報告書（つづき）" in second and "別館/style" in second.replace(" ", "")
    assert '別館"</style><h1>X' in text  # printed as written on the first sheet
    # A row of three under the findings, the other seven on the next sheet.
    assert [row[0] for row in images(path)] == ["1"] * 3 + ["2"] * 7
    # The sheet prints at most the setting's number of photos.
    monkeypatch.setenv("MACHIMAP_INSPECTION_MAX_PHOTOS", "3")
    get_settings.cache_clear()
    path, _text = fetch(staff, article12.inspection_id, "article12-three-photos")
    assert [row[0] for row in images(path)] == ["1"] * 3 and len(pages(path)) == 1


def test_a_missing_inspection_is_a_404_and_a_bad_id_a_400(article12: Printed) -> None:
    for client in (new_client(), staff_client()):
        missing = client.get("/api/inspections/999999999.pdf")
        assert missing.status_code == 404, missing.text
        assert missing.json()["detail_ja"] and missing.json()["detail"]
        for bad in ("abc", "0", "99999999999999999999"):
            answer = client.get(f"/api/inspections/{bad}.pdf")
            assert 400 <= answer.status_code < 500, (bad, answer.status_code)


def test_an_inspection_of_a_hazard_prints_with_its_district_for_an_address(
    demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A kind with no parts (an overall grade only) of a feature that is not a facility."""
    from layers.store.settings import get_settings

    monkeypatch.setenv("MACHIMAP_PRINT_BASEMAP_URL", UNREACHABLE)
    get_settings.cache_clear()
    with psycopg.connect(libpq_url(demo_url)) as conn:
        hazard, title, district = one(
            conn,
            "SELECT h.id, h.title, d.name FROM hazard h JOIN district d "
            "ON d.level = 'neighbourhood' AND ST_Intersects(d.geom, ST_PointOnSurface(h.geom)) "
            "ORDER BY h.id LIMIT 1",
        )
        inspection_id = one(
            conn,
            "INSERT INTO inspection (subject_layer, subject_id, kind, inspected_on, "
            "overall_grade, findings) VALUES ('hazard', %s, 'other', '2026-10-01', 'B', "
            "'舗装のひび') RETURNING id",
            hazard,
        )
    path, text = fetch(new_client(), inspection_id, "hazard-public")
    flat = re.sub(r"\s+", "", text)
    for words in (
        title.replace(" ", ""),
        district,
        "危険箇所",
        "総合評価",
        "2026年10月1日",
        "定めなし",
    ):
        assert words in flat, words
    assert "部位別の評価" not in flat and "舗装のひび" not in flat
    assert pages(path) == [(595.276, 841.89)]


def test_a_demo_12jo_inspection_prints_every_part_of_its_kind(
    demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo's own records (layers/demo/register.py), as staff print them."""
    from layers.store.settings import get_settings

    monkeypatch.setenv("MACHIMAP_PRINT_BASEMAP_URL", UNREACHABLE)
    get_settings.cache_clear()
    with psycopg.connect(libpq_url(demo_url)) as conn:
        inspection_id, findings = one(
            conn,
            "SELECT i.id, i.findings FROM inspection i "
            "WHERE i.kind = 'building_article12' AND i.synthetic "
            "ORDER BY i.overall_grade DESC, i.id LIMIT 1",
        )
        grades: dict[str, str] = dict(
            conn.execute(
                b"SELECT p ->> 'ja', g.grade FROM inspection_part_grade g "
                b"JOIN inspection_kind k ON k.code = 'building_article12' "
                b"CROSS JOIN jsonb_array_elements(k.parts) p "
                b"WHERE g.inspection_id = %s AND p ->> 'code' = g.part",
                (inspection_id,),
            ).fetchall()
        )
    path, text = fetch(staff_client(), inspection_id, "demo-article12-staff")
    assert len(grades) == 5, grades
    for ja, part_grade in grades.items():
        row = next(line for line in text.splitlines() if line.strip().startswith(ja))
        assert re.search(rf"\s{part_grade}\s", row), row
    flat = re.sub(r"\s+", "", text)
    assert re.sub(r"\s+", "", findings or "") in flat
    assert pages(path)[0] == (595.276, 841.89)
