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
from tests.conftest import ROOT

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
